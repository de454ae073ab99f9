"""Shared domain objects: grapheme-cluster text helpers and the glyph charset.

This package is the bottom layer of wna: it imports nothing else of the project, and
datasets, models and evaluation all build on it.
"""
from .charset import GLYPH_SIZE, GlyphCharset, load_charset
from .graphemes import UNKNOWN_CHAR, grapheme_len, mask_unknown, split_graphemes

__all__ = [
    'GLYPH_SIZE', 'GlyphCharset', 'load_charset', 'UNKNOWN_CHAR', 'grapheme_len',
    'mask_unknown', 'split_graphemes'
]
