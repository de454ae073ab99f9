"""Glyph rendering (DATA_AND_EVAL 4.2) with real fonts: Noto Sans CJK, DejaVu Sans from
matplotlib, and a tiny TrueType font built here with fontTools."""
import os

import cv2
import matplotlib
import numpy as np
import pytest
from fontTools.fontBuilder import FontBuilder
from fontTools.pens.ttGlyphPen import TTGlyphPen
from PIL import Image, ImageDraw, ImageFont

from projects.wna.charset import GlyphRenderer, default_font_path

DEJAVU = os.path.join(matplotlib.get_data_path(), 'fonts', 'ttf', 'DejaVuSans.ttf')


def recipe_reference(font_path, char, size=64, face_index=0):
    """The recipe written out step by step on the RGB canvas, as upstream does."""
    font = ImageFont.truetype(font_path, size, index=face_index)
    canvas = Image.fromarray(np.zeros((320, 320, 3), np.uint8))
    ImageDraw.Draw(canvas).text((64, 64), char, (255, 255, 255), font=font)
    fg = np.array(canvas)
    if fg.max() < 13:
        return np.zeros((32, 32), np.uint8)
    ys, xs, _ = np.where(fg > 0)
    valid = fg[ys.min():ys.max() + 1, xs.min():xs.max() + 1]
    h, w = valid.shape[:2]
    if h > 84 * 0.9 or w > 84 * 0.9:
        scale = 84 * 0.9 / h if h > w else 84 * 0.9 / w
        w, h = int(w * scale), int(h * scale)
        valid = cv2.resize(valid, (w, h))
    out = np.zeros((84, 84, 3), np.uint8)
    top, left = (84 - h) // 2, (84 - w) // 2
    out[top:top + h, left:left + w] = valid
    return cv2.resize(out, (32, 32))[:, :, 0]


@pytest.fixture(scope='module')
def noto():
    return GlyphRenderer()


@pytest.mark.parametrize('char', ['中', 'g', 'ー', 'ぁ', 'W', '鬱'])
def test_matches_recipe(noto, char):
    glyph = noto.render(char)
    assert glyph.dtype == np.uint8 and glyph.shape == (32, 32)
    np.testing.assert_array_equal(glyph, recipe_reference(default_font_path(), char))


def test_large_glyphs_are_shrunk_to_fit(tmp_path):
    big = GlyphRenderer(size=110)  # '国' is ~100 px tall: shrink branch
    glyph = big.render('国')
    np.testing.assert_array_equal(glyph, recipe_reference(default_font_path(), '国', size=110))
    rows = np.flatnonzero(glyph.max(axis=1) > 0)
    assert rows[-1] - rows[0] + 1 >= 28  # 75.6/84*32 ≈ 29 px tall after shrinking


def test_small_glyphs_are_not_enlarged(noto):
    dot = noto.render('。')
    ink = np.argwhere(dot > 0)
    assert (ink.max(0) - ink.min(0)).max() < 12


def test_space_is_blank_and_present(noto):
    assert noto.has_glyph(' ')
    assert noto.render(' ').max() == 0


def test_faces_differ():
    jp, sc = GlyphRenderer(face_index=0), GlyphRenderer(face_index=2)
    assert jp.font_name == 'Noto Sans CJK JP' and sc.font_name == 'Noto Sans CJK SC'
    assert not np.array_equal(jp.render('直'), sc.render('直'))
    with pytest.raises(ValueError, match='face 12'):
        GlyphRenderer(face_index=12)


def test_has_glyph_uses_cmap(noto):
    assert noto.has_glyph('漢') and noto.has_glyph('A')
    assert not noto.has_glyph('😀') and not noto.has_glyph('ก')
    assert noto.has_glyph('葛\U000E0100')  # ideographic variation selector is optional
    assert not noto.has_glyph('A😀')


def test_build_charset_reports_missing_dejavu():
    dejavu = GlyphRenderer(DEJAVU)
    charset, missing = dejavu.build_charset(['a', '中', 'A', 'あ', ' ', 'a'])
    assert missing == ['中', 'あ']
    assert charset.chars == ['a', 'A', ' ']
    assert charset.num_labels == 2
    assert charset.meta['font'] == 'DejaVuSans.ttf'


def tiny_font(path):
    """A TrueType font mapping 'A' to a box, 'B' to an empty outline and the space."""
    fb = FontBuilder(1000, isTTF=True)
    fb.setupGlyphOrder(['.notdef', 'A', 'B', 'space'])
    fb.setupCharacterMap({ord('A'): 'A', ord('B'): 'B', ord(' '): 'space'})
    box = TTGlyphPen(None)
    box.moveTo((100, 0))
    box.lineTo((100, 700))
    box.lineTo((500, 700))
    box.lineTo((500, 0))
    box.closePath()
    empty = TTGlyphPen(None).glyph()
    fb.setupGlyf({'.notdef': empty, 'A': box.glyph(), 'B': empty, 'space': empty})
    fb.setupHorizontalMetrics({n: (600, 0) for n in ['.notdef', 'A', 'B', 'space']})
    fb.setupHorizontalHeader(ascent=800, descent=-200)
    fb.setupNameTable({'familyName': 'Tiny', 'styleName': 'Regular'})
    fb.setupOS2()
    fb.setupPost()
    fb.save(str(path))
    return str(path)


def test_tiny_ttf(tmp_path):
    renderer = GlyphRenderer(tiny_font(tmp_path / 'tiny.ttf'))
    assert renderer.has_glyph('A') and renderer.has_glyph('B') and not renderer.has_glyph('C')
    box = renderer.render('A')
    # 0.4 x 0.7 em at 64 px = 26 x 45 px, centred on 84 then scaled by 32/84
    ink = np.argwhere(box > 127)
    height, width = ink.max(0) - ink.min(0) + 1
    assert 16 <= height <= 18 and 9 <= width <= 11
    charset, missing = renderer.build_charset('ABC ')
    assert missing == ['B', 'C']  # B maps to an empty outline: no ink, so not renderable
    assert charset.chars == ['A', ' ']


def test_bad_inputs(noto, tmp_path):
    with pytest.raises(ValueError, match='one grapheme cluster'):
        noto.render('ab')
    with pytest.raises(FileNotFoundError):
        GlyphRenderer(tmp_path / 'none.ttf')
    not_a_font = tmp_path / 'x.ttf'
    not_a_font.write_bytes(b'hello')
    with pytest.raises(ValueError, match='cannot open face 0'):
        GlyphRenderer(not_a_font)
