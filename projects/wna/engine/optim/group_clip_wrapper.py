"""Optimiser wrappers that clip the gradient norm of each parameter group separately."""
from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager

import torch
from mmengine.optim import AmpOptimWrapper, OptimWrapper
from mmocr.registry import OPTIM_WRAPPERS
from torch import nn


class PerGroupClipMixin:
    """``_clip_grad`` applied to every parameter group on its own.

    WnA clips ``clip_grad_norm_(params_of_module, max_norm=20)`` per upstream module, not
    over all parameters; pair the wrappers with
    :class:`~projects.wna.engine.optim.WnAModuleGroupsOptimWrapperConstructor`, which puts
    each module into its own group. The largest pre-clipping group norm is logged as
    ``train/grad_norm`` (NaN when any group's is).
    """

    def _clip_grad(self) -> None:
        norms = []
        for group in self.optimizer.param_groups:
            params = [p for p in group['params'] if p.requires_grad and p.grad is not None]
            if params:
                norm = self.clip_func(params, **self.clip_grad_kwargs)
                if norm is not None:
                    norms.append(float(norm))
        if norms:  # a NaN norm is logged as NaN (max() would skip it unless first)
            worst = math.nan if any(map(math.isnan, norms)) else max(norms)
            self.message_hub.update_scalar(f'train/{self.grad_name}', worst)


@OPTIM_WRAPPERS.register_module()
class WnAGroupClipOptimWrapper(PerGroupClipMixin, OptimWrapper):
    """``OptimWrapper`` with per-group clipping. Config:
    ``dict(type='WnAGroupClipOptimWrapper', optimizer=..., clip_grad=dict(max_norm=20,
    norm_type=2))``."""


@OPTIM_WRAPPERS.register_module()
class WnAGroupClipAmpOptimWrapper(PerGroupClipMixin, AmpOptimWrapper):
    """``AmpOptimWrapper`` with per-group clipping (gradients are unscaled before
    clipping); what ``tools/train.py --amp`` selects for ``WnAGroupClipOptimWrapper``."""


@OPTIM_WRAPPERS.register_module()
class WnAGroupClipAutocastOptimWrapper(PerGroupClipMixin, OptimWrapper):
    """Per-group clipping with the forward pass under ``torch.autocast`` to bfloat16 on
    the model's device, CPU included (MMEngine's ``AmpOptimWrapper`` needs a GPU).
    bfloat16 has float32's range, so no loss scaling is needed; what
    ``tools/train.py --amp`` selects for ``WnAGroupClipOptimWrapper`` without CUDA.

    Args:
        dtype: the autocast dtype (``'bfloat16'``; ``'float16'`` on GPUs only, where
            ``WnAGroupClipAmpOptimWrapper`` adds the loss scaling it needs).
        **kwargs: as ``OptimWrapper``.
    """

    def __init__(self, dtype: str = 'bfloat16', **kwargs) -> None:
        super().__init__(**kwargs)
        if dtype not in ('bfloat16', 'float16'):
            raise ValueError(f'dtype must be "bfloat16" or "float16", got {dtype!r}')
        self.cast_dtype = getattr(torch, dtype)

    @contextmanager
    def optim_context(self, model: nn.Module) -> Iterator[None]:
        device = next(model.parameters()).device
        with super().optim_context(model), torch.autocast(device.type, self.cast_dtype):
            yield
