"""Drawing one recognition result as a picture: the crop beside its texts and the
router's decision. Used by the visualizer, ``tools/infer.py --show-dir`` and the demo figure.
"""
from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np
from PIL import Image, ImageDraw, ImageFont

EXPERT_NAMES = ('hori', 'vert', 'rect')
_BG = (255, 255, 255)
_GT = (20, 110, 40)
_PRED_OK = (20, 70, 200)
_PRED_BAD = (200, 30, 30)
_INFO = (90, 90, 90)


@lru_cache(maxsize=8)
def _font(path: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size)


def fit_image(image: np.ndarray, box_w: int, box_h: int) -> np.ndarray:
    """Scale an RGB image (keeping its aspect ratio) to fit into ``box_w`` × ``box_h``."""
    h, w = image.shape[:2]
    scale = min(box_w / w, box_h / h)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    resample = Image.BILINEAR if scale < 1 else Image.NEAREST
    return np.asarray(Image.fromarray(image).resize(size, resample))


def draw_prediction_panel(image: np.ndarray,
                          font_path: str,
                          pred: str | None = None,
                          gt: str | None = None,
                          expert: str | None = None,
                          probs: Sequence[float] | None = None,
                          width: int = 360,
                          image_box: tuple[int, int] = (140, 120)) -> np.ndarray:
    """One panel: the image (fitted into ``image_box``) with GT, prediction and routing.

    Args:
        image: RGB uint8 ``[H, W, 3]`` (or ``[H, W]``) at any aspect ratio.
        font_path: a font that covers the texts (e.g. Noto Sans CJK).
        pred, gt: predicted and ground-truth texts (either may be ``None``).
        expert: the chosen expert's name; ``probs``: router probabilities in the order
            hori, vert, rect.

    Returns:
        RGB uint8 ``[H', width, 3]``.
    """
    if image.ndim == 2:
        image = np.repeat(image[..., None], 3, axis=2)
    thumb = fit_image(np.ascontiguousarray(image[..., :3]), *image_box)
    lines: list[tuple[str, tuple[int, int, int], int]] = []
    if gt is not None:
        lines.append((f'GT    {gt}', _GT, 20))
    if pred is not None:
        ok = gt is None or pred.lower() == gt.lower()
        lines.append((f'Pred  {pred}', _PRED_OK if ok else _PRED_BAD, 20))
    if expert is not None:
        lines.append((f'Expert  {expert}', _INFO, 16))
    if probs is not None:
        shares = '  '.join(f'{n} {p:.2f}' for n, p in zip(EXPERT_NAMES, probs))
        lines.append((shares, _INFO, 14))
    text_h = sum(size + 8 for _, _, size in lines)
    height = max(image_box[1], text_h) + 12
    canvas = Image.new('RGB', (width, height), _BG)
    top = (height - thumb.shape[0]) // 2
    left = 6 + (image_box[0] - thumb.shape[1]) // 2
    canvas.paste(Image.fromarray(thumb), (left, top))
    draw = ImageDraw.Draw(canvas)
    x, y = image_box[0] + 16, (height - text_h) // 2
    for text, colour, size in lines:
        draw.text((x, y), text, fill=colour, font=_font(font_path, size))
        y += size + 8
    return np.asarray(canvas)


def compose_grid(panels: Sequence[np.ndarray], cols: int, pad: int = 4,
                 title: str | None = None, font_path: str | None = None) -> np.ndarray:
    """Tile RGB panels of equal width into a grid (rows as tall as their tallest panel)."""
    if not panels:
        raise ValueError('no panels to compose')
    width = max(p.shape[1] for p in panels)
    rows = [panels[i:i + cols] for i in range(0, len(panels), cols)]
    row_heights = [max(p.shape[0] for p in row) for row in rows]
    title_h = 40 if title else 0
    canvas = Image.new('RGB', (cols * (width + pad) + pad,
                               sum(row_heights) + pad * (len(rows) + 1) + title_h), (225, 225, 225))
    if title:
        if font_path is None:
            raise ValueError('a title needs font_path')
        ImageDraw.Draw(canvas).text((pad + 4, 8), title, fill=(0, 0, 0),
                                    font=_font(font_path, 22))
    y = pad + title_h
    for row, row_h in zip(rows, row_heights):
        for c, panel in enumerate(row):
            canvas.paste(Image.fromarray(panel), (pad + c * (width + pad), y))
        y += row_h + pad
    return np.asarray(canvas)
