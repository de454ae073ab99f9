"""End-to-end inference speed per test set."""
from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Sequence

from mmengine.hooks import Hook
from mmocr.registry import HOOKS

from projects.wna.evaluation.predictions import sample_test_key


@HOOKS.register_module()
class WnAFPSHook(Hook):
    """Adds ``<test>/fps`` and ``<test>/batch_size`` to the metrics of each evaluation.

    FPS is images per second over the whole evaluation, as the upstream reporter measures
    it: each iteration's wall time (data loading and preprocessing, the forward pass and
    decoding) runs from the end of the previous iteration to ``after_{val,test}_iter``;
    the clock starts when the first batch reaches ``before_{val,test}_iter``, after every
    hook's ``before_*_epoch`` (the test-prototype warm-up of ``WnAPrototypeWarmupHook``,
    an ``EMAHook``'s weight swap) and the loader's start-up, so none of these is timed.
    An iteration holding samples of several tests (sequential sampling across a
    ``ConcatDataset``) shares its time out in proportion to the number of samples of each
    test. Metric computation is not timed.

    The hook has priority ``'HIGHEST'`` so that its metrics reach ``RuntimeInfoHook`` and
    ``LoggerHook``. With several processes the figure is the speed of this process.
    """

    priority = 'HIGHEST'

    def __init__(self) -> None:
        self._last = 0.0
        self._seconds: dict[str, float] = defaultdict(float)
        self._images: dict[str, int] = defaultdict(int)
        self._largest_batch = 0

    def _reset(self) -> None:
        self._seconds.clear()
        self._images.clear()
        self._largest_batch = 0

    def _start_clock(self, batch_idx: int) -> None:
        if batch_idx == 0:
            self._last = time.perf_counter()

    def _record(self, outputs: Sequence | None) -> None:
        now = time.perf_counter()
        elapsed, self._last = now - self._last, now
        if not outputs:
            return
        counts: dict[str, int] = defaultdict(int)
        for sample in outputs:
            counts[sample_test_key(sample)] += 1
        for key, count in counts.items():
            self._seconds[key] += elapsed * count / len(outputs)
            self._images[key] += count
        self._largest_batch = max(self._largest_batch, len(outputs))

    def _report(self, dataloader, metrics: dict | None) -> None:
        if metrics is None:
            return
        batch_size = getattr(dataloader, 'batch_size', None) or self._largest_batch
        for key, images in self._images.items():
            metrics[f'{key}/fps'] = images / max(self._seconds[key], 1e-9)
            metrics[f'{key}/batch_size'] = batch_size

    def before_val_epoch(self, runner) -> None:
        self._reset()

    def before_test_epoch(self, runner) -> None:
        self._reset()

    def before_val_iter(self, runner, batch_idx: int, data_batch=None) -> None:
        self._start_clock(batch_idx)

    def before_test_iter(self, runner, batch_idx: int, data_batch=None) -> None:
        self._start_clock(batch_idx)

    def after_val_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        self._record(outputs)

    def after_test_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        self._record(outputs)

    def after_val_epoch(self, runner, metrics: dict | None = None) -> None:
        self._report(runner.val_dataloader, metrics)

    def after_test_epoch(self, runner, metrics: dict | None = None) -> None:
        self._report(runner.test_dataloader, metrics)
