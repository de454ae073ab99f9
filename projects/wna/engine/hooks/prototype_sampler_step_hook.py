"""Hands the training iteration to the model's prototype sampler (resumable sampling)."""
from __future__ import annotations

from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.runner import Runner
from mmocr.registry import HOOKS


@HOOKS.register_module()
class WnAPrototypeSamplerStepHook(Hook):
    """Before every training iteration, calls ``model.proto_sampler.set_step(runner.iter)``.

    The prototype sampler then draws each batch's prototypes from ``(seed, iteration)``
    alone, so a run resumed from a checkpoint samples exactly what the uninterrupted run
    would have sampled, as ``DistSamplerSeedHook`` does for data samplers with
    ``set_epoch``. Models without a ``proto_sampler`` are left alone. The wna default
    runtime registers it as ``default_hooks.proto_sampler_step``.
    """

    priority = 'NORMAL'

    def before_train_iter(self, runner: Runner, batch_idx: int, data_batch=None) -> None:
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        sampler = getattr(model, 'proto_sampler', None)
        if sampler is not None:
            sampler.set_step(runner.iter)
