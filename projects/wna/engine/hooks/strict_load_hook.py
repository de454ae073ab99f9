"""Stops a run whose checkpoint does not fit the model, before any number is produced."""
from __future__ import annotations

import logging

from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmocr.registry import HOOKS

from projects.wna.engine.checkpoint import (
    CheckpointMismatchError,
    check_checkpoint_fits,
)


@HOOKS.register_module()
class WnAStrictLoadHook(Hook):
    """Checks every checkpoint the runner loads (``load_from``, resume) against the
    built model in ``after_load_checkpoint``, i.e. before MMEngine's non-strict load,
    which only warns. A missing or unexpected key or a shape mismatch raises
    :class:`~projects.wna.engine.checkpoint.CheckpointMismatchError` with a one-line
    summary naming the checkpoint, the config and the first keys; with ``strict=False``
    the summary is logged as a warning and the load goes on. ``tools/test.py`` adds it
    (``--non-strict`` sets ``strict=False``).

    Args:
        strict: raise on a mismatch (else warn).
    """

    # after hooks that rewrite the loaded checkpoint (e.g. EMAHook, 'NORMAL')
    priority = 'LOWEST'

    def __init__(self, strict: bool = True) -> None:
        self.strict = strict

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        name = runner.cfg.get('load_from') or 'the loaded checkpoint'
        try:
            check_checkpoint_fits(model, checkpoint, name, getattr(runner.cfg, 'filename', None))
        except CheckpointMismatchError as err:
            if self.strict:
                raise
            runner.logger.log(logging.WARNING, f'{err}; loading non-strictly')
