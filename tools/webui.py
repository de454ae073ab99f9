"""A web demo of a wna model (Gradio): read a crop, see the chosen expert, the router's
probabilities, per-character scores and attention maps; register new characters and read
again; pick the dictionary.

    python tools/webui.py [--checkpoint demo_output/checkpoint.pth] [--config CONFIG]
        [--data DIR] [--dict-dir DIR] [--examples LMDB] [--device cpu]
        [--host 127.0.0.1] [--port 7860]

After ``tools/demo.py`` it runs as is: the demo config, the demo checkpoint, the demo's
dictionaries (``<data>/dicts``) to choose from and a few test crops of each shape
(``<data>/test_jpn_hv``) as examples. It serves on 127.0.0.1 only unless ``--host`` says
otherwise; open the printed address in a browser. Needs the ``webui`` extra
(``pip install -e '.[webui]'``; ``tools/install.sh`` installs it). docs/webui.md.

The page is thin wiring: loading, reading and registration are
:class:`projects.wna.apis.reading_session.ReadingSession`'s.
"""
from __future__ import annotations

import argparse
import atexit
import os
import os.path as osp
import shutil
import sys
import tempfile

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, ROOT)  # the repository root

DEFAULT_CONFIG = osp.join(ROOT, 'configs/wna/demo/wna-s_resnet45-narrow_1.8k_wna-demo.py')
DEFAULT_CHECKPOINT = osp.join('demo_output', 'checkpoint.pth')
TITLE = 'Watch and Act: open-set text recognition'


def port_number(text: str) -> int:
    """A TCP port (argparse type)."""
    port = int(text)
    if not 0 < port < 65536:
        raise argparse.ArgumentTypeError(f'a port must be in 1..65535, got {port}')
    return port


def build_parser(add_help: bool = True) -> argparse.ArgumentParser:
    """The web demo's options (also the parent of ``tools/webui_screenshot.py``'s)."""
    parser = argparse.ArgumentParser(description='Web demo of a wna model (Gradio)',
                                     add_help=add_help)
    parser.add_argument('--checkpoint', default=DEFAULT_CHECKPOINT,
                        help='trusted checkpoint (default: demo_output/checkpoint.pth, in '
                        'the working folder, else in the checkout)')
    parser.add_argument('--config', default=DEFAULT_CONFIG, help='model config (default: '
                        'the demo config)')
    parser.add_argument('--data', default=None, help='demo data root (default: '
                        '$WNA_DEMO_DATA, else data/wna_demo of the checkout)')
    parser.add_argument('--dict-dir', help='folder of dictionaries (*.npz) to choose from '
                        '(default: <data>/dicts)')
    parser.add_argument('--examples', help='LMDB whose first crops of each shape are '
                        'offered as examples (default: <data>/test_jpn_hv; skipped when '
                        'missing)')
    parser.add_argument('--device', default='cpu', help='e.g. cpu, cuda (default cpu)')
    parser.add_argument('--host', default='127.0.0.1',
                        help='address to serve on (default 127.0.0.1: this machine only)')
    parser.add_argument('--port', type=port_number, default=7860, help='port (default 7860)')
    return parser


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    return build_parser().parse_args(argv)


def find_checkpoint(path: str) -> str:
    """``path`` if it exists, else the same relative path in the checkout."""
    if osp.isfile(path) or osp.isabs(path):
        if not osp.isfile(path):
            raise FileNotFoundError(f'checkpoint not found: {path}')
        return path
    candidate = osp.join(ROOT, path)
    if not osp.isfile(candidate):
        raise FileNotFoundError(f'checkpoint not found: {path} (run tools/demo.py first, or '
                                'pass --checkpoint)')
    return candidate


def page_style(font_path: str):
    """Gradio's default theme with ``font_path`` (a font file the server serves) as the
    page's first font, so that CJK text shows on machines without a CJK system font."""
    import gradio as gr
    family = 'WnA glyph font'
    css = (f"@font-face {{ font-family: '{family}'; "
           f"src: url('/gradio_api/file={font_path}'); }}")
    fallbacks = ['ui-sans-serif', 'system-ui', 'sans-serif']
    theme = gr.themes.Default(font=[family, *fallbacks],
                              font_mono=['ui-monospace', family, 'monospace'])
    return theme, css


