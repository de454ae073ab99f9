"""A config's recogniser with its weights, and its test pipeline, outside a Runner."""
from __future__ import annotations

import copy
import os

import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.runner import load_checkpoint
from mmocr.registry import MODELS
from torch import nn

from projects.wna.models import CharsetSource


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
                    cfg_options: dict | None = None,
                    charset: CharsetSource | None = None) -> nn.Module:
    """Build ``config``'s model, load ``checkpoint`` (strictly) and put it in eval mode.

    Args:
        config: a config file or a loaded :class:`~mmengine.config.Config` (not modified).
        checkpoint: a trusted checkpoint file; ``None`` keeps the (torch-seeded) random
            initial weights.
        device: e.g. ``'cpu'``, ``'cuda'``, ``'cuda:1'``.
        cfg_options: overrides merged into the config (``--cfg-options`` style).
        charset: a dictionary (path or ``GlyphCharset``) that becomes the model's
            ``train_charset`` and ``default_charset`` instead of the config's.

    Returns:
        The model, with the (merged) config as ``model.cfg``.
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
        load_checkpoint(model, os.fspath(checkpoint), map_location='cpu', strict=True)
    model.cfg = cfg
    return model.to(device).eval()
