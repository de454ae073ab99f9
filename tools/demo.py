"""The main job: WnA end to end on the embedded demo data, on CPU, in minutes.

    python tools/demo.py [--out demo_output] [--iters N] [--seed S] [--seeds K] [--amp auto|on|off]

1. generates the demo data (``projects.wna.datasets.synthesis``, as
   ``tools/make_demo_data.py`` does) unless it is already there;
2. trains the CPU demo twin of WnA-S
   (``configs/wna/demo/wna-s_resnet45-narrow_1.8k_wna-demo.py``);
3. evaluates the final checkpoint in the four open-set modes (GZSL, OSR, GOSR, OSTR) and
   on the held-out typeface (DEMO-OTHERFACE);
4. writes into ``--out``: ``checkpoint.pth``, ``metrics.json``, ``predictions/``,
   ``training_curve.png``, ``predictions.png`` (test images with prediction, ground
   truth, chosen expert and router probabilities), ``attention.png`` (the chosen
   expert's attention map of each read character over two test crops of each shape,
   read with the GZSL dictionary) and ``analysis/`` (the prediction
   analysis of ``tools/analyze_predictions.py`` over ``predictions/`` with the training
   dictionary: ``analysis.md``, ``analysis.json`` and figures; docs/analysis.md).

``--seeds K`` trains K seeds (``--seed``, ``--seed`` + 1, ...; same data) into
``--out/seed_<s>/`` (each laid out as above), writes ``seeds.json`` (every seed's metrics
and minutes, median and range of each metric), prints the median / range table and
copies the checkpoint of the median seed (by DEMO-GZSL line accuracy) to
``--out/checkpoint.pth``.
"""
from __future__ import annotations

import argparse
import json
import os
import os.path as osp
import shutil
import sys
import time

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, ROOT)  # the repository root

DEFAULT_CONFIG = osp.join(ROOT, 'configs/wna/demo/wna-s_resnet45-narrow_1.8k_wna-demo.py')


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Train and evaluate WnA on the demo data')
    parser.add_argument('--out', default='demo_output', help='output folder')
    parser.add_argument('--data', default=None,
                        help='demo data root (default: $WNA_DEMO_DATA, else data/wna_demo '
                        'of the checkout)')
    parser.add_argument('--config', default=DEFAULT_CONFIG, help='demo config')
    parser.add_argument('--iters', type=int, default=None,
                        help='training iterations (default: the config\'s)')
    parser.add_argument('--seed', type=int, default=0,
                        help='random seed (of the data and of the first training run)')
    parser.add_argument('--seeds', type=int, default=1,
                        help='number of training seeds; more than 1 reports median and range')
    parser.add_argument('--amp', choices=('auto', 'on', 'off'), default='auto',
                        help='mixed-precision training (tools/train.py --amp): bfloat16 '
                        'autocast on a CPU, AMP on a GPU; "auto" (default) uses it where the '
                        'device computes in reduced precision natively (a CUDA GPU, a CPU '
                        'with AVX512-BF16 or AMX) and trains in float32 elsewhere')
    parser.add_argument('--figure-samples', type=int, default=24,
                        help='test images drawn in predictions.png')
    args = parser.parse_args(argv)
    if args.seeds < 1:
        parser.error('--seeds must be at least 1')
    return args


def ensure_demo_data(data_root: str, seed: int) -> None:
    """Generate the demo data unless a complete copy is already there (an incomplete one,
    e.g. from an older version without the held-out typeface set, is written anew)."""
    from projects.wna.datasets.synthesis import (
        OUTPUT_FOLDERS,
        describe_demo_data,
        write_demo_data,
    )
    folders = [osp.join(data_root, name) for name in OUTPUT_FOLDERS]
    if osp.isfile(osp.join(data_root, 'meta.json')) and all(map(osp.isdir, folders)):
        print(f'[demo] using the demo data in {data_root}')
        return
    print(f'[demo] generating the demo data in {data_root}')
    print(describe_demo_data(write_demo_data(data_root, seed, overwrite=True)))


def use_amp(choice: str) -> bool:
    """Whether ``--amp choice`` trains in mixed precision on this machine."""
    if choice != 'auto':
        return choice == 'on'
    import torch

    from projects.wna.models.fast import cpu_has_native_bf16
    return torch.cuda.is_available() or cpu_has_native_bf16()


