"""Config handling shared by ``tools/train.py``, ``tools/test.py`` and the other tools."""
from __future__ import annotations

import argparse
import copy
import os
import os.path as osp

import torch
from mmengine.config import Config, DictAction
from mmengine.registry import init_default_scope
from mmengine.runner import load_checkpoint
from mmocr.registry import MODELS
from torch import nn


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


def add_font_args(parser) -> None:
    """``--font`` / ``--face-index``: the font glyphs are rendered with (tools that build
    dictionaries); ``parser`` may be an argument group."""
    parser.add_argument('--font', help='TTF/OTF/TTC font file (default: Noto Sans CJK from the '
                        'noto-cjk-sans-otc package)')
    parser.add_argument('--face-index', type=int, default=0,
                        help='face inside a font collection (default 0 = Noto Sans CJK JP)')


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


def load_recognizer(config: str | os.PathLike | Config,
                    checkpoint: str | os.PathLike | None,
                    device: str | torch.device = 'cpu',
                    cfg_options: dict | None = None) -> nn.Module:
    """Build ``config``'s model, load ``checkpoint`` (strictly) and put it in eval mode.

    Args:
        config: a config file or a loaded :class:`~mmengine.config.Config` (not modified).
        checkpoint: a trusted checkpoint file; ``None`` keeps the (torch-seeded) random
            initial weights.
        device: e.g. ``'cpu'``, ``'cuda'``, ``'cuda:1'``.
        cfg_options: overrides merged into the config (``--cfg-options`` style).

    Returns:
        The model, with the (merged) config as ``model.cfg``.
    """
    cfg = copy.deepcopy(config) if isinstance(config, Config) else Config.fromfile(
        os.fspath(config))
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmocr'))
    model = MODELS.build(cfg.model)
    if checkpoint is not None:
        load_checkpoint(model, os.fspath(checkpoint), map_location='cpu', strict=True)
    model.cfg = cfg
    return model.to(device).eval()
