"""Grapheme-cluster text helpers.

WnA counts characters as extended grapheme clusters (regex ``\\X``) everywhere: labels,
dictionaries, metrics and length targets. A cluster such as ``"é"`` written as ``e`` +
combining acute, or an emoji with a skin-tone modifier, is one character.

Text is compared in Unicode normal form C: :func:`normalize_text` is applied once where
text enters wna (charset characters, character lists, dataset labels, metric inputs), so
``か`` + U+3099 (NFD) and ``が`` (NFC) are the same character.
"""
from __future__ import annotations

import unicodedata

import regex

_CLUSTER = regex.compile(r'\X')

#: The character printed for a rejected (unknown) character.
UNKNOWN_CHAR = '⑨'


def normalize_text(text: str) -> str:
    """``text`` in Unicode normal form C, the one form wna compares text in."""
    return unicodedata.normalize('NFC', text)


def split_graphemes(text: str) -> list[str]:
    """Split ``text`` into extended grapheme clusters."""
    return _CLUSTER.findall(text)


def grapheme_len(text: str) -> int:
    """Number of extended grapheme clusters in ``text``."""
    return len(_CLUSTER.findall(text))


def mask_unknown(text: str, known: set[str] | frozenset[str]) -> str:
    """Replace every cluster of ``text`` that is not in ``known`` by :data:`UNKNOWN_CHAR`."""
    return ''.join(g if g in known else UNKNOWN_CHAR for g in _CLUSTER.findall(text))
