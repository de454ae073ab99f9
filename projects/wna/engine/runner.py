"""``WnARunner``: MMEngine's runner reading its checkpoints with wna's trusted loader.

Every wna config names it (``runner_type = 'WnARunner'`` in ``_base_/default_runtime.py``),
so wna's tools (:func:`~projects.wna.engine.runner_setup.build_runner`) and MMOCR's
``tools/train.py`` / ``tools/test.py`` (``RUNNERS.build(cfg)`` for configs with a
``runner_type``) build it. Its ``load_from`` and ``--resume`` loads read local files with
:func:`~projects.wna.engine.checkpoint.read_checkpoint` (``weights_only=False``: MMEngine
checkpoints hold the message hub and numpy values), instead of registering a loader for
the whole process. A plain ``Runner`` (``Runner.from_cfg``) keeps MMEngine's own loader,
which under torch >= 2.6 reads weights-only files only.
"""
from __future__ import annotations

from collections.abc import Sequence

from mmengine.model import is_model_wrapper
from mmengine.runner import Runner
from mmengine.runner.checkpoint import _load_checkpoint_to_model
from mmocr.registry import RUNNERS

from projects.wna.engine.checkpoint import (
    MODULE_PREFIX,
    MapLocation,
    read_checkpoint,
    require_model_weights,
)


@RUNNERS.register_module()
class WnARunner(Runner):
    """MMEngine's :class:`~mmengine.runner.Runner` whose checkpoint loads go through
    :func:`~projects.wna.engine.checkpoint.read_checkpoint`; everything else is MMEngine's.
    """

    def load_checkpoint(self, filename: str, map_location: MapLocation = 'cpu',
                        strict: bool = False,
                        revise_keys: Sequence[tuple[str, str]] = MODULE_PREFIX) -> dict:
        """Load ``filename`` into the model as ``Runner.load_checkpoint`` does (the
        ``after_load_checkpoint`` hooks see the checkpoint first), reading it with
        :func:`~projects.wna.engine.checkpoint.read_checkpoint`; a file without weights
        raises :class:`~projects.wna.engine.checkpoint.CheckpointMismatchError`.
        ``resume`` loads through this method too. Returns the checkpoint."""
        checkpoint = read_checkpoint(filename, map_location=map_location)
        # Hooks such as MMEngine's EMAHook index checkpoint['state_dict']: a file without
        # weights stops here with one line, and bare weights are given that key.
        require_model_weights(checkpoint, filename)
        if 'state_dict' not in checkpoint:
            checkpoint = {'state_dict': checkpoint}
        self.call_hook('after_load_checkpoint', checkpoint=checkpoint)
        model = self.model.module if is_model_wrapper(self.model) else self.model
        checkpoint = _load_checkpoint_to_model(model, checkpoint, strict,
                                               revise_keys=list(revise_keys))
        self._has_loaded = True
        self.logger.info(f'Load checkpoint from {filename}')
        return checkpoint
