"""The paper's ablation protocol: which checkpoints of a training run are evaluated, and the
test config that logs each evaluation (``tools/ablation.py``)."""
from __future__ import annotations

import os
import os.path as osp

from mmengine.config import Config

from projects.wna.engine.runner_setup import add_custom_hooks
from projects.wna.evaluation.ablation_log import config_variant

#: The paper's checkpoints: the last ten of 400k iterations, saved every 20k.
PAPER_ITERS = tuple(range(220000, 400001, 20000))


def checkpoint_path(run_dir: str, iteration: int) -> str:
    """MMEngine's checkpoint name for ``iteration`` in ``run_dir``."""
    return osp.join(run_dir, f'iter_{iteration}.pth')


def ablation_config(config: str, out_dir: str, cfg_options: dict | None) -> str:
    """Dump ``config`` with ``variant`` set (the config's own, else its file name) and
    ``WnAAblationHook`` in ``custom_hooks`` (unless present) into
    ``<out_dir>/ablation_<variant>.py``; returns that path."""
    cfg = Config.fromfile(config)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    cfg.variant = config_variant(cfg)
    if not any(h.get('type') == 'WnAAblationHook' for h in cfg.get('custom_hooks', [])):
        add_custom_hooks(cfg, dict(type='WnAAblationHook'))
    os.makedirs(out_dir, exist_ok=True)
    path = osp.join(out_dir, f'ablation_{cfg.variant}.py')
    cfg.dump(path)
    return path
