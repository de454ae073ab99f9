"""Shared domain objects: grapheme-cluster text helpers and the glyph charset.

This package is the bottom layer of wna: it imports nothing else of the project, and
datasets, models and evaluation all build on it.
"""
from .chars import available_char_lists, load_char_list
from .charset import GLYPH_SIZE, GlyphCharset, load_charset
from .graphemes import UNKNOWN_CHAR, grapheme_len, mask_unknown, split_graphemes
from .modes import MODES, DictMode, build_mode_charsets, distinct_chars, group_chars, mode_chars
from .render import GlyphRenderer, default_font_path
from .vismeta import load_vismeta

__all__ = [
    'GLYPH_SIZE', 'GlyphCharset', 'load_charset', 'UNKNOWN_CHAR', 'grapheme_len',
    'mask_unknown', 'split_graphemes', 'available_char_lists', 'load_char_list', 'MODES',
    'DictMode', 'build_mode_charsets', 'distinct_chars', 'group_chars', 'mode_chars',
    'GlyphRenderer', 'default_font_path', 'load_vismeta'
]