def build_app(session, examples: list[str]):
    """The Gradio page over a :class:`ReadingSession` with example image files."""
    import gradio as gr

    from projects.wna.apis.reading_session import describe_dictionary, describe_registration

    def read(image, dictionary, registered):
        if image is None:
            return '', '', None, [], None, ''
        try:
            reading = session.read(image, dictionary, *registered)
        except (ValueError, KeyError, OSError) as err:
            raise gr.Error(str(err)) from None
        return (reading.text, reading.expert, reading.router_probs, reading.score_rows(),
                reading.figure, describe_dictionary(reading.dictionary))

    def register(image, dictionary, chars, font):
        try:
            info = session.dictionary(dictionary, chars, font)[1]
        except (ValueError, KeyError, OSError) as err:
            raise gr.Error(str(err)) from None
        registered = (chars, font)
        return (registered, describe_registration(info), *read(image, dictionary, registered))

    with gr.Blocks(title=TITLE, analytics_enabled=False) as app:
        gr.Markdown(f'## {TITLE}\nUpload a cropped text line (any orientation) or pick an '
                    'example; register characters the model never saw by rendering them '
                    'with a font, then read again.')
        registered = gr.State(('', None))
        with gr.Row():
            with gr.Column(scale=2):
                image = gr.Image(label='Text crop', type='numpy', image_mode='RGB',
                                 sources=['upload', 'clipboard'], elem_id='crop')
                if examples:
                    gr.Examples(examples=[[p] for p in examples], inputs=[image],
                                label='Demo test crops', examples_per_page=12)
                dictionary = gr.Dropdown(list(session.dictionaries), label='Dictionary',
                                         value=next(iter(session.dictionaries)),
                                         elem_id='dictionary')
                read_button = gr.Button('Read', variant='primary', elem_id='read')
                with gr.Group():
                    chars = gr.Textbox(label='Characters to register', placeholder='峠畑込',
                                       elem_id='chars')
                    font = gr.Dropdown(list(session.fonts), value=session.default_font,
                                       label='Font to render them with', elem_id='font')
                    register_button = gr.Button('Register and read again',
                                                elem_id='register')
                registration = gr.Markdown(elem_id='registration')
            with gr.Column(scale=3):
                with gr.Row():
                    text = gr.Textbox(label='Reading', interactive=False, elem_id='reading')
                    expert = gr.Textbox(label='Chosen expert', interactive=False,
                                        elem_id='expert')
                probs = gr.Label(label='Router probabilities', elem_id='router')
                scores = gr.Dataframe(headers=['#', 'character', 'score'],
                                      label='Per-character scores', interactive=False,
                                      elem_id='scores')
                figure = gr.Image(label='Attention map of each read character',
                                  interactive=False, elem_id='attention')
                used = gr.Markdown(elem_id='used-dictionary')
        outputs = [text, expert, probs, scores, figure, used]
        inputs = [image, dictionary, registered]
        image.change(read, inputs, outputs)
        dictionary.change(read, inputs, outputs)
        read_button.click(read, inputs, outputs)
        register_button.click(register, [image, dictionary, chars, font],
                              [registered, registration, *outputs])
    return app


def start(args: argparse.Namespace, block: bool = False):
    """Load the model, build the page and serve it as the parsed ``args`` say; returns
    the running Gradio app (``app.local_url``; stop it with ``app.close()``), or serves
    until interrupted with ``block``."""
    os.environ.setdefault('GRADIO_ANALYTICS_ENABLED', 'False')
    try:
        import gradio  # noqa: F401
    except ImportError:
        raise SystemExit('error: the web demo needs Gradio: pip install -e \'.[webui]\' '
                         '(or bash tools/install.sh)') from None
    from projects.wna.apis.reading_session import ReadingSession, export_examples
    from projects.wna.charset import default_font_path
    data = osp.abspath(args.data or os.environ.get('WNA_DEMO_DATA')
                       or osp.join(ROOT, 'data', 'wna_demo'))
    os.environ.setdefault('WNA_DEMO_DATA', data)  # read by the demo config
    session = ReadingSession(args.config, find_checkpoint(args.checkpoint), args.device,
                             args.dict_dir or osp.join(data, 'dicts'))
    lmdb = args.examples or osp.join(data, 'test_jpn_hv')
    folder = tempfile.mkdtemp(prefix='wna_webui_')
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    examples = ([path for path, _ in export_examples(lmdb, folder)]
                if osp.isfile(osp.join(lmdb, 'data.mdb')) else [])
    if not examples:
        print(f'[webui] no example crops ({lmdb} holds no LMDB)')
    app = build_app(session, examples)
    app.queue(default_concurrency_limit=1)
    font = default_font_path()
    theme, css = page_style(font)
    app.launch(server_name=args.host, server_port=args.port, share=False, ssr_mode=False,
               inbrowser=False, show_error=True, allowed_paths=[folder, font],
               prevent_thread_lock=not block, quiet=not block, theme=theme, css=css)
    return app


def main(argv: list[str] | None = None) -> None:
    start(parse_args(argv), block=True)


if __name__ == '__main__':
    from projects.wna.apis.cli import run_main

    sys.exit(run_main(main))
