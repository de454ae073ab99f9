"""Drawing one recognition result as a picture: the crop beside its texts and the
router's decision. Used by the visualizer, ``tools/infer.py --show-dir`` and the demo figure.

With both a ground truth and a prediction, the two are drawn as aligned rows
(:func:`~projects.wna.charset.text_alignment.align_reading`), each read character
coloured by whether it matches its ground-truth character: blue right, red wrong
(substituted or inserted), orange ``'⑨'`` (rejected); a ground-truth character that was
not read leaves a light-red slot in the prediction row, an inserted one a grey slot in
the ground-truth row.
"""
from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from projects.wna.charset import normalize_text, split_graphemes
from projects.wna.charset.text_alignment import (
    DELETION,
    INSERTION,
    MATCH,
    REJECTION,
    SUBSTITUTION,
    align_reading,
)

EXPERT_NAMES = ('hori', 'vert', 'rect')
_BG = (255, 255, 255)
_GT = (20, 110, 40)
_PRED_OK = (20, 70, 200)
_PRED_BAD = (200, 30, 30)
_REJECTED = (220, 120, 0)
_INFO = (90, 90, 90)
#: Fill of an empty slot: a ground-truth character not read (in the prediction row), a
#: read character with no ground-truth character (in the ground-truth row).
MISSING_SLOT = (255, 190, 190)
EXTRA_SLOT = (215, 215, 215)
#: Colour of a read character by the kind of its aligned column.
KIND_COLOURS = {MATCH: _PRED_OK, SUBSTITUTION: _PRED_BAD, INSERTION: _PRED_BAD,
                REJECTION: _REJECTED}
_TEXT_SIZE, _MIN_TEXT_SIZE = 20, 13

#: One cell of a text row: a character (``None``: an empty slot) and its colour.
Cell = tuple[str | None, tuple[int, int, int]]


@lru_cache(maxsize=32)
def _font(path: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size)


def fit_image(image: np.ndarray, box_w: int, box_h: int) -> np.ndarray:
    """Scale an RGB image (keeping its aspect ratio) to fit into ``box_w`` × ``box_h``."""
    h, w = image.shape[:2]
    scale = min(box_w / w, box_h / h)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    resample = Image.BILINEAR if scale < 1 else Image.NEAREST
    return np.asarray(Image.fromarray(image).resize(size, resample))


def reading_rows(pred: str | None, gt: str | None) -> list[tuple[str, list[Cell]]]:
    """The labelled, column-aligned text rows of a panel: ``('GT', cells)`` and/or
    ``('Pred', cells)``; the cells of both rows pair up column by column."""
    if pred is None or gt is None:
        rows = [('GT', gt, _GT), ('Pred', pred, _PRED_OK)]
        return [(label, [(c, colour) for c in split_graphemes(normalize_text(text))])
                for label, text, colour in rows if text is not None]
    columns = align_reading(gt, pred)
    gt_cells = [(c.gt, EXTRA_SLOT if c.kind == INSERTION else _GT) for c in columns]
    pred_cells = [(c.pred, MISSING_SLOT if c.kind == DELETION else KIND_COLOURS[c.kind])
                  for c in columns]
    return [('GT', gt_cells), ('Pred', pred_cells)]


def _column_widths(rows: list[tuple[str, list[Cell]]], font: ImageFont.FreeTypeFont
                   ) -> list[float]:
    empty = font.size * 0.6
    width = max(len(cells) for _, cells in rows) if rows else 0
    return [max((font.getlength(cells[k][0]) if cells[k][0] is not None else empty)
                for _, cells in rows if k < len(cells)) + 1 for k in range(width)]


def _draw_rows(draw: ImageDraw.ImageDraw, rows: list[tuple[str, list[Cell]]], x: int, y: int,
               font: ImageFont.FreeTypeFont) -> None:
    """Draw the rows from ``(x, y)``, a label column then the aligned cells."""
    widths = _column_widths(rows, font)
    left = x + font.getlength('Pred  ')
    size = font.size
    for label, cells in rows:
        draw.text((x, y), label, fill=_GT if label == 'GT' else _PRED_OK, font=font)
        cx = left
        for (char, colour), w in zip(cells, widths):
            if char is None:
                draw.rectangle((round(cx + 1), y + 2, round(cx + w - 2), y + size + 2),
                               fill=colour)
            else:
                draw.text((cx + (w - font.getlength(char)) / 2, y), char, fill=colour,
                          font=font)
            cx += w
        y += size + 8


def _layout(rows: list[tuple[str, list[Cell]]], font_path: str, room: float
            ) -> tuple[ImageFont.FreeTypeFont, list[list[tuple[str, list[Cell]]]]]:
    """The font and the blocks of rows to draw into ``room`` pixels: the largest size
    (down to a minimum) at which the rows fit, else the rows wrapped, column by column,
    into several blocks at the minimum size."""
    for size in range(_TEXT_SIZE, _MIN_TEXT_SIZE - 1, -1):
        font = _font(font_path, size)
        widths = _column_widths(rows, font)
        if font.getlength('Pred  ') + sum(widths) <= room:
            return font, [rows]
    room -= font.getlength('Pred  ')
    blocks, start, used = [], 0, 0.0
    for k, w in enumerate(widths):
        if used + w > room and k > start:
            blocks.append([(label, cells[start:k]) for label, cells in rows])
            start, used = k, 0.0
        used += w
    blocks.append([(label, cells[start:]) for label, cells in rows])
    return font, blocks


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
        pred, gt: predicted and ground-truth texts (either may be ``None``); with both,
            the prediction's characters are marked against the ground truth (module
            docstring). Long texts are drawn smaller to fit the panel, and wrapped
            into several rows when they do not fit at the smallest size.
        expert: the chosen expert's name; ``probs``: router probabilities in the order
            hori, vert, rect.

    Returns:
        RGB uint8 ``[H', width, 3]``.
    """
    if image.ndim == 2:
        image = np.repeat(image[..., None], 3, axis=2)
    thumb = fit_image(np.ascontiguousarray(image[..., :3]), *image_box)
    x = image_box[0] + 16
    font, blocks = _layout(reading_rows(pred, gt), font_path, width - x - 6)
    info: list[tuple[str, int]] = []
    if expert is not None:
        info.append((f'Expert  {expert}', 16))
    if probs is not None:
        info.append(('  '.join(f'{n} {p:.2f}' for n, p in zip(EXPERT_NAMES, probs)), 14))
    rows_h = sum(len(rows) for rows in blocks) * (font.size + 8) + (len(blocks) - 1) * 4
    text_h = rows_h + sum(size + 8 for _, size in info)
    height = max(image_box[1], text_h) + 12
    canvas = Image.new('RGB', (width, height), _BG)
    top = (height - thumb.shape[0]) // 2
    left = 6 + (image_box[0] - thumb.shape[1]) // 2
    canvas.paste(Image.fromarray(thumb), (left, top))
    draw = ImageDraw.Draw(canvas)
    y = top_text = (height - text_h) // 2
    for rows in blocks:
        _draw_rows(draw, rows, x, y, font)
        y += len(rows) * (font.size + 8) + 4
    y = top_text + rows_h
    for text, size in info:
        draw.text((x, y), text, fill=_INFO, font=_font(font_path, size))
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
