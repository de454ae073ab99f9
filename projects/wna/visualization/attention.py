"""Drawing an expert's per-character attention maps over the crop it read.

An expert stretches the whole crop (no padding) onto its canvas and computes one sigmoid
attention map per character over the canvas (``WnARecognizer.predict(...,
return_attention=True)``), so a map resized to the crop's size lies exactly over it.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib import colormaps
from PIL import Image, ImageDraw

from .panel import _font, compose_grid, fit_image

#: Share of the heat map in a tile (the rest is the grey crop).
HEAT_WEIGHT = 0.6
_CAPTION = (40, 40, 40)


def overlay_attention(image: np.ndarray, att: np.ndarray, cmap: str = 'jet') -> np.ndarray:
    """One attention map over the crop: ``att`` (``[h, w]``, any non-negative scale) is
    resized to the crop, scaled to its maximum and blended, coloured with ``cmap``, over
    the crop in grey.

    Args:
        image: RGB uint8 ``[H, W, 3]``.
        att: float ``[h, w]`` map over the stretched crop.

    Returns:
        RGB uint8 ``[H, W, 3]``.
    """
    h, w = image.shape[:2]
    heat = np.asarray(Image.fromarray(np.asarray(att, np.float32), mode='F')
                      .resize((w, h), Image.BILINEAR))
    peak = float(heat.max())
    heat = np.clip(heat / peak, 0, 1) if peak > 0 else np.zeros_like(heat)
    colour = colormaps[cmap](heat)[..., :3] * 255
    grey = np.repeat(image.mean(axis=2, keepdims=True), 3, axis=2)
    return (grey * (1 - HEAT_WEIGHT) + colour * HEAT_WEIGHT).round().astype(np.uint8)


def tile_box(height: int, width: int) -> tuple[int, int]:
    """The ``(w, h)`` box a tile's crop is fitted into: wide for wide crops, tall for
    tall ones, square in between."""
    ratio = width / max(height, 1)
    if ratio >= 1.5:
        return 240, 72
    if ratio <= 1 / 1.5:
        return 96, 220
    return 120, 120


def _tile(image: np.ndarray, caption: str, box: tuple[int, int], font_path: str) -> np.ndarray:
    """``image`` fitted and centred in ``box`` above a one-line caption."""
    thumb = fit_image(image, *box)
    size = 15
    tile = Image.new('RGB', (box[0] + 8, box[1] + size + 14), (255, 255, 255))
    tile.paste(Image.fromarray(thumb), (4 + (box[0] - thumb.shape[1]) // 2,
                                        4 + (box[1] - thumb.shape[0]) // 2))
    ImageDraw.Draw(tile).text((4, box[1] + 8), caption, fill=_CAPTION,
                              font=_font(font_path, size))
    return np.asarray(tile)


def draw_attention_maps(image: np.ndarray,
                        maps: np.ndarray | Sequence[np.ndarray],
                        font_path: str,
                        text: Sequence[str] | None = None,
                        scores: Sequence[float] | None = None,
                        expert: str | None = None,
                        width: int = 760,
                        title: str | None = None) -> np.ndarray:
    """The crop, then one tile per read character with its attention map over the crop.

    Args:
        image: RGB uint8 ``[H, W, 3]`` (or grey ``[H, W]``), the crop as read.
        maps: ``[L, h, w]`` attention maps, one per read character (``pred_attention.maps``).
        font_path: a font covering the texts (e.g. Noto Sans CJK).
        text: the ``L`` read characters (``pred_attention.chars``), captioning the tiles.
        scores: their scores.
        expert: the expert that read the crop (captions the first tile).
        width: the figure's approximate width; tiles wrap into rows.
        title: a line above the tiles.

    Returns:
        RGB uint8 ``[H', W', 3]``.

    Raises:
        ValueError: ``text`` or ``scores`` do not have one entry per map.
    """
    maps = [np.asarray(m, np.float32) for m in maps]
    for name, values in (('text', text), ('scores', scores)):
        if values is not None and len(values) != len(maps):
            raise ValueError(f'{len(maps)} attention maps but {len(values)} {name} entries')
    if image.ndim == 2:
        image = np.repeat(image[..., None], 3, axis=2)
    image = np.ascontiguousarray(image[..., :3])
    box = tile_box(*image.shape[:2])
    tiles = [_tile(image, 'input' + (f' · {expert}' if expert else ''), box, font_path)]
    for k, att in enumerate(maps):
        caption = f'{k + 1}'
        if text is not None:
            caption += f'  {text[k]}'
        if scores is not None:
            caption += f'  {scores[k]:.2f}'
        tiles.append(_tile(overlay_attention(image, att), caption, box, font_path))
    cols = max(1, min(len(tiles), width // tiles[0].shape[1]))
    return compose_grid(tiles, cols, title=title, font_path=font_path if title else None)
