"""Evaluate the ablation checkpoints of one or more training runs.

    python tools/ablation.py CONFIG RUN_DIR [RUN_DIR ...] [--iters 220000 400000]
        [--cfg-options KEY=VALUE ...] [--dry-run]

For every run directory (the work dir of one training run of CONFIG) and every selected
iteration (default: the paper's ten, 220000 ... 400000 every 20000), runs
``tools/test.py CONFIG_WITH_HOOK <run>/iter_<n>.pth --work-dir <run>`` in a fresh process.
``CONFIG_WITH_HOOK`` is CONFIG with ``variant`` set (the config's own ``variant``, else
its file name) and ``WnAAblationHook`` added to ``custom_hooks`` unless present, dumped
to a temporary ``ablation_<variant>.py`` (the Runner copies it into the run dir under
that name, leaving the training config's copy alone). Each evaluation appends one line
per test to ``<run>/ablation.jsonl``; ``tools/ablation_table.py RUN_DIR ...`` pools them.

Missing checkpoints are skipped with a message; the exit status is non-zero when an
evaluation failed or nothing was evaluated.
"""
from __future__ import annotations

import argparse
import os
import os.path as osp
import subprocess
import sys
import tempfile

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))  # the repository root

from mmengine.config import Config, DictAction  # noqa: E402

from projects.wna.engine.hooks.ablation_hook import config_variant  # noqa: E402

#: The paper's checkpoints: the last ten of 400k iterations, saved every 20k.
PAPER_ITERS = tuple(range(220000, 400001, 20000))
TEST_SCRIPT = osp.join(osp.dirname(osp.abspath(__file__)), 'test.py')


def checkpoint_path(run_dir: str, iteration: int) -> str:
    """MMEngine's checkpoint name for ``iteration`` in ``run_dir``."""
    return osp.join(run_dir, f'iter_{iteration}.pth')


def ablation_config(config: str, out_dir: str, cfg_options: dict | None) -> str:
    """Dump ``config`` with ``variant`` and ``WnAAblationHook`` set into ``out_dir``."""
    cfg = Config.fromfile(config)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    cfg.variant = config_variant(cfg)
    hooks = list(cfg.get('custom_hooks', []))
    if not any(h.get('type') == 'WnAAblationHook' for h in hooks):
        hooks.append(dict(type='WnAAblationHook'))
    cfg.custom_hooks = hooks
    os.makedirs(out_dir, exist_ok=True)
    path = osp.join(out_dir, f'ablation_{cfg.variant}.py')
    cfg.dump(path)
    return path


def test_command(config: str, checkpoint: str, run_dir: str) -> list[str]:
    """The ``tools/test.py`` command line evaluating one checkpoint."""
    return [sys.executable, TEST_SCRIPT, config, checkpoint, '--work-dir', run_dir]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Evaluate ablation checkpoints of runs')
    parser.add_argument('config', help='the ablation config the runs were trained with')
    parser.add_argument('run_dirs', nargs='+', help='work dirs holding iter_<n>.pth files')
    parser.add_argument('--iters', type=int, nargs='+', default=list(PAPER_ITERS),
                        help='iterations to evaluate (default: 220000 ... 400000 by 20000)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='config overrides applied before dumping the test config')
    parser.add_argument('--dry-run', action='store_true',
                        help='print the commands without running them')
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not osp.isfile(args.config):
        raise FileNotFoundError(f'config file not found: {args.config}')
    done, missing, failed = 0, [], []
    for run_dir in args.run_dirs:
        if not osp.isdir(run_dir):
            print(f'skip run {run_dir}: not a directory')
            missing.append(run_dir)
            continue
        checkpoints = [checkpoint_path(run_dir, i) for i in args.iters]
        present = [c for c in checkpoints if osp.isfile(c)]
        for c in checkpoints:
            if c not in present:
                print(f'skip {c}: checkpoint not found')
                missing.append(c)
        if not present:
            continue
        with tempfile.TemporaryDirectory() as tmp:
            config = ablation_config(args.config, tmp, args.cfg_options)
            for checkpoint in present:
                command = test_command(config, checkpoint, run_dir)
                print(' '.join(command), flush=True)
                if args.dry_run:
                    continue
                if subprocess.run(command).returncode:
                    failed.append(checkpoint)
                else:
                    done += 1
    print(f'evaluated {done} checkpoint(s); {len(missing)} missing; {len(failed)} failed'
          + (f': {failed}' if failed else ''))
    return 1 if failed or not (done or args.dry_run) else 0


if __name__ == '__main__':
    sys.exit(main())
