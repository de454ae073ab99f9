"""Rendering synthetic scene-text crops: horizontal or vertical text in a face of a font
file (the demo's: Noto Sans CJK), plain (black / white, no effects) or with varied sizes,
colours, backgrounds (plain, gradient, noise), slight rotation, shadow, blur and noise."""
from __future__ import annotations

import importlib.util
import math
import os

import cv2
import numpy as np
from fontTools.ttLib import TTCollection
from PIL import Image, ImageDraw, ImageFont

TEXT_SIZES = (22, 25, 28, 31, 34)  # font sizes in pixels
#: Characters drawn turned by 90 degrees in vertical lines (as vertical typesetting does).
TURN_IN_VERTICAL = frozenset('ー〜～')


def held_out_font_path() -> str:
    """IPAex Gothic (``ipaexg.ttf``, IPA Font License), shipped by the
    ``japanize-matplotlib`` package (found without importing it): a Japanese typeface
    that the demo neither trains on nor renders its glyph dictionaries with."""
    spec = importlib.util.find_spec('japanize_matplotlib')
    path = (os.path.join(next(iter(spec.submodule_search_locations)), 'fonts', 'ipaexg.ttf')
            if spec is not None and spec.submodule_search_locations else None)
    if path is None or not os.path.isfile(path):
        raise ImportError('the held-out typeface (IPAex Gothic) comes from the '
                          'japanize-matplotlib package; install it or pass a font path')
    return path


