"""Train a wna model with MMEngine's runner.

    python tools/train.py configs/wna/tiny_nedmix.py [--work-dir DIR] [--resume]
    bash tools/dist_train.sh configs/wna/tiny_nedmix.py 2       # 2 processes (torchrun)
"""
from __future__ import annotations

import argparse
import logging
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))  # the repository root

from mmengine.logging import print_log  # noqa: E402

from projects.wna.engine.runner_setup import add_runner_args, config_from_args  # noqa: E402


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Train a wna model')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and checkpoints')
    parser.add_argument('--resume', nargs='?', const='auto', default=None,
                        help='resume from the latest checkpoint in the work dir, or from '
                        'the given checkpoint file')
    parser.add_argument('--amp', action='store_true',
                        help='enable automatic mixed precision training')
    parser.add_argument('--auto-scale-lr', action='store_true',
                        help='scale the learning rate by the real batch size '
                        '(needs auto_scale_lr.base_batch_size in the config)')
    add_runner_args(parser)
    return parser.parse_args(argv)


def enable_amp(cfg) -> None:
    """Swap the optim wrapper for its automatic-mixed-precision counterpart."""
    from mmocr.registry import OPTIM_WRAPPERS
    wrapper = cfg.optim_wrapper.get('type', 'OptimWrapper')
    if 'Amp' in wrapper:
        print_log('AMP training is already enabled in the config.', logger='current',
                  level=logging.WARNING)
        return
    amp_wrapper = wrapper.replace('OptimWrapper', 'AmpOptimWrapper')
    if OPTIM_WRAPPERS.get(amp_wrapper) is None:
        raise ValueError(f'--amp: the optim wrapper {wrapper} has no AMP counterpart '
                         f'({amp_wrapper} is not registered)')
    cfg.optim_wrapper.type = amp_wrapper
    cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    cfg = config_from_args(args)
    if args.amp:
        enable_amp(cfg)
    if args.resume == 'auto':
        cfg.resume = True
        cfg.load_from = None
    elif args.resume is not None:
        cfg.resume = True
        cfg.load_from = args.resume
    if args.auto_scale_lr:
        if 'base_batch_size' not in cfg.get('auto_scale_lr', {}):
            raise ValueError('--auto-scale-lr needs auto_scale_lr.base_batch_size in the '
                             'config')
        cfg.auto_scale_lr.enable = True

    from mmengine.registry import RUNNERS
    from mmengine.runner import Runner
    runner = Runner.from_cfg(cfg) if 'runner_type' not in cfg else RUNNERS.build(cfg)
    runner.train()


if __name__ == '__main__':
    main()
