"""Config handling shared by ``tools/train.py``, ``tools/test.py`` and the other tools."""
from __future__ import annotations

import os
import os.path as osp

import torch
from mmengine.config import Config


def load_config(path: str, cfg_options: dict | None = None,
                work_dir: str | None = None, launcher: str = 'none') -> Config:
    """Read a config, apply ``--cfg-options``, choose the work dir and the launcher.

    The work dir is, in priority order: ``work_dir``, the config's own ``work_dir``,
    ``./work_dirs/<config name>``. Distributed runs on a machine without CUDA use the
    ``gloo`` backend instead of ``nccl``.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'config file not found: {path}')
    cfg = Config.fromfile(path)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    cfg.launcher = launcher
    if work_dir is not None:
        cfg.work_dir = work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs', osp.splitext(osp.basename(path))[0])
    dist_cfg = cfg.setdefault('env_cfg', {}).setdefault('dist_cfg', {})
    if launcher != 'none' and not torch.cuda.is_available() \
            and dist_cfg.get('backend', 'nccl') == 'nccl':
        dist_cfg['backend'] = 'gloo'
    return cfg


def set_local_rank(local_rank: int) -> None:
    """Export ``LOCAL_RANK`` for launchers that pass ``--local-rank`` instead."""
    os.environ.setdefault('LOCAL_RANK', str(local_rank))


def setup_cpu_distributed(cfg: Config) -> None:
    """Let the ``pytorch`` launcher (torchrun) run on machines without CUDA.

    MMEngine 0.10.7's launcher calls ``torch.cuda.set_device`` and wraps the model with
    ``device_ids=[LOCAL_RANK]``; both need CUDA. On CPU this creates the gloo process
    group itself (MMEngine reuses an existing group) and asks for a DDP wrapper with
    ``device_ids=None``. Call it after :func:`load_config`, before building the runner.
    """
    if cfg.launcher != 'pytorch' or torch.cuda.is_available():
        return
    if not torch.distributed.is_initialized():
        torch.distributed.init_process_group(backend=cfg.env_cfg.dist_cfg['backend'])
    if cfg.get('model_wrapper_cfg') is None:
        cfg.model_wrapper_cfg = dict(
            type='MMDistributedDataParallel', device_ids=None, broadcast_buffers=False,
            find_unused_parameters=cfg.get('find_unused_parameters', False))
