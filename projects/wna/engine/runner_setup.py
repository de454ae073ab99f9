"""Runner set-up shared by ``tools/train.py``, ``tools/test.py`` and the other tools: the
config (work dir, launcher, ``--cfg-options``), CPU-only distributed runs, AMP, resuming
(which checkpoint), extra hooks and building the runner."""
from __future__ import annotations

import argparse
import copy
import logging
import os
import os.path as osp

import torch
from mmengine.config import Config, DictAction
from mmengine.logging import print_log
from mmengine.runner import Runner
from mmocr.registry import RUNNERS

from projects.wna.engine.checkpoint import find_resume_checkpoint
from projects.wna.engine.runner import WnARunner


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


def add_runner_args(parser: argparse.ArgumentParser) -> None:
    """The arguments every runner tool shares: ``--cfg-options``, ``--launcher`` and
    ``--local-rank`` (``--work-dir`` and ``config`` are the tool's own)."""
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings, key=value (e.g. '
                        'train_cfg.max_iters=1000 randomness.seed=1)')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'],
                        default='none', help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


def config_from_args(args: argparse.Namespace) -> Config:
    """The config of a runner tool's arguments (see :func:`add_runner_args`), with the
    local rank exported and, for CPU-only distributed runs, the gloo group created."""
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    cfg = load_config(args.config, args.cfg_options, args.work_dir, args.launcher)
    setup_cpu_distributed(cfg)
    return cfg


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


def enable_amp(cfg: Config, device_type: str | None = None) -> None:
    """Swap the optim wrapper for its mixed-precision counterpart on ``device_type``
    (``'cuda'`` when CUDA is available, else ``'cpu'``, by default). With CUDA: the
    registered wrapper whose name has ``AmpOptimWrapper`` for ``OptimWrapper`` (e.g.
    ``WnAGroupClipOptimWrapper`` -> ``WnAGroupClipAmpOptimWrapper``), with a dynamic loss
    scale unless the config sets one. Without CUDA (MMEngine's AMP wrapper needs a GPU):
    the one with ``AutocastOptimWrapper`` (``WnAGroupClipAutocastOptimWrapper``: bfloat16
    autocast, no loss scale)."""
    from mmocr.registry import OPTIM_WRAPPERS
    wrapper = cfg.optim_wrapper.get('type', 'OptimWrapper')
    if 'Amp' in wrapper or 'Autocast' in wrapper:
        print_log('Mixed-precision training is already enabled in the config.',
                  logger='current', level=logging.WARNING)
        return
    cuda = (device_type or ('cuda' if torch.cuda.is_available() else 'cpu')) == 'cuda'
    amp_wrapper = wrapper.replace('OptimWrapper',
                                  'AmpOptimWrapper' if cuda else 'AutocastOptimWrapper')
    if OPTIM_WRAPPERS.get(amp_wrapper) is None:
        raise ValueError(f'--amp: the optim wrapper {wrapper} has no mixed-precision '
                         f'counterpart {"on GPUs" if cuda else "without CUDA"} '
                         f'({amp_wrapper} is not registered)')
    cfg.optim_wrapper.type = amp_wrapper
    if cuda:
        cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')


def set_resume(cfg: Config, checkpoint: str) -> None:
    """Resume training from ``checkpoint``, or, when it is ``'auto'``, from the newest
    complete checkpoint of the work dir (:func:`find_resume_checkpoint`: the one
    ``last_checkpoint`` names, else the newest ``iter_<n>.pth``, skipping truncated
    files, with a warning). With no checkpoint there, training starts from scratch (as
    MMEngine's auto-resume does), with a log line."""
    if checkpoint != 'auto':
        cfg.resume, cfg.load_from = True, checkpoint
        return
    found = find_resume_checkpoint(cfg.work_dir) if osp.isdir(cfg.work_dir) else None
    if found is None:
        print_log(f'--resume: no checkpoint in {cfg.work_dir}; training starts from scratch',
                  logger='current', level=logging.WARNING)
    else:
        print_log(f'--resume: resuming from {found}', logger='current')
    cfg.resume, cfg.load_from = found is not None, found


def enable_auto_scale_lr(cfg: Config) -> None:
    """Scale the learning rate by the real batch size (``auto_scale_lr.base_batch_size``
    must be in the config)."""
    if 'base_batch_size' not in cfg.get('auto_scale_lr', {}):
        raise ValueError('--auto-scale-lr needs auto_scale_lr.base_batch_size in the '
                         'config')
    cfg.auto_scale_lr.enable = True


def add_custom_hooks(cfg: Config, *hooks: dict) -> None:
    """Append hook configs to ``cfg.custom_hooks``."""
    cfg.custom_hooks = list(cfg.get('custom_hooks', [])) + list(hooks)


def build_runner(cfg: Config) -> Runner:
    """The runner of ``cfg``: the ``runner_type`` it names (``WnARunner`` in every wna
    config; a name is looked up in MMOCR's ``RUNNERS`` and its parents, whatever the
    current default scope), else ``WnARunner``, so that checkpoints load with wna's
    trusted loader. A config asking for auto-resume (``resume=True`` without
    ``load_from``) resumes as :func:`set_resume` chooses."""
    if cfg.get('resume') and cfg.get('load_from') is None:
        set_resume(cfg, 'auto')
    runner_type = cfg.get('runner_type', WnARunner)
    runner_cls = RUNNERS.get(runner_type) if isinstance(runner_type, str) else runner_type
    if runner_cls is None:
        raise ValueError(f'runner_type {runner_type!r} is not registered in MMOCR\'s RUNNERS')
    return runner_cls.from_cfg(cfg)


def config_test_pipeline(cfg: Config) -> list[dict]:
    """A copy of the config's test pipeline: ``test_dataloader.dataset.pipeline`` (where
    MMOCR's inferencer reads it), that of the dataset's first member, or
    ``test_pipeline``."""
    dataset = cfg.get('test_dataloader', {}).get('dataset', {})
    members = dataset.get('datasets') or [{}]
    pipeline = (dataset.get('pipeline') or members[0].get('pipeline')
                or cfg.get('test_pipeline'))
    if not pipeline:
        raise ValueError('the config has neither test_dataloader.dataset.pipeline nor '
                         'test_pipeline')
    return copy.deepcopy([dict(t) for t in pipeline])
