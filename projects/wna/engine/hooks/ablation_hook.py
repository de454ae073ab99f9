"""Appends each test evaluation to ``<work_dir>/ablation.jsonl`` for the ablation table."""
from __future__ import annotations

import fcntl
import json
import os
import os.path as osp
import re
import time

from mmengine.dist import master_only
from mmengine.hooks import Hook
from mmocr.registry import HOOKS

from ..report import group_metrics_by_test

ABLATION_FILE = 'ablation.jsonl'


def config_variant(cfg) -> str:
    """The ablation variant of a config: its ``variant`` key, else its file name stem."""
    variant = cfg.get('variant')
    if variant:
        return str(variant)
    filename = getattr(cfg, 'filename', None)
    if not filename:
        raise ValueError('cannot name the ablation variant: the config has no `variant` key '
                         'and no file name')
    return osp.splitext(osp.basename(filename))[0]


def checkpoint_iteration(checkpoint: str | None) -> int | None:
    """The iteration in an MMEngine checkpoint name (``iter_220000.pth`` -> 220000)."""
    match = re.search(r'iter_(\d+)\.pth$', checkpoint or '')
    return int(match.group(1)) if match else None


def append_lines(path: str, lines: list[str]) -> None:
    """Append ``lines`` to ``path`` under an exclusive lock, in one write."""
    data = ''.join(line + '\n' for line in lines).encode('utf-8')
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.write(fd, data)
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


@HOOKS.register_module()
class WnAAblationHook(Hook):
    """After each test evaluation, appends one JSON line per test to
    ``<work_dir>/ablation.jsonl`` (or ``out_file``)::

        {"variant": "wna_s", "run": "<work dir name>", "checkpoint": "iter_400000.pth",
         "iter": 400000, "test": "JPNHV-GZSL", "metrics": {"acr": 0.4515, ...},
         "time": "2025-06-11 10:00:00"}

    ``variant`` is the config's ``variant`` key (the config file stem when absent),
    ``run`` the work dir's name and ``checkpoint`` the file name of ``load_from``. Metric
    values are fractions as the metrics report them. Runs only on the main process and
    appends under a file lock, so concurrent evaluations can share the file.
    ``tools/ablation_table.py`` pools these lines.

    Args:
        variant: overrides the variant name taken from the config.
        out_file: overrides the output path.
    """

    priority = 'LOW'

    def __init__(self, variant: str | None = None, out_file: str | None = None) -> None:
        self.variant = variant
        self.out_file = out_file

    @master_only
    def after_test_epoch(self, runner, metrics: dict | None = None) -> None:
        if not metrics:
            runner.logger.warning('WnAAblationHook: the evaluation returned no metrics')
            return
        groups, skipped = group_metrics_by_test(metrics)
        if skipped:
            runner.logger.warning(f'WnAAblationHook: non-numeric metrics not logged: {skipped}')
        checkpoint = runner.cfg.get('load_from')
        common = dict(variant=self.variant or config_variant(runner.cfg),
                      run=osp.basename(osp.normpath(runner.work_dir)),
                      checkpoint=osp.basename(checkpoint) if checkpoint else None,
                      iter=checkpoint_iteration(checkpoint))
        stamp = time.strftime('%Y-%m-%d %H:%M:%S')
        lines = [json.dumps(dict(common, test=test, metrics=values, time=stamp),
                            ensure_ascii=False) for test, values in groups.items()]
        path = self.out_file or osp.join(runner.work_dir, ABLATION_FILE)
        os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
        append_lines(path, lines)
        runner.logger.info(f'{len(lines)} ablation record(s) appended to {path}')
