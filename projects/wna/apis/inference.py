"""Recognising decoded images with a wna model outside a Runner.

The model is built from a config and a checkpoint, images go through the config's own test
pipeline (minus annotation loading, starting from an in-memory image like MMOCR's
inferencer does) and ``WnARecognizer.predict`` reads them against the dictionary passed
with the call (by default the model's ``default_charset``).
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from mmengine.config import Config
from mmengine.dataset import Compose, pseudo_collate
from mmengine.registry import init_default_scope
from mmocr.structures import TextRecogDataSample
from torch import nn

from projects.wna.models import CharsetSource

from .model_loading import config_test_pipeline

#: Image loaders a test pipeline may start with (as in MMOCR's inferencer).
LOADERS = ('LoadImageFromFile', 'LoadImageFromNDArray')


def build_inference_pipeline(cfg: Config) -> Compose:
    """The test pipeline for decoded BGR images (``dict(img=..., img_path=...)`` inputs).

    ``LoadOCRAnnotations`` is dropped (there is no ground truth) and the first image loader
    becomes ``LoadImageFromNDArray``; every later transform is the config's own.
    """
    pipeline = [t for t in config_test_pipeline(cfg) if t['type'] != 'LoadOCRAnnotations']
    loader = next((i for i, t in enumerate(pipeline) if t['type'] in LOADERS), None)
    if loader is None:
        raise ValueError(f'the test pipeline has none of {LOADERS}')
    pipeline[loader]['type'] = 'LoadImageFromNDArray'
    init_default_scope(cfg.get('default_scope', 'mmocr'))
    return Compose(pipeline)


@torch.no_grad()
def recognize(model: nn.Module, pipeline: Compose, images: Sequence[np.ndarray],
              sources: Sequence[str | None] | None = None,
              charset: CharsetSource | None = None,
              return_attention: bool = False) -> list[TextRecogDataSample]:
    """Read a batch of BGR uint8 ``[H, W, 3]`` images (any sizes) in one forward pass,
    as ``model.test_step`` does, against ``charset`` (``None``: the model's
    ``default_charset``).

    ``sources`` become the samples' ``img_path`` metainfo. Returns one data sample per
    image with ``pred_text`` (``item``, per-character ``score``) and ``pred_route``
    (``expert``, ``index``, router ``probs``); with ``return_attention`` also
    ``pred_attention``: ``maps`` ``[L, h, w]``, the expert's attention map of each of the
    ``L`` read characters ``chars`` over its canvas, and ``expert``.
    """
    sources = list(sources) if sources is not None else [None] * len(images)
    if len(sources) != len(images):
        raise ValueError(f'{len(images)} images but {len(sources)} sources')
    batch = pseudo_collate([pipeline(dict(img=img, img_path=src))
                            for img, src in zip(images, sources)])
    data = model.data_preprocessor(batch, False)
    return model(**data, mode='predict', charset=charset, return_attention=return_attention)
