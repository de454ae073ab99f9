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
import os.path as osp
import subprocess
import sys
import tempfile

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))  # the repository root

from mmengine.config import DictAction  # noqa: E402

from projects.wna.analysis.ablation_runs import (  # noqa: E402
    PAPER_ITERS,
    ablation_config,
    checkpoint_path,
)

TEST_SCRIPT = osp.join(osp.dirname(osp.abspath(__file__)), 'test.py')


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
    from projects.wna.apis.cli import run_main

    sys.exit(run_main(main))
