"""Shared domain objects: grapheme-cluster text helpers and the glyph charset.

This package is the bottom layer of wna: it imports nothing else of the project, and
datasets, models and evaluation all build on it.
"""
from .chars import available_char_lists, load_char_list, requested_chars
from .charset import GLYPH_SIZE, GlyphCharset, number_labels
from .data_paths import missing_data_hint, resolve_data_path
from .graphemes import UNKNOWN_CHAR, grapheme_len, mask_unknown, normalize_text, split_graphemes
from .loading import READ_ERRORS, load_charset, read_error_reason
from .modes import (
    MODES,
    DictMode,
    build_mode_charsets,
    distinct_chars,
    group_chars,
    mode_chars,
    save_mode_charsets,
)
from .render import GlyphRenderer, default_font_path
from .text_alignment import AlignedChar, align_reading
from .vismeta import load_vismeta

__all__ = [
    'GLYPH_SIZE', 'GlyphCharset', 'number_labels', 'load_charset', 'READ_ERRORS',
    'read_error_reason', 'UNKNOWN_CHAR', 'grapheme_len',
    'mask_unknown', 'normalize_text', 'split_graphemes', 'available_char_lists', 'load_char_list',
    'requested_chars', 'MODES', 'DictMode', 'build_mode_charsets', 'distinct_chars',
    'group_chars', 'mode_chars', 'save_mode_charsets', 'GlyphRenderer', 'default_font_path',
    'load_vismeta', 'missing_data_hint', 'resolve_data_path', 'AlignedChar', 'align_reading'
]
