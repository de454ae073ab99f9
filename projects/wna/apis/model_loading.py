"""A config's recogniser with its weights, and its test pipeline, outside a Runner."""
from __future__ import annotations

import copy
import os

import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmocr.registry import MODELS
from torch import nn

from projects.wna.engine.checkpoint import load_trusted_checkpoint
from projects.wna.engine.runner_setup import config_test_pipeline  # noqa: F401 (re-export)
from projects.wna.models import CharsetSource


def load_recognizer(config: str | os.PathLike | Config,
                    checkpoint: str | os.PathLike | None,
                    device: str | torch.device = 'cpu',
                    cfg_options: dict | None = None,
                    charset: CharsetSource | None = None) -> nn.Module:
    """Build ``config``'s model, load ``checkpoint`` (strictly) and put it in eval mode.

    Args:
        config: a config file or a loaded :class:`~mmengine.config.Config` (not modified).
        checkpoint: a trusted checkpoint file (read with
            :func:`~projects.wna.engine.checkpoint.read_checkpoint`); ``None`` keeps the
            (torch-seeded) random initial weights.
        device: e.g. ``'cpu'``, ``'cuda'``, ``'cuda:1'``.
        cfg_options: overrides merged into the config (``--cfg-options`` style).
        charset: a dictionary (path or ``GlyphCharset``) that becomes the model's
            ``train_charset`` and ``default_charset`` instead of the config's.

    Returns:
        The model, with the (merged) config as ``model.cfg``.

    Raises:
        CheckpointMismatchError: the checkpoint does not hold exactly the model's weights.
    """
    cfg = copy.deepcopy(config) if isinstance(config, Config) else Config.fromfile(
        os.fspath(config))
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmocr'))
    model_cfg = cfg.model if charset is None else dict(
        cfg.model, train_charset=charset, default_charset=charset)
    model = MODELS.build(model_cfg)
    if checkpoint is not None:
        load_trusted_checkpoint(model, checkpoint, map_location='cpu', strict=True)
    model.cfg = cfg
    return model.to(device).eval()
