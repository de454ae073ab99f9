"""Train a wna model with MMEngine's runner.

    python tools/train.py configs/wna/tiny_nedmix.py [--work-dir DIR] [--resume]
    bash tools/dist_train.sh configs/wna/tiny_nedmix.py 2       # 2 processes (torchrun)
"""
from __future__ import annotations

import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))  # the repository root

from projects.wna.engine.runner_setup import (  # noqa: E402
    add_runner_args,
    build_runner,
    config_from_args,
    enable_amp,
    enable_auto_scale_lr,
    set_resume,
)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Train a wna model')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and checkpoints')
    parser.add_argument('--resume', nargs='?', const='auto', default=None,
                        help='resume from the given checkpoint file, or from the newest '
                        'complete checkpoint of the work dir (last_checkpoint, else the '
                        'newest iter_<n>.pth; from scratch when there is none)')
    parser.add_argument('--amp', action='store_true',
                        help='mixed-precision training: AMP (float16 with loss scaling) on '
                        'GPUs, bfloat16 autocast on CPUs (docs/performance.md)')
    parser.add_argument('--auto-scale-lr', action='store_true',
                        help='scale the learning rate by the real batch size '
                        '(needs auto_scale_lr.base_batch_size in the config)')
    add_runner_args(parser)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    cfg = config_from_args(args)
    if args.amp:
        enable_amp(cfg)
    if args.resume is not None:
        set_resume(cfg, args.resume)
    if args.auto_scale_lr:
        enable_auto_scale_lr(cfg)
    build_runner(cfg).train()


if __name__ == '__main__':
    from projects.wna.apis.cli import run_main

    sys.exit(run_main(main))
