"""Per-sample predictions of a test run, as JSON lines, one file per test set."""
from __future__ import annotations

import json
import os
import os.path as osp
from typing import IO

from mmengine.dist import get_rank, get_world_size
from mmengine.hooks import Hook
from mmocr.registry import HOOKS
from mmocr.structures import TextRecogDataSample

from projects.wna.evaluation.predictions import prediction_record, sample_test_key


def dump_record(sample: TextRecogDataSample, position: int) -> dict:
    """The JSON record of one predicted test sample: ``index`` (its ``sample_idx``
    metainfo, or ``position``, the running count of this test's samples, when absent),
    ``test`` and the :func:`~projects.wna.evaluation.predictions.prediction_record` with
    the ground truth."""
    return dict(index=int(sample.metainfo.get('sample_idx', position)),
                test=sample_test_key(sample), **prediction_record(sample, with_gt=True))


@HOOKS.register_module()
class WnAPredictionDumpHook(Hook):
    """Writes every test prediction to ``<out_dir>/<test>.jsonl``.

    One JSON object per line: ``index`` (position in the test set), ``test``, ``text``
    (prediction, ``'⑨'`` for rejected characters), ``gt``, ``scores`` (one per predicted
    character), ``expert`` and ``router_probs`` (hori, vert, rect), ``ori_shape`` (H, W).
    Unlike MMOCR's ``DumpResults`` it works with ``MultiDatasetsEvaluator``: samples are
    routed to files by their ``test_key`` metainfo. Files are rewritten by each test run.
    With several processes each rank writes ``<test>.rank<r>.jsonl``.

    Args:
        out_dir: output folder; ``<work_dir>/predictions`` by default.
    """

    priority = 'NORMAL'

    def __init__(self, out_dir: str | None = None) -> None:
        self.out_dir = out_dir
        self._files: dict[str, IO[str]] = {}
        self._counts: dict[str, int] = {}

    def _path(self, runner, test: str) -> str:
        out_dir = self.out_dir or osp.join(runner.work_dir, 'predictions')
        suffix = f'.rank{get_rank()}' if get_world_size() > 1 else ''
        return osp.join(out_dir, f'{test}{suffix}.jsonl')

    def before_test_epoch(self, runner) -> None:
        self._close()
        self._counts = {}

    def after_test_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        for sample in outputs or ():
            test = sample_test_key(sample)
            if test not in self._files:
                path = self._path(runner, test)
                os.makedirs(osp.dirname(path), exist_ok=True)
                self._files[test] = open(path, 'w', encoding='utf-8')  # noqa: SIM115
                self._counts[test] = 0
            record = dump_record(sample, self._counts[test])
            self._counts[test] += 1
            self._files[test].write(json.dumps(record, ensure_ascii=False) + '\n')

    def after_test_epoch(self, runner, metrics: dict | None = None) -> None:
        paths = {test: f.name for test, f in self._files.items()}
        self._close()
        for test, path in paths.items():
            runner.logger.info(f'{self._counts[test]} predictions of {test} written to {path}')

    def _close(self) -> None:
        for f in self._files.values():
            f.close()
        self._files = {}
