"""Stops training at the first iteration whose loss is not finite."""
from __future__ import annotations

import math

import torch
from mmengine.hooks import Hook
from mmengine.optim import OptimWrapperDict
from mmengine.runner import Runner
from mmocr.registry import HOOKS


def _value(value) -> float | None:
    """``value`` as a float when it is a number or a one-element tensor, else ``None``."""
    if isinstance(value, torch.Tensor):
        return float(value.detach().float().mean()) if value.numel() else None
    if isinstance(value, int | float):
        return float(value)
    return None


def _is_mixed_precision(wrapper) -> bool:
    """Whether ``wrapper`` (or one of an ``OptimWrapperDict``'s) trains in AMP or under
    autocast: what ``tools/train.py --amp`` selects (``*AmpOptimWrapper``,
    ``*AutocastOptimWrapper``)."""
    wrappers = wrapper.values() if isinstance(wrapper, OptimWrapperDict) else [wrapper]
    return any('Amp' in type(w).__name__ or 'Autocast' in type(w).__name__ for w in wrappers)


@HOOKS.register_module()
class WnANonFiniteLossHook(Hook):
    """Raises ``FloatingPointError`` after a training iteration whose ``loss`` is NaN or
    infinite, instead of training on silently with weights that are already lost.

    The message names the iteration (1-based, as the log counts), the loss, every
    non-finite value of the iteration's outputs and of the message hub's latest training
    scalars (as the log names them, e.g. ``loss_vert``, ``grad_norm``) and, when the optim
    wrapper is a mixed-precision one (``tools/train.py --amp``), suggests training without
    ``--amp``. The wna default runtime registers it in ``custom_hooks``.

    Priority ``'VERY_HIGH'``: it runs after MMEngine's ``RuntimeInfoHook`` (same priority,
    registered first), which puts the iteration's outputs into the message hub, and before
    the ``LoggerHook`` (``'BELOW_NORMAL'``) and the checkpoint hook (``'VERY_LOW'``), so
    that no checkpoint of NaN weights is written, and none of the good ones rotated out,
    at the iteration that fails.
    """

    priority = 'VERY_HIGH'

    def after_train_iter(self, runner: Runner, batch_idx: int, data_batch=None,
                         outputs: dict | None = None) -> None:
        loss = _value((outputs or {}).get('loss'))
        if loss is None or math.isfinite(loss):
            return
        bad = {key: v for key, value in outputs.items()
               if (v := _value(value)) is not None and not math.isfinite(v)}
        for key, buffer in runner.message_hub.log_scalars.items():
            name = key.removeprefix('train/')
            if key.startswith('train/') and name not in bad \
                    and not math.isfinite(v := float(buffer.current())):
                bad[name] = v
        bad.pop('loss', None)
        values = ', '.join(f'{k}={v}' for k, v in sorted(bad.items())) or 'none'
        hint = ''
        if _is_mixed_precision(runner.optim_wrapper):
            hint = (f'; the optim wrapper {type(runner.optim_wrapper).__name__} trains in '
                    f'mixed precision: try again without --amp (docs/performance.md)')
        raise FloatingPointError(
            f'non-finite training loss at iteration {runner.iter + 1} of {runner.max_iters}: '
            f'loss={loss}; other non-finite values: {values}{hint}. Training stopped '
            f'before this iteration was logged or checkpointed.')