class FontBank:
    """PIL fonts of the faces of one font file (TTF / OTF, or every face of a TTC / OTC
    collection), cached per (face, size).

    Attributes:
        faces: the number of faces in the file.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        with open(path, 'rb') as f:
            collection = f.read(4) == b'ttcf'
        self.faces = len(TTCollection(path, lazy=True).fonts) if collection else 1
        self._fonts: dict[tuple[int, int], ImageFont.FreeTypeFont] = {}

    def get(self, face: int, size: int) -> ImageFont.FreeTypeFont:
        """The font of ``face`` at ``size`` pixels."""
        key = (face, size)
        if key not in self._fonts:
            self._fonts[key] = ImageFont.truetype(self.path, size, index=face)
        return self._fonts[key]


def draw_mask(text: str, font: ImageFont.FreeTypeFont) -> np.ndarray:
    """A tight uint8 ink mask of ``text`` written horizontally."""
    left, top, right, bottom = font.getbbox(text)
    image = Image.new('L', (max(1, right - left), max(1, bottom - top)), 0)
    ImageDraw.Draw(image).text((-left, -top), text, fill=255, font=font)
    return np.asarray(image)


def vertical_mask(text: str, font: ImageFont.FreeTypeFont, size: int,
                  rng: np.random.Generator) -> np.ndarray:
    """Characters stacked top to bottom, each centred in a ``size``-wide column."""
    advance = int(round(size * rng.uniform(1.0, 1.15)))
    column = np.zeros((advance * len(text), size + 4), np.uint8)
    for row, char in enumerate(text):
        glyph = draw_mask(char, font)
        if char in TURN_IN_VERTICAL:
            glyph = np.rot90(glyph, -1)
        h, w = min(glyph.shape[0], advance), min(glyph.shape[1], column.shape[1])
        top = row * advance + (advance - h) // 2
        left = (column.shape[1] - w) // 2
        column[top:top + h, left:left + w] = np.maximum(column[top:top + h, left:left + w],
                                                         glyph[:h, :w])
    return column


def rotate_mask(mask: np.ndarray, angle: float) -> np.ndarray:
    """Rotate by ``angle`` degrees about the centre, growing the canvas to keep all ink."""
    h, w = mask.shape
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    cos, sin = abs(matrix[0, 0]), abs(matrix[0, 1])
    nw, nh = int(math.ceil(w * cos + h * sin)), int(math.ceil(w * sin + h * cos))
    matrix[0, 2] += (nw - w) / 2
    matrix[1, 2] += (nh - h) / 2
    return cv2.warpAffine(mask, matrix, (nw, nh), flags=cv2.INTER_LINEAR)


def luminance(colour: np.ndarray) -> float:
    """The luminance of a BGR colour (0-255)."""
    return float(colour @ np.array([0.114, 0.587, 0.299]))  # BGR


def background(rng: np.random.Generator, h: int, w: int, colour: np.ndarray) -> np.ndarray:
    """A float BGR background: plain, a linear gradient, or smooth noise around ``colour``."""
    kind = rng.random()
    base = np.broadcast_to(colour.astype(np.float32), (h, w, 3)).copy()
    if kind < 0.4:
        return base
    if kind < 0.7:
        other = np.clip(colour + rng.integers(-70, 71, 3), 0, 255).astype(np.float32)
        theta = rng.uniform(0, 2 * np.pi)
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        ramp = xx * np.cos(theta) + yy * np.sin(theta)
        ramp = (ramp - ramp.min()) / max(float(np.ptp(ramp)), 1.0)
        return base * (1 - ramp[..., None]) + other * ramp[..., None]
    amplitude, shape = rng.uniform(15, 35), (max(2, h // 6), max(2, w // 6))
    coarse = rng.normal(0, amplitude, (*shape, 1)) + rng.normal(0, amplitude / 3, (*shape, 3))
    return base + cv2.resize(coarse.astype(np.float32), (w, h), interpolation=cv2.INTER_CUBIC)


def render_crop(rng: np.random.Generator, fonts: FontBank, text: str,
                vertical: bool, clean: bool = False) -> np.ndarray:
    """A synthetic scene-text crop of ``text``: uint8 BGR ``[H, W, 3]``.

    ``clean`` crops are plain: face 0 (the glyph dictionaries' face in the demo), black on
    white or white on black, upright, without shadow, blur or noise (they bridge glyphs
    and scene text); the others use any face of ``fonts``.
    """
    size = int(rng.choice(TEXT_SIZES))
    font = fonts.get(0 if clean else int(rng.integers(fonts.faces)), size)
    mask = vertical_mask(text, font, size, rng) if vertical else draw_mask(text, font)
    if not clean:
        mask = rotate_mask(mask, float(np.clip(rng.normal(0, 1.5), -4, 4)))
    pads = (rng.uniform(0.08, 0.35, 4) * size).astype(int) + 1  # top, bottom, left, right
    mask = np.pad(mask, ((pads[0], pads[1]), (pads[2], pads[3]))).astype(np.float32) / 255
    h, w = mask.shape
    if clean:
        ink = 255.0 * (rng.random() < 0.5)
        return np.repeat(((255 - ink) * (1 - mask) + ink * mask)[..., None], 3,
                         axis=2).round().astype(np.uint8)
    bg_colour = rng.integers(0, 256, 3)
    fg_colour = rng.integers(0, 256, 3)
    for _ in range(20):
        if abs(luminance(fg_colour) - luminance(bg_colour)) > 90:
            break
        fg_colour = rng.integers(0, 256, 3)
    else:
        fg_colour = np.full(3, 0 if luminance(bg_colour) > 127 else 255)
    image = background(rng, h, w, bg_colour)
    if rng.random() < 0.2:  # drop shadow
        dy, dx = rng.integers(1, 3, 2)
        shadow = np.roll(mask, (int(dy), int(dx)), axis=(0, 1))[..., None] * 0.6
        image = image * (1 - shadow) + (255 - fg_colour.astype(np.float32)) * 0.3 * shadow
    image = image * (1 - mask[..., None]) + fg_colour.astype(np.float32) * mask[..., None]
    if rng.random() < 0.25:
        image = cv2.GaussianBlur(image, (0, 0), rng.uniform(0.5, 1.2))
    if rng.random() < 0.15:  # sensor noise, on few crops only: it defeats PNG compression
        image = image + rng.normal(0, rng.uniform(1, 3), image.shape)
    return np.clip(image, 0, 255).astype(np.uint8)
