"""tools/infer.py, wna's ``WnATextRecInferencer`` and MMOCR's ``TextRecInferencer`` on real
rendered crops.

The fast tests use a random-weight model of the demo config (saved by the tests), so they
check structure, not reading; the slow test reads with the trained demo checkpoint.
"""
from __future__ import annotations

import json
import os
import os.path as osp
import pickle
import subprocess
import sys

import cv2
import matplotlib
import numpy as np
import pytest
import torch
from conftest import BASE_CHARS, DEMO_CONFIG, ROOT, load_tool, make_charset
from mmengine.config import Config
from mmengine.logging import HistoryBuffer
from mmengine.registry import INFERENCERS
from PIL import Image, ImageDraw, ImageFont

from projects.wna.apis import (
    WnATextRecInferencer,
    build_inference_pipeline,
    load_recognizer,
    recognize,
)
from projects.wna.charset import (
    UNKNOWN_CHAR,
    default_font_path,
    load_charset,
    resolve_data_path,
    split_graphemes,
)
from projects.wna.datasets.lmdb_io import write_lmdb
from projects.wna.engine.checkpoint import CheckpointMismatchError

infer = load_tool('infer')
DEJAVU = osp.join(matplotlib.get_data_path(), 'fonts', 'ttf', 'DejaVuSans.ttf')
EXPERTS = ('hori', 'vert', 'rect')
#: Kanji outside every test dictionary, registered by the tests.
NEW_CHARS = '峠畑込'


