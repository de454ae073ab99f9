"""Rendering 32×32 glyph images from a font (the upstream ``renderlite`` recipe).

A glyph is drawn white on black at size 64 at (64, 64) on a 320×320 canvas, cropped to
its bounding box, shrunk (aspect kept) only when a side exceeds 0.9·84 = 75.6 px, pasted
centred on an 84×84 canvas and resized to 32×32 with bilinear interpolation. Glyphs whose
peak value stays below 13 (spaces) become all-zero images.
"""
from __future__ import annotations

import os
import unicodedata
from collections.abc import Iterable

import cv2
import numpy as np
from fontTools.ttLib import TTFont, TTLibError
from PIL import Image, ImageDraw, ImageFont

from .charset import GLYPH_SIZE, GlyphCharset
from .graphemes import split_graphemes

CANVAS_SIZE = 320
DRAW_ORIGIN = (64, 64)
CELL_SIZE = 84
MAX_EXTENT = 0.9 * CELL_SIZE
BLANK_THRESHOLD = 13

#: Code points a font need not map: variation selectors pick a variant of the preceding
#: glyph and ZWNJ/ZWJ only steer shaping; a font without them draws the base glyphs.
_IGNORABLE = frozenset([0x200C, 0x200D, *range(0xFE00, 0xFE10), *range(0xE0100, 0xE01F0)])


def default_font_path() -> str:
    """``NotoSansCJK-Regular.ttc`` from the ``noto_cjk_sans_otc`` package (face 0 is
    Noto Sans CJK JP, 1 KR, 2 SC, 3 TC, 4 HK, 5-9 the Mono variants)."""
    try:
        import noto_cjk_sans_otc
    except ImportError:
        raise ImportError('the default glyph font comes from the noto-cjk-sans-otc package; '
                          'install it or pass a font path') from None
    return noto_cjk_sans_otc.FONT_PATH


class GlyphRenderer:
    """Renders characters of one font face into 32×32 uint8 glyph images.

    Args:
        font_path: a TTF, OTF or TTC/OTC file; ``None`` for :func:`default_font_path`.
        face_index: the face inside a collection (0 for single-face files).
        size: the drawing size in pixels (64 in the upstream recipe).
    """

    def __init__(self, font_path: str | os.PathLike | None = None, face_index: int = 0,
                 size: int = 64) -> None:
        self.font_path = os.fspath(font_path) if font_path is not None else default_font_path()
        self.face_index = int(face_index)
        self.size = int(size)
        if not os.path.isfile(self.font_path):
            raise FileNotFoundError(f'font file not found: {self.font_path}')
        try:
            self._tt = TTFont(self.font_path, fontNumber=self.face_index, lazy=True)
            self.font_name = (self._tt['name'].getDebugName(4)
                              or os.path.basename(self.font_path))
            self._font = ImageFont.truetype(self.font_path, self.size, index=self.face_index)
        except (TTLibError, OSError, KeyError) as e:
            # TTLibError: not a font / no such face in a collection; OSError from FreeType
            # (a face index a single-face file lacks); KeyError: no 'name' table.
            raise ValueError(f'cannot open face {self.face_index} of {self.font_path}: '
                             f'{e}') from None
        self._cmap: frozenset[int] | None = None

    def __repr__(self) -> str:
        return (f'{type(self).__name__}({os.path.basename(self.font_path)!r}, '
                f'face_index={self.face_index}, name={self.font_name!r})')

    @property
    def cmap(self) -> frozenset[int]:
        """The code points the face maps to a glyph."""
        if self._cmap is None:
            self._cmap = frozenset(self._tt.getBestCmap() or ())
        return self._cmap

    def has_glyph(self, char: str) -> bool:
        """Whether the font maps every code point of ``char`` (whitespace always counts
        as present; variation selectors and ZWJ/ZWNJ are not required)."""
        if char.isspace():
            return True
        return all(ord(cp) in self.cmap or ord(cp) in _IGNORABLE for cp in char)

    def render(self, char: str) -> np.ndarray:
        """The uint8 ``[32, 32]`` glyph of one grapheme cluster, white on black."""
        if len(split_graphemes(char)) != 1:
            raise ValueError(f'render() takes one grapheme cluster, got {char!r}')
        # One channel drawn with value 255 equals channel 0 of the upstream RGB drawing.
        canvas = Image.new('L', (CANVAS_SIZE, CANVAS_SIZE), 0)
        ImageDraw.Draw(canvas).text(DRAW_ORIGIN, char, fill=255, font=self._font)
        fg = np.asarray(canvas)
        if fg.max() < BLANK_THRESHOLD:
            return np.zeros((GLYPH_SIZE, GLYPH_SIZE), np.uint8)
        rows = np.flatnonzero(fg.any(axis=1))
        cols = np.flatnonzero(fg.any(axis=0))
        crop = fg[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
        h, w = crop.shape
        if h > MAX_EXTENT or w > MAX_EXTENT:
            scale = MAX_EXTENT / max(h, w)
            # max(1, .) only guards hair-thin glyphs whose short side would round to 0.
            w, h = max(1, int(w * scale)), max(1, int(h * scale))
            crop = cv2.resize(crop, (w, h))
        cell = np.zeros((CELL_SIZE, CELL_SIZE), np.uint8)
        top, left = (CELL_SIZE - h) // 2, (CELL_SIZE - w) // 2
        cell[top:top + h, left:left + w] = crop
        return cv2.resize(cell, (GLYPH_SIZE, GLYPH_SIZE))

    def build_charset(self, chars: Iterable[str], case_sensitive: bool = False,
                      meta: dict | None = None) -> tuple[GlyphCharset, list[str]]:
        """Render ``chars`` into a :class:`GlyphCharset`.

        Characters the font cannot draw (unmapped code points, or a non-whitespace
        character that renders blank) are **left out** of the charset and returned as the
        second value, in input order; repeated characters are kept once. Whitespace is kept
        with an all-zero glyph. Upper-case letters become servants of their lower-case
        masters unless ``case_sensitive``. ``meta`` is merged into the charset's meta.
        """
        kept: list[str] = []
        glyphs: list[np.ndarray] = []
        missing: list[str] = []
        for char in dict.fromkeys(chars):
            if not char:
                raise ValueError('cannot render the empty string')
            glyph = self.render(char) if self.has_glyph(char) else None
            if glyph is None or (glyph.max() == 0 and not char.isspace()):
                missing.append(char)
                continue
            kept.append(char)
            glyphs.append(glyph)
        info = {'source': 'render', 'font': os.path.basename(self.font_path),
                'font_name': self.font_name, 'face_index': self.face_index,
                'size': self.size, 'case_sensitive': bool(case_sensitive)}
        info.update(meta or {})
        stack = np.stack(glyphs) if glyphs else np.zeros((0, GLYPH_SIZE, GLYPH_SIZE), np.uint8)
        return GlyphCharset(kept, stack, case_sensitive=case_sensitive, meta=info), missing


def describe_char(char: str) -> str:
    """``'X' U+0058 LATIN CAPITAL LETTER X`` style description for messages."""
    points = ' '.join(f'U+{ord(c):04X}' for c in char)
    names = ' + '.join(unicodedata.name(c, '?') for c in char)
    return f'{char!r} {points} {names}'
