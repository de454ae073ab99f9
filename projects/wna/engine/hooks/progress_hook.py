"""A terminal progress bar for iteration-based training (loss and ETA on one line)."""
from __future__ import annotations

from mmengine.dist import is_main_process
from mmengine.hooks import Hook
from mmengine.runner import Runner
from mmocr.registry import HOOKS
from tqdm import tqdm


@HOOKS.register_module()
class WnATrainProgressBarHook(Hook):
    """Show a tqdm bar over training iterations with the running loss and the ETA.

    Args:
        smoothing: exponential smoothing of the displayed loss (0 = latest value only).
    """
    priority = 'BELOW_NORMAL'

    def __init__(self, smoothing: float = 0.9) -> None:
        self.smoothing = smoothing
        self._bar: tqdm | None = None
        self._loss: float | None = None

    def before_train(self, runner: Runner) -> None:
        if is_main_process():
            self._bar = tqdm(total=runner.max_iters, initial=runner.iter, desc='train',
                             unit='it', dynamic_ncols=True)

    def after_train_iter(self, runner: Runner, batch_idx: int, data_batch=None,
                         outputs: dict | None = None) -> None:
        if self._bar is None:
            return
        if outputs and 'loss' in outputs:
            loss = float(outputs['loss'])
            self._loss = loss if self._loss is None else \
                self.smoothing * self._loss + (1 - self.smoothing) * loss
            self._bar.set_postfix(loss=f'{self._loss:.3f}', refresh=False)
        self._bar.update(1)

    def after_train(self, runner: Runner) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