def render_text(text: str, vertical: bool = False, size: int = 28, face: int = 0,
                ink: int = 20, paper: int = 235) -> np.ndarray:
    """A BGR crop of ``text`` in Noto Sans CJK: a line left to right, or one character per
    row top to bottom, with a margin of a quarter of the font size."""
    font = ImageFont.truetype(str(default_font_path()), size, index=face)
    pad = size // 4
    if vertical:
        chars = split_graphemes(text)
        step = int(size * 1.1)
        image = Image.new('RGB', (size + 2 * pad, step * len(chars) + 2 * pad), (paper,) * 3)
        for row, char in enumerate(chars):
            ImageDraw.Draw(image).text((pad + size // 2, pad + row * step + step // 2), char,
                                       fill=(ink,) * 3, font=font, anchor='mm')
    else:
        left, top, right, bottom = font.getbbox(text)
        image = Image.new('RGB', (right - left + 2 * pad, bottom - top + 2 * pad), (paper,) * 3)
        ImageDraw.Draw(image).text((pad - left, pad - top), text, fill=(ink,) * 3, font=font)
    return np.ascontiguousarray(np.asarray(image)[..., ::-1])


def write_image(path, image: np.ndarray) -> str:
    assert cv2.imwrite(str(path), image)
    return str(path)


def infer_args(model_files, *args: str) -> list[str]:
    """tools/infer.py arguments reading with the test checkpoint and base dictionary."""
    return [DEMO_CONFIG, model_files['checkpoint'], *args, '--device', 'cpu',
            '--cfg-options', f'model.default_charset={model_files["dict"]}']


def read_jsonl(path) -> list[dict]:
    with open(path, encoding='utf-8') as f:
        return [json.loads(line) for line in f]


def check_record(record: dict, labels: set[str]) -> None:
    """A well-formed prediction whose text only uses ``labels`` or the unknown character."""
    chars = split_graphemes(record['text'])
    assert set(chars) <= labels | {UNKNOWN_CHAR}, record['text']
    assert len(record['scores']) == len(chars)
    assert all(0.0 <= s <= 1.0 for s in record['scores'])
    assert record['expert'] in EXPERTS
    assert len(record['router_probs']) == 3 and sum(record['router_probs']) == pytest.approx(1)


def test_folder_with_bad_files(model_files, tmp_path, capsys):
    folder = tmp_path / 'crops'
    folder.mkdir()
    good = {
        'a_word.png': render_text('abc'),
        'b_vertical.jpg': render_text('一二三', vertical=True),
        'c_single.png': render_text('日'),
        'd_hairline.png': np.full((2, 900, 3), 128, np.uint8),  # W/H = 450
        'e_pole.png': np.full((1500, 1, 3), 60, np.uint8),  # W/H < 1/1000
    }
    shapes = {name: list(image.shape[:2]) for name, image in good.items()}
    for name, image in good.items():
        write_image(folder / name, image)
    png = (folder / 'a_word.png').read_bytes()
    (folder / 'corrupt.png').write_bytes(png[:len(png) // 3])
    (folder / 'empty.jpg').write_bytes(b'')
    (folder / 'notes.txt').write_text('not an image\n')
    (folder / 'nested').mkdir()  # not read without --recursive
    write_image(folder / 'nested' / 'deep.png', render_text('月'))
    write_lmdb(folder / 'nested' / 'lmdb', [(png, 'abc'), (png, 'abc')])
    out, summary, vis = tmp_path / 'preds.jsonl', tmp_path / 'summary.json', tmp_path / 'vis'

    code = infer.main(infer_args(model_files, str(folder), '--out', str(out), '--batch-size',
                                 '2', '--summary', str(summary), '--show-dir', str(vis)))
    err = capsys.readouterr().err
    assert code == 0
    records = read_jsonl(out)
    labels = set(load_charset(model_files['dict']).label_chars)
    assert [osp.basename(r['source']) for r in records] == sorted(good)
    for record in records:
        check_record(record, labels)
        assert record['ori_shape'] == shapes[osp.basename(record['source'])]
        assert 'label' not in record
    bad = {'corrupt.png': 'not a decodable image', 'empty.jpg': 'empty file',
           'notes.txt': 'not a decodable image'}
    for name, reason in bad.items():
        assert f'{folder / name}: {reason}' in err
    assert '8 image(s): 5 recognised' in err and '3 skipped' in err
    report = json.loads(summary.read_text(encoding='utf-8'))
    assert report['images'] == 8 and report['recognised'] == 5
    assert {osp.basename(s['source']): s['reason'] for s in report['skipped']} == bad
    # indices count every input, so skipped ones leave gaps
    assert sorted([r['index'] for r in records] + [s['index'] for s in report['skipped']]) == \
        list(range(8))
    assert sum(report['experts'].values()) == 5
    drawings = sorted(os.listdir(vis))
    assert len(drawings) == 5 and all(d.endswith('.png') for d in drawings)
    assert drawings[0] == f'{records[0]["index"]:06d}_a_word.png'
    assert Image.open(vis / drawings[0]).size[0] == 360

    # --recursive reads the sub-folder too, with the LMDB inside it as an LMDB
    code = infer.main(infer_args(model_files, str(folder), '--out', str(out), '-r'))
    sources = [r['source'] for r in read_jsonl(out)]
    assert code == 0 and len(sources) == 8
    assert sources[-3:] == [str(folder / 'nested' / 'deep.png'),
                            f'{folder / "nested" / "lmdb"}#image-000000000',
                            f'{folder / "nested" / "lmdb"}#image-000000001']


def test_lmdb_input_on_stdout(model_files, tmp_path):
    lmdb = tmp_path / 'crops_lmdb'
    texts = ['abc', '三口', 'e']
    records = [(cv2.imencode('.png', render_text(t))[1].tobytes(), t) for t in texts]
    records.insert(1, (b'\x89PNG broken', 'broken'))
    write_lmdb(lmdb, records)
    env = dict(os.environ, OMP_NUM_THREADS='1')
    # the command line, from another working directory, printing to stdout
    proc = subprocess.run([sys.executable, osp.join(ROOT, 'tools', 'infer.py'),
                           *infer_args(model_files, str(lmdb))], env=env, cwd=str(tmp_path),
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = proc.stdout.splitlines()
    predictions = [json.loads(line) for line in lines]  # nothing but JSON on stdout
    assert [p['source'] for p in predictions] == [f'{lmdb}#image-00000000{i}' for i in (0, 2, 3)]
    assert [p['label'] for p in predictions] == texts
    labels = set(load_charset(model_files['dict']).label_chars)
    for prediction in predictions:
        check_record(prediction, labels)
    assert f'{lmdb}#image-000000001: not a decodable image' in proc.stderr
    assert '4 image(s): 3 recognised' in proc.stderr


def test_show_dir_draws_the_labels_of_lmdb_records(model_files, tmp_path):
    """An LMDB record's drawing has its stored label as ground truth, the reading's
    characters marked against it; an image file's has the reading alone."""
    from projects.wna.visualization import draw_prediction_panel
    from projects.wna.visualization import panel as p
    lmdb, word = tmp_path / 'lmdb', render_text('abc')
    write_lmdb(lmdb, [(cv2.imencode('.png', word)[1].tobytes(), 'abc')])
    write_image(tmp_path / 'word.png', word)
    out, vis = tmp_path / 'preds.jsonl', tmp_path / 'vis'
    assert infer.main(infer_args(model_files, str(lmdb), str(tmp_path / 'word.png'), '--out',
                                 str(out), '--show-dir', str(vis))) == 0
    records = read_jsonl(out)
    drawings = sorted(vis.iterdir())
    assert [d.name for d in drawings] == ['000000_image-000000000.png', '000001_word.png']
    for record, drawing, gt in zip(records, drawings, ('abc', None)):
        expected = draw_prediction_panel(word[..., ::-1], default_font_path(),
                                         pred=record['text'], gt=gt, expert=record['expert'],
                                         probs=record['router_probs'])
        assert (np.asarray(Image.open(drawing)) == expected).all(), drawing.name
    green = [(np.abs(np.asarray(Image.open(d))[:, 156:].astype(int) - p._GT).max(axis=2)
              < 40).any() for d in drawings]
    assert green == [True, False]


def test_registered_chars_extend_the_dictionary(model_files, tmp_path, capsys):
    folder = tmp_path / 'crops'
    folder.mkdir()
    for i, text in enumerate(['峠畑', 'abc込', 'ΩЖ', '一峠']):
        write_image(folder / f'{i}.png', render_text(text, vertical=i == 3))
    out, summary, saved = tmp_path / 'p.jsonl', tmp_path / 's.json', tmp_path / 'used.npz'
    # U+E000 (private use) has no glyph in the font: reported, stays unknown
    code = infer.main(infer_args(model_files, str(folder), '--out', str(out), '--chars',
                                 f'{NEW_CHARS} aD\ue000', '--font', str(default_font_path()),
                                 '--summary', str(summary), '--save-dict', str(saved)))
    err = capsys.readouterr().err
    assert code == 0
    base = load_charset(model_files['dict'])
    used = load_charset(saved)
    assert used.chars == base.chars + list(NEW_CHARS) + ['D']  # extended, base order kept
    assert (used.glyphs[:len(base)] == base.glyphs).all()
    assert used.label_of('A') == used.label_of('a')  # case relations kept
    assert used.label_of('D') == used.label_of('d')  # and made for added letters
    info = json.loads(summary.read_text(encoding='utf-8'))['dictionary']
    assert info['added'] == [*NEW_CHARS, 'D'] and info['known'] == ['a']
    assert info['missing'] == ['\ue000'] and 'U+E000' in err
    # the model built one prototype per glyph of the extended dictionary
    assert info['chars'] == info['prototypes'] == len(base) + 4
    assert info['labels'] == base.num_labels + 3
    for record in read_jsonl(out):
        check_record(record, set(used.label_chars))


def test_chars_only_replaces_the_dictionary(model_files, tmp_path):
    folder = tmp_path / 'crops'
    folder.mkdir()
    write_image(folder / 'greek.png', render_text('ΩЖΩ'))
    write_image(folder / 'kanji.png', render_text('峠', vertical=True))
    out, summary = tmp_path / 'p.jsonl', tmp_path / 's.json'
    # DejaVu Sans draws Greek and Cyrillic but no kanji
    code = infer.main(infer_args(model_files, str(folder), '--out', str(out), '--chars',
                                 'ΩЖ峠', '--font', DEJAVU, '--chars-only', '--summary',
                                 str(summary)))
    assert code == 0
    info = json.loads(summary.read_text(encoding='utf-8'))['dictionary']
    assert info['source'] is None and info['font'] == 'DejaVu Sans'
    assert info['added'] == ['Ω', 'Ж'] and info['missing'] == ['峠']
    assert info['chars'] == info['prototypes'] == 2
    records = read_jsonl(out)
    assert len(records) == 2
    for record in records:
        check_record(record, {'Ω', 'Ж'})


def test_exit_status(model_files, tmp_path, capsys):
    folder = tmp_path / 'bad'
    folder.mkdir()
    (folder / 'empty.png').write_bytes(b'')
    (folder / 'text.jpg').write_text('hello')
    assert infer.main(infer_args(model_files, str(folder), '--out',
                                 str(tmp_path / 'p.jsonl'))) == 1
    assert 'no image could be recognised' in capsys.readouterr().err
    assert (tmp_path / 'p.jsonl').read_text() == ''
    assert infer.main(infer_args(model_files, str(tmp_path / 'absent.png'))) == 2
    assert 'input not found' in capsys.readouterr().err
    assert infer.main(infer_args(model_files, str(folder), '--dict',
                                 str(tmp_path / 'no.npz'))) == 2
    with pytest.raises(SystemExit):
        infer.main(infer_args(model_files, str(folder), '--chars-only'))


@pytest.mark.parametrize('config', ['tiny_nedmix.py', 'xl_nedmix.py', 'ablation/wna_sa.py',
                                    'demo/tiny_nedmix_demo.py'])
def test_config_test_pipelines_serve_inference(config):
    cfg = Config.fromfile(osp.join(ROOT, 'configs', 'wna', config))
    pipeline = build_inference_pipeline(cfg)
    image = render_text('一二三', vertical=True)
    packed = pipeline(dict(img=image, img_path='x.png'))
    assert packed['inputs']['img'].shape == (3, *image.shape[:2])
    assert packed['inputs']['thumb'].shape == (3, 32, 32)
    assert 'gt_text' not in packed['data_samples']
    # RGB from here on: WnABGRToRGB follows the loader
    assert (packed['inputs']['img'].numpy().transpose(1, 2, 0) == image[..., ::-1]).all()


def test_mmocr_text_rec_inferencer(model_files, tmp_path):
    from mmocr.apis import TextRecInferencer
    config = tmp_path / 'wna_infer.py'
    config.write_text(f'_base_ = [{DEMO_CONFIG!r}]\n'
                      f'model = dict(default_charset={model_files["dict"]!r})\n')
    inferencer = TextRecInferencer(model=str(config), weights=model_files['checkpoint'],
                                   device='cpu')
    path = write_image(tmp_path / 'word.png', render_text('abc日'))
    tall = render_text('一二三', vertical=True)
    result = inferencer([path, tall], batch_size=2, progress_bar=False, save_vis=True,
                        out_dir=str(tmp_path / 'out'))
    labels = set(load_charset(model_files['dict']).label_chars) | {UNKNOWN_CHAR}
    for prediction in result['predictions']:
        assert isinstance(prediction['text'], str)
        assert set(split_graphemes(prediction['text'])) <= labels
        assert isinstance(prediction['scores'], float)  # TextRecInferencer averages them
    assert os.path.isfile(tmp_path / 'out' / 'vis' / 'word.jpg')
    drawn = inferencer(path, progress_bar=False, return_vis=True)['visualization'][0]
    assert drawn.ndim == 3 and drawn.shape[2] == 3 and drawn.shape[0] > 32  # image + panel
    samples = inferencer(tall, progress_bar=False, return_datasamples=True)['predictions']
    sample = samples[0]
    assert len(sample.pred_text.score) == len(split_graphemes(sample.pred_text.item))
    assert sample.pred_route.expert in EXPERTS
    assert tuple(sample.metainfo['ori_shape']) == tall.shape[:2]


# ---------------------------------------------------------------- WnATextRecInferencer


@pytest.fixture(scope='module')
def crops(tmp_path_factory):
    """A horizontal word as a PNG file and a vertical one as a BGR array."""
    folder = tmp_path_factory.mktemp('inferencer_crops')
    return dict(word=write_image(folder / 'word.png', render_text('abc日')),
                tall=render_text('一二三', vertical=True))


def child_config(folder, model_files) -> str:
    """A config in ``folder`` inheriting the demo config, with the test dictionary as its
    ``model.default_charset``."""
    config = folder / 'wna_child.py'
    config.write_text(f'_base_ = [{DEMO_CONFIG!r}]\n'
                      f'model = dict(default_charset={model_files["dict"]!r})\n')
    return str(config)


def test_wna_inferencer_results_carry_route_and_char_scores(model_files, crops, tmp_path):
    inferencer = WnATextRecInferencer(DEMO_CONFIG, model_files['checkpoint'], 'cpu',
                                      dictionary=model_files['dict'])
    info = inferencer.dictionary_info
    assert info['source'] == model_files['dict']
    assert info['chars'] == info['prototypes'] == len(BASE_CHARS)
    # MMOCRInferencer-style call: paths and arrays, visualisation, saved predictions
    result = inferencer([crops['word'], crops['tall']], batch_size=2, progress_bar=False,
                        return_vis=True, save_pred=True, out_dir=str(tmp_path / 'out'))
    predictions = result['predictions']
    assert len(predictions) == len(result['visualization']) == 2
    labels = set(inferencer.charset.label_chars) | {UNKNOWN_CHAR}
    for prediction in predictions:
        chars = split_graphemes(prediction['text'])
        assert set(chars) <= labels
        assert len(prediction['char_scores']) == len(chars)
        assert prediction['scores'] == pytest.approx(float(np.mean(prediction['char_scores'])))
        assert prediction['expert'] in EXPERTS and len(prediction['router_probs']) == 3
        assert sum(prediction['router_probs']) == pytest.approx(1)
    saved = json.loads((tmp_path / 'out' / 'preds' / 'word.json').read_text(encoding='utf-8'))
    assert saved == predictions[0]
    assert all(v.ndim == 3 for v in result['visualization'])
    # the model's own predict with the same dictionary reads the same
    model = load_recognizer(DEMO_CONFIG, model_files['checkpoint'])
    samples = recognize(model, build_inference_pipeline(model.cfg),
                        [cv2.imread(crops['word']), crops['tall']], charset=model_files['dict'])
    assert [(s.pred_text.item, s.pred_route.expert) for s in samples] == \
        [(p['text'], p['expert']) for p in predictions]


def test_wna_inferencer_takes_the_dictionary_as_arguments(model_files, crops, tmp_path):
    # a GlyphCharset object, through MMEngine's inferencer registry
    charset = make_charset(list('ab日'))
    inferencer = INFERENCERS.build(dict(type='WnATextRecInferencer', model=DEMO_CONFIG,
                                        weights=model_files['checkpoint'], device='cpu',
                                        dictionary=charset))
    assert isinstance(inferencer, WnATextRecInferencer) and inferencer.charset is charset
    assert inferencer.dictionary_info['source'] == '<GlyphCharset: 3 characters>'
    texts = [p['text'] for p in inferencer(crops['tall'], progress_bar=False)['predictions']]
    assert set(split_graphemes(''.join(texts))) <= {'a', 'b', '日', UNKNOWN_CHAR}

    # registered characters (a string and a file) extend the config's default dictionary
    listed = tmp_path / 'more.txt'
    listed.write_text(f'{NEW_CHARS[2]}\n', encoding='utf-8')
    extended = WnATextRecInferencer(child_config(tmp_path, model_files),
                                    model_files['checkpoint'], 'cpu',
                                    chars=[*NEW_CHARS[:2], 'a'], chars_file=str(listed),
                                    font=default_font_path())
    base = load_charset(model_files['dict'])
    assert extended.charset.chars == base.chars + list(NEW_CHARS)
    info = extended.dictionary_info
    assert info['source'] == model_files['dict'] and info['added'] == list(NEW_CHARS)
    assert info['known'] == ['a'] and info['missing'] == []
    assert info['chars'] == info['prototypes'] == len(base) + 3

    # or form the dictionary alone; characters the font cannot draw stay unknown
    alone = WnATextRecInferencer(DEMO_CONFIG, model_files['checkpoint'], 'cpu',
                                 chars='ΩЖ峠', font=DEJAVU, chars_only=True)
    assert alone.charset.chars == ['Ω', 'Ж'] and alone.dictionary_info['missing'] == ['峠']
    assert alone.dictionary_info['source'] is None
    for prediction in alone([crops['word']], progress_bar=False)['predictions']:
        assert set(split_graphemes(prediction['text'])) <= {'Ω', 'Ж', UNKNOWN_CHAR}
    with pytest.raises(ValueError, match='chars_only'):
        WnATextRecInferencer(DEMO_CONFIG, None, 'cpu', dictionary=model_files['dict'],
                             chars='a', chars_only=True)


def test_wna_inferencer_reads_mmengine_checkpoints_and_rejects_misfits(model_files, crops,
                                                                       tmp_path, capsys):
    from mmocr.apis import TextRecInferencer
    state = torch.load(model_files['checkpoint'], weights_only=True)['state_dict']
    # what MMEngine writes: numpy inside the message hub's HistoryBuffers
    full = tmp_path / 'mmengine.pth'
    torch.save(dict(state_dict=state, meta=dict(iter=1), message_hub=dict(
        log_scalars=dict(loss=HistoryBuffer([1.0], [1])))), full)
    with pytest.raises(pickle.UnpicklingError, match='[Ww]eights only load failed'):
        TextRecInferencer(model=DEMO_CONFIG, weights=str(full), device='cpu')
    inferencer = WnATextRecInferencer(DEMO_CONFIG, full, 'cpu', dictionary=model_files['dict'])
    for name, value in inferencer.model.state_dict().items():
        assert torch.equal(value, state[name]), name

    missing = tmp_path / 'missing_key.pth'
    torch.save(dict(state_dict=dict(list(state.items())[1:])), missing)
    with pytest.raises(CheckpointMismatchError, match=f'^checkpoint {missing} does not fit '
                       f'config {DEMO_CONFIG}: 1 missing keys'):
        WnATextRecInferencer(DEMO_CONFIG, missing, 'cpu', dictionary=model_files['dict'])
    # tools/infer.py reports it in one line and exits with 2
    assert infer.main(infer_args(dict(model_files, checkpoint=str(missing)),
                                 crops['word'])) == 2
    assert f'checkpoint {missing} does not fit' in capsys.readouterr().err
    with pytest.raises(ValueError, match='needs the config'):
        WnATextRecInferencer(None, full, 'cpu')


@pytest.mark.slow
def test_trained_demo_reads_registered_unseen_chars(tmp_path, monkeypatch):
    """Words of kanji outside the demo's training charset and its default (GZSL)
    dictionary are read once their characters are registered with --chars into the
    training dictionary (no retraining).

    Five three-kanji words, each rendered in three Noto Sans CJK faces (JP, KR, SC),
    horizontally, dark on light: at least 13 of the 15 images must be read exactly.
    Without registration the characters cannot be output at all.

    The checkpoint is ``$WNA_DEMO_CHECKPOINT`` or ``demo_output/checkpoint.pth``; when
    neither exists, the test runs the main job (``tools/demo.py``, about 16 CPU minutes)
    into its temporary folder and uses that checkpoint.
    """
    checkpoint = os.environ.get('WNA_DEMO_CHECKPOINT',
                                osp.join(ROOT, 'demo_output', 'checkpoint.pth'))
    if not osp.isfile(checkpoint):
        data, out = tmp_path / 'demo_data', tmp_path / 'demo_output'
        subprocess.run([sys.executable, osp.join(ROOT, 'tools', 'demo.py'), '--data', str(data),
                        '--out', str(out)], cwd=ROOT, check=True)
        monkeypatch.setenv('WNA_DEMO_DATA', str(data))
        checkpoint = str(out / 'checkpoint.pth')
    model_cfg = Config.fromfile(DEMO_CONFIG).model
    dict_paths = [resolve_data_path(p) for p in (model_cfg.default_charset,
                                                  model_cfg.train_charset)]
    if not all(osp.exists(p) for p in dict_paths):
        pytest.skip(f'demo dictionaries {dict_paths} are missing (run tools/make_demo_data.py '
                    'or set WNA_DEMO_DATA)')
    default, train = (load_charset(p) for p in dict_paths)
    train_dict_path = dict_paths[1]
    candidates = '峠畑込働枠塀匂凪榊躾辻鰯鱈栃笹雫樫柾椿桐栗桧杉柿梨桃菖蒲蕨'
    chars = [c for c in candidates if c not in default and c not in train][:15]
    assert len(chars) == 15, 'the candidate kanji are in the demo dictionaries'
    words = [''.join(chars[i:i + 3]) for i in range(0, 15, 3)]
    folder = tmp_path / 'crops'
    folder.mkdir()
    expected = {}
    for w, word in enumerate(words):
        for face in (0, 1, 2):
            expected[f'word{w}_face{face}.png'] = word
            write_image(folder / f'word{w}_face{face}.png', render_text(word, size=32,
                                                                        face=face))

    def read(*extra: str) -> dict[str, str]:
        out = tmp_path / 'p.jsonl'
        argv = [DEMO_CONFIG, checkpoint, str(folder), '--out', str(out), '--device', 'cpu',
                '--dict', train_dict_path, *extra]
        assert infer.main(argv) == 0
        return {osp.basename(r['source']): r['text'] for r in read_jsonl(out)}

    unregistered = read()
    assert len(unregistered) == 15
    assert not any(c in text for text in unregistered.values() for c in chars), unregistered
    registered = read('--chars', ''.join(chars), '--font', str(default_font_path()))
    hits = sum(registered[name] == word for name, word in expected.items())
    misses = {name: (registered[name], word) for name, word in expected.items()
              if registered[name] != word}
    assert hits >= 13, (hits, misses)
