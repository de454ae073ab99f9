"""Appends each test evaluation to ``<work_dir>/ablation.jsonl`` for the ablation table."""
from __future__ import annotations

import os
import os.path as osp
import time

from mmengine.dist import master_only
from mmengine.hooks import Hook
from mmocr.registry import HOOKS

from projects.wna.evaluation.ablation_log import (
    ABLATION_FILE,
    append_lines,
    config_variant,
    record_lines,
)
from projects.wna.evaluation.report import group_metrics_by_test


@HOOKS.register_module()
class WnAAblationHook(Hook):
    """After each test evaluation, appends one JSON line per test to
    ``<work_dir>/ablation.jsonl`` (or ``out_file``), in the format of
    :mod:`projects.wna.evaluation.ablation_log` (variant, run, checkpoint of ``load_from``,
    iteration, test, metrics, time). Runs only on the main process and appends under a
    file lock, so concurrent evaluations can share the file. ``tools/ablation_table.py``
    pools these lines.

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
        lines = record_lines(self.variant or config_variant(runner.cfg),
                             osp.basename(osp.normpath(runner.work_dir)),
                             runner.cfg.get('load_from'), groups,
                             time.strftime('%Y-%m-%d %H:%M:%S'))
        path = self.out_file or osp.join(runner.work_dir, ABLATION_FILE)
        os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
        append_lines(path, lines)
        runner.logger.info(f'{len(lines)} ablation record(s) appended to {path}')
