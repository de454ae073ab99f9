"""The main job: WnA end to end on the embedded demo data, on CPU, in minutes.

    python tools/demo.py [--out demo_output] [--iters N]

1. generates the demo data (``projects.wna.datasets.synthesis``, as
   ``tools/make_demo_data.py`` does) unless it is already there;
2. trains the CPU demo twin of WnA-S (``configs/wna/demo/tiny_nedmix_demo.py``);
3. evaluates the final checkpoint in the four open-set modes (GZSL, OSR, GOSR, OSTR);
4. writes into ``--out``: ``checkpoint.pth``, ``metrics.json``, ``predictions/``,
   ``training_curve.png`` and ``predictions.png`` (test images with prediction, ground
   truth, chosen expert and router probabilities).
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

DEFAULT_CONFIG = osp.join(ROOT, 'configs/wna/demo/tiny_nedmix_demo.py')


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Train and evaluate WnA on the demo data')
    parser.add_argument('--out', default='demo_output', help='output folder')
    parser.add_argument('--data', default=None,
                        help='demo data root (default: $WNA_DEMO_DATA or data/wna_demo)')
    parser.add_argument('--config', default=DEFAULT_CONFIG, help='demo config')
    parser.add_argument('--iters', type=int, default=None,
                        help='training iterations (default: the config\'s)')
    parser.add_argument('--seed', type=int, default=0, help='random seed')
    parser.add_argument('--figure-samples', type=int, default=24,
                        help='test images drawn in predictions.png')
    return parser.parse_args(argv)


def ensure_demo_data(data_root: str, seed: int) -> None:
    """Generate the demo data unless a complete copy is already there."""
    if osp.isfile(osp.join(data_root, 'meta.json')):
        print(f'[demo] using the demo data in {data_root}')
        return
    print(f'[demo] generating the demo data in {data_root}')
    from projects.wna.datasets.synthesis import describe_demo_data, write_demo_data
    print(describe_demo_data(write_demo_data(data_root, seed)))


def train(cfg_path: str, work_dir: str, iters: int | None, seed: int) -> str:
    """Train the demo config; return the final checkpoint's path."""
    from mmengine.runner import Runner

    from projects.wna.engine.runner_setup import add_custom_hooks, load_config
    options = {'randomness.seed': seed}
    if iters is not None:
        options['train_cfg.max_iters'] = iters
    cfg = load_config(cfg_path, options, work_dir)
    # at least ~50 logged points for the training curve, however short the run
    logger = cfg.default_hooks.logger
    logger.interval = max(1, min(logger.interval, cfg.train_cfg.max_iters // 50))
    add_custom_hooks(cfg, dict(type='WnATrainProgressBarHook'))
    runner = Runner.from_cfg(cfg)
    runner.train()
    return osp.join(work_dir, f'iter_{runner.iter}.pth')


def evaluate(cfg_path: str, work_dir: str, checkpoint: str) -> dict:
    """Run the demo test suite on ``checkpoint`` and dump every prediction."""
    from mmengine.runner import Runner

    from projects.wna.engine.runner_setup import add_custom_hooks, load_config
    cfg = load_config(cfg_path, None, work_dir)
    cfg.load_from = checkpoint
    add_custom_hooks(cfg, dict(type='WnAPredictionDumpHook',
                               out_dir=osp.join(work_dir, 'predictions')))
    return Runner.from_cfg(cfg).test()


def main(argv: list[str] | None = None) -> dict:
    args = parse_args(argv)
    data_root = args.data or os.environ.get('WNA_DEMO_DATA', 'data/wna_demo')
    os.environ['WNA_DEMO_DATA'] = data_root  # read by the demo configs
    out = osp.abspath(args.out)
    work_dir = osp.join(out, 'work_dir')
    os.makedirs(work_dir, exist_ok=True)
    start = time.time()
    ensure_demo_data(data_root, args.seed)
    print('[demo] training the demo twin of WnA-S')
    checkpoint = train(args.config, work_dir, args.iters, args.seed)
    shutil.copyfile(checkpoint, osp.join(out, 'checkpoint.pth'))
    print('[demo] evaluating GZSL, OSR, GOSR and OSTR')
    metrics = evaluate(args.config, work_dir, checkpoint)

    from projects.wna.analysis.demo_figures import draw_predictions, plot_training_curve
    from projects.wna.evaluation.report import format_metrics_table
    with open(osp.join(out, 'metrics.json'), 'w', encoding='utf-8') as f:
        json.dump({k: float(v) for k, v in metrics.items()}, f, indent=2)
    plot_training_curve(work_dir, osp.join(out, 'training_curve.png'))
    shutil.copytree(osp.join(work_dir, 'predictions'), osp.join(out, 'predictions'),
                    dirs_exist_ok=True)
    draw_predictions(osp.join(out, 'predictions'), osp.join(data_root, 'test_jpn_hv'),
                     osp.join(out, 'predictions.png'), args.figure_samples)
    print(format_metrics_table(metrics))
    print(f'[demo] done in {(time.time() - start) / 60:.1f} min; results in {out}: '
          'checkpoint.pth, metrics.json, training_curve.png, predictions.png, predictions/')
    return metrics


if __name__ == '__main__':
    from projects.wna.apis.cli import run_main

    sys.exit(run_main(main))
