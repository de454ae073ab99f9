"""MMEngine's checkpoint hook with atomic writes and a work-dir-relative pointer."""
from __future__ import annotations

import os.path as osp

from mmengine.dist import is_main_process
from mmengine.hooks import CheckpointHook
from mmocr.registry import HOOKS

from projects.wna.engine.checkpoint import ATOMIC_BACKEND, LAST_CHECKPOINT, write_atomic


@HOOKS.register_module()
class WnACheckpointHook(CheckpointHook):
    """``CheckpointHook`` (same arguments) whose files appear only when complete.

    Unless ``backend_args`` or ``file_client_args`` is given, checkpoints are written
    through the ``wna_atomic_local`` backend (a temporary file in the same folder, then
    ``os.replace``), so a killed or failing write never leaves a partial ``iter_<n>.pth``.
    ``<work_dir>/last_checkpoint`` is rewritten atomically after each save and names the
    checkpoint relative to the work dir when it lies inside it, so a copied work dir
    resumes from its own files; ``find_resume_checkpoint`` (``tools/train.py --resume``)
    resolves it. MMEngine's own auto-resume reads such a pointer relative to the current
    directory; go through :func:`projects.wna.engine.runner_setup.build_runner`.
    """

    def __init__(self, *args, backend_args: dict | None = None, **kwargs) -> None:
        if backend_args is None and kwargs.get('file_client_args') is None:
            backend_args = dict(backend=ATOMIC_BACKEND)
        super().__init__(*args, backend_args=backend_args, **kwargs)

    def _save_checkpoint_with_step(self, runner, step, meta) -> None:
        super()._save_checkpoint_with_step(runner, step, meta)
        if not is_main_process():
            return
        target = osp.relpath(osp.abspath(self.last_ckpt), osp.abspath(runner.work_dir))
        if target.startswith(osp.pardir):
            target = self.last_ckpt
        write_atomic(osp.join(runner.work_dir, LAST_CHECKPOINT), target.encode('utf-8'))
