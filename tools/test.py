"""Evaluate a wna checkpoint on the test suite of a config.

    python tools/test.py CONFIG CHECKPOINT [--work-dir DIR] [--save-preds] [--show-dir DIR]
        [--upstream-compat | --fast] [--non-strict]

Prints the metrics as a table (fractions shown ×100) and writes them as JSON to the work dir.
The checkpoint must fit the config's model exactly (``WnAStrictLoadHook``): a missing or
unexpected key or a shape mismatch stops the run (``CheckpointMismatchError``) before
anything is evaluated; ``--non-strict`` loads what fits and warns. An empty, truncated or
non-checkpoint file stops it with ``CheckpointReadError``.
"""
from __future__ import annotations

import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))  # the repository root

from projects.wna.apis import add_reading_args, reading_options  # noqa: E402
from projects.wna.engine.runner_setup import (  # noqa: E402
    add_custom_hooks,
    add_runner_args,
    build_runner,
    config_from_args,
)
from projects.wna.evaluation.report import format_metrics_table, save_metrics_json  # noqa: E402


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Test (evaluate) a wna model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir', help='the dir for logs, metrics and predictions')
    parser.add_argument('--save-preds', action='store_true',
                        help='write every prediction (text, ground truth, expert, router '
                        'probabilities) as JSON lines, one file per test set')
    parser.add_argument('--show', action='store_true', help='show predictions in a window')
    parser.add_argument('--show-dir',
                        help='write visualised predictions into this folder (relative to '
                        'the work dir\'s timestamped log folder)')
    parser.add_argument('--wait-time', type=float, default=2, help='seconds per shown image')
    parser.add_argument('--non-strict', action='store_true',
                        help='load a checkpoint that does not fit the config (missing, '
                        'unexpected or differently shaped weights) with a warning instead '
                        'of stopping')
    add_reading_args(parser)
    add_runner_args(parser)
    args = parser.parse_args(argv)
    args.cfg_options = reading_options(args)
    return args


def main(argv: list[str] | None = None) -> dict:
    args = parse_args(argv)
    if not osp.isfile(args.checkpoint):
        raise FileNotFoundError(f'checkpoint not found: {args.checkpoint}')
    cfg = config_from_args(args)
    cfg.load_from = args.checkpoint
    add_custom_hooks(cfg, dict(type='WnAStrictLoadHook', strict=not args.non_strict))
    if args.save_preds:
        add_custom_hooks(cfg, dict(type='WnAPredictionDumpHook'))
    if args.show or args.show_dir:
        add_custom_hooks(cfg, dict(type='WnAVisualizationHook', enable=True, show=args.show,
                                   wait_time=args.wait_time, test_out_dir=args.show_dir))

    from mmengine.dist import is_main_process
    metrics = build_runner(cfg).test()
    if is_main_process():
        print(format_metrics_table(metrics))
        path = save_metrics_json(metrics, cfg.work_dir, config=args.config,
                                 checkpoint=args.checkpoint,
                                 upstream_compat=args.upstream_compat)
        print(f'metrics written to {path}')
    return metrics


if __name__ == '__main__':
    from projects.wna.apis.cli import run_main

    sys.exit(run_main(main))