def train(cfg_path: str, work_dir: str, iters: int | None, seed: int, amp: bool) -> str:
    """Train the demo config (in mixed precision with ``amp``); return the final
    checkpoint's path."""
    from projects.wna.engine.runner_setup import (
        add_custom_hooks,
        build_runner,
        enable_amp,
        load_config,
    )
    options = {'randomness.seed': seed}
    if iters is not None:
        options['train_cfg.max_iters'] = iters
    cfg = load_config(cfg_path, options, work_dir)
    if amp:
        enable_amp(cfg)
    # at least ~50 logged points for the training curve, however short the run
    logger = cfg.default_hooks.logger
    logger.interval = max(1, min(logger.interval, cfg.train_cfg.max_iters // 50))
    add_custom_hooks(cfg, dict(type='WnATrainProgressBarHook'))
    runner = build_runner(cfg)
    runner.train()
    return osp.join(work_dir, f'iter_{runner.iter}.pth')


def evaluate(cfg_path: str, work_dir: str, checkpoint: str) -> dict:
    """Run the demo test suite on ``checkpoint`` and dump every prediction."""
    from projects.wna.engine.runner_setup import add_custom_hooks, build_runner, load_config
    cfg = load_config(cfg_path, None, work_dir)
    cfg.load_from = checkpoint
    add_custom_hooks(cfg, dict(type='WnAPredictionDumpHook',
                               out_dir=osp.join(work_dir, 'predictions')))
    return build_runner(cfg).test()


def draw_attention_figure(cfg_path: str, checkpoint: str, data_root: str,
                          out_file: str) -> None:
    """Write the attention maps of ``checkpoint`` over two crops of each shape (wide,
    tall, square) of the demo test set, read with the config's default dictionary."""
    from PIL import Image

    from projects.wna.apis import draw_attention_examples, load_recognizer, pick_examples
    model = load_recognizer(cfg_path, checkpoint)
    examples = pick_examples(osp.join(data_root, 'test_jpn_hv'))
    Image.fromarray(draw_attention_examples(model, examples)).save(out_file)


def run_seed(args: argparse.Namespace, data_root: str, out: str, seed: int) -> dict:
    """Train and evaluate one seed into ``out``; its metrics."""
    work_dir = osp.join(out, 'work_dir')
    os.makedirs(work_dir, exist_ok=True)
    amp = use_amp(args.amp)
    print(f'[demo] training the demo twin of WnA-S (seed {seed}, '
          f'{"mixed precision" if amp else "float32"})')
    checkpoint = train(args.config, work_dir, args.iters, seed, amp)
    shutil.copyfile(checkpoint, osp.join(out, 'checkpoint.pth'))
    print('[demo] evaluating GZSL, OSR, GOSR, OSTR and the held-out typeface')
    metrics = {k: float(v) for k, v in evaluate(args.config, work_dir, checkpoint).items()}

    from projects.wna.analysis.demo_figures import draw_predictions, plot_training_curve
    with open(osp.join(out, 'metrics.json'), 'w', encoding='utf-8') as f:
        json.dump(metrics, f, indent=2)
    plot_training_curve(work_dir, osp.join(out, 'training_curve.png'))
    shutil.copytree(osp.join(work_dir, 'predictions'), osp.join(out, 'predictions'),
                    dirs_exist_ok=True)
    draw_predictions(osp.join(out, 'predictions'), osp.join(data_root, 'test_jpn_hv'),
                     osp.join(out, 'predictions.png'), args.figure_samples)
    draw_attention_figure(args.config, checkpoint, data_root, osp.join(out, 'attention.png'))

    from projects.wna.analysis.prediction_analysis import (
        analyse_files,
        summary_line,
        write_analysis,
    )
    train_dict = osp.join(data_root, 'dicts', 'train.npz')
    analyses = analyse_files([osp.join(out, 'predictions')], train_dict)
    write_analysis(analyses, osp.join(out, 'analysis'), train_dict)
    print(f'[demo] prediction analysis ({summary_line(analyses)}) in '
          f'{osp.join(out, "analysis", "analysis.md")}')
    return metrics


def report_seeds(out: str, runs: dict[int, dict], minutes: dict[int, float]) -> dict:
    """Write ``seeds.json``, print the median / range table and copy the median seed's
    checkpoint to ``out``; the summary."""
    from projects.wna.analysis.seed_summary import (
        DEMO_HEADLINE,
        format_seed_table,
        median_seed,
        summarize_seeds,
    )
    headline = [k for k in DEMO_HEADLINE if all(k in m for m in runs.values())]
    summary = summarize_seeds(runs, headline)
    middle = median_seed(runs, 'DEMO-GZSL/acr')
    shutil.copyfile(osp.join(out, f'seed_{middle}', 'checkpoint.pth'),
                    osp.join(out, 'checkpoint.pth'))
    with open(osp.join(out, 'seeds.json'), 'w', encoding='utf-8') as f:
        json.dump(dict(seeds=list(runs), median_seed=middle, minutes=minutes,
                       summary=summarize_seeds(runs), runs=runs), f, indent=2)
    print(format_seed_table(summary))
    print(f'[demo] {len(runs)} seeds; checkpoint.pth is seed {middle}\'s (median DEMO-GZSL '
          'line accuracy)')
    return summary


def main(argv: list[str] | None = None) -> dict:
    args = parse_args(argv)
    data_root = osp.abspath(args.data or os.environ.get('WNA_DEMO_DATA')
                            or osp.join(ROOT, 'data', 'wna_demo'))
    os.environ['WNA_DEMO_DATA'] = data_root  # read by the demo configs
    out = osp.abspath(args.out)
    start = time.time()
    ensure_demo_data(data_root, args.seed)

    from projects.wna.evaluation.report import format_metrics_table
    if args.seeds == 1:
        metrics = run_seed(args, data_root, out, args.seed)
        print(format_metrics_table(metrics))
        print(f'[demo] done in {(time.time() - start) / 60:.1f} min; results in {out}: '
              'checkpoint.pth, metrics.json, training_curve.png, predictions.png, '
              'attention.png, predictions/, analysis/')
        return metrics
    runs, minutes = {}, {}
    for seed in range(args.seed, args.seed + args.seeds):
        begin = time.time()
        runs[seed] = run_seed(args, data_root, osp.join(out, f'seed_{seed}'), seed)
        minutes[seed] = round((time.time() - begin) / 60, 2)
        print(format_metrics_table(runs[seed]))
        print(f'[demo] seed {seed} done in {minutes[seed]:.1f} min')
    summary = report_seeds(out, runs, minutes)
    print(f'[demo] done in {(time.time() - start) / 60:.1f} min; results in {out}: '
          'seeds.json, checkpoint.pth, seed_<s>/')
    return summary


if __name__ == '__main__':
    from projects.wna.apis.cli import run_main

    sys.exit(run_main(main))
