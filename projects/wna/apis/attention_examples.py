"""Example crops of each shape from a test LMDB, and the figure of their attention maps
(``tools/demo.py``'s ``attention.png``, the web demo's examples)."""
from __future__ import annotations

import os
from collections.abc import Sequence
from itertools import islice

import numpy as np
from torch import nn

from projects.wna.charset import default_font_path
from projects.wna.datasets import DEFAULT_BUCKETS, buckets_of
from projects.wna.models import CharsetSource
from projects.wna.visualization import compose_grid, draw_attention_maps

from .inference import build_inference_pipeline, recognize
from .inputs import LoadedImage, iter_lmdb_images

#: Records looked at, at most, to find the examples of every shape.
MAX_SCANNED = 2000


def pick_examples(lmdb_path: str | os.PathLike, per_bucket: int = 2,
                  buckets: Sequence[str] = ('hori', 'vert', 'rect')) -> list[LoadedImage]:
    """The first ``per_bucket`` decodable records of each aspect-ratio bucket of
    ``buckets`` (``DEFAULT_BUCKETS`` names: wide, tall, square-ish) in an LMDB, bucket by
    bucket, among its first :data:`MAX_SCANNED` records.

    Raises:
        FileNotFoundError: ``lmdb_path`` holds no LMDB.
    """
    path = os.fspath(lmdb_path)
    if not os.path.isfile(os.path.join(path, 'data.mdb')):
        raise FileNotFoundError(f'no LMDB (data.mdb) in {path}')
    found: dict[str, list[LoadedImage]] = {name: [] for name in buckets}
    for item in islice(iter_lmdb_images(path), MAX_SCANNED):
        if item.image is None:
            continue
        h, w = item.image.shape[:2]
        for name in buckets_of(w, h, DEFAULT_BUCKETS):
            if name in found and len(found[name]) < per_bucket:
                found[name].append(item)
                break
        if all(len(items) == per_bucket for items in found.values()):
            break
    return [item for name in buckets for item in found[name]]


def draw_attention_examples(model: nn.Module, examples: Sequence[LoadedImage],
                            charset: CharsetSource | None = None,
                            font_path: str | None = None) -> np.ndarray:
    """Read ``examples`` with ``model`` (against ``charset``; ``None``: its
    ``default_charset``) and draw, one below the other, the chosen expert's attention map
    of each read character over each crop, titled with the ground truth (when known) and
    the reading.

    Returns:
        RGB uint8 ``[H, W, 3]``.
    """
    if not examples:
        raise ValueError('no example images to draw')
    font_path = font_path or default_font_path()
    samples = recognize(model, build_inference_pipeline(model.cfg),
                        [item.image for item in examples], [item.source for item in examples],
                        charset=charset, return_attention=True)
    figures = []
    for item, sample in zip(examples, samples):
        text = sample.pred_text.item
        title = f'read {text}' if item.label is None else f'GT {item.label}   read {text}'
        att = sample.pred_attention
        figures.append(draw_attention_maps(item.image[..., ::-1], att.maps.numpy(), font_path,
                                           att.chars, sample.pred_text.score, att.expert,
                                           title=title))
    return compose_grid(figures, cols=1)
