"""Open-set test dictionaries: character groups and the GZSL / OSR / GOSR / OSTR modes.

DATA_AND_EVAL 4.3. The characters of a Japanese test set fall into groups relative to the
training charset:

* ``shared_kanji``: Han characters of the test labels that the training charset holds;
* ``unique_kanji``: the other Han characters of the test labels (never seen in training);
* ``kana``: the shipped ``hiragana`` and ``katakana`` lists plus any other kana-block
  character found in the test labels (U+3040-U+30FF, U+31F0-U+31FF, U+FF65-U+FF9F);
* ``latin``: the shipped ``latin62`` list (``A-Z a-z 0-9``);
* ``space``: ``' '`` when the test labels contain it; registered in every mode;
* ``other``: any remaining test character (symbols, Hangul, ...). It is registered in no
  mode, so it is always out of set; the tools warn about it.

Kanji groups hold only the characters found in the test labels; kana and Latin register
their whole lists, as the training charset does for ``latin62``.
"""
from __future__ import annotations

import os
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass

import regex

from .chars import load_char_list
from .charset import GlyphCharset
from .graphemes import normalize_text, split_graphemes
from .render import GlyphRenderer

GROUPS = ('shared_kanji', 'unique_kanji', 'kana', 'latin', 'space', 'other')

_HAN = regex.compile(r'\p{Han}')
_KANA_BLOCKS = ((0x3040, 0x30FF), (0x31F0, 0x31FF), (0xFF65, 0xFF9F))


@dataclass(frozen=True)
class DictMode:
    """One test dictionary: which groups it registers and whether rejection is scored."""
    name: str
    registered: tuple[str, ...]
    has_unk: bool


MODES: dict[str, DictMode] = {
    m.name: m
    for m in (
        DictMode('gzsl', ('shared_kanji', 'unique_kanji', 'kana', 'latin', 'space'), False),
        DictMode('osr', ('shared_kanji', 'latin', 'space'), True),
        DictMode('gosr', ('shared_kanji', 'unique_kanji', 'latin', 'space'), True),
        DictMode('ostr', ('shared_kanji', 'unique_kanji', 'space'), True),
    )
}


def is_kana(char: str) -> bool:
    """Whether the cluster's first code point lies in a kana block."""
    cp = ord(char[0])
    return any(lo <= cp <= hi for lo, hi in _KANA_BLOCKS)


def is_han(char: str) -> bool:
    """Whether the cluster's first code point has the Han script (kanji, 々, 〆, ...)."""
    return _HAN.match(char) is not None


def distinct_chars(labels: Iterable[str | None]) -> list[str]:
    """Distinct grapheme clusters of ``labels`` (read in Unicode NFC) in first-seen order
    (``None`` skipped)."""
    return list(dict.fromkeys(c for label in labels if label
                              for c in split_graphemes(normalize_text(label))))


def group_chars(chars: Sequence[str], train_chars: Collection[str]) -> dict[str, list[str]]:
    """Sort test characters ``chars`` into the groups of :data:`GROUPS`.

    Kanji are ordered by code point; ``kana`` and ``latin`` start with the shipped lists.
    """
    kana = load_char_list('hiragana') + load_char_list('katakana')
    latin = load_char_list('latin62')
    kana_set, latin_set = set(kana), set(latin)
    groups: dict[str, list[str]] = {g: [] for g in GROUPS}
    groups['kana'] = kana + sorted(c for c in set(chars) if is_kana(c) and c not in kana_set)
    groups['latin'] = latin
    for c in sorted(set(chars)):
        if is_han(c):
            groups['shared_kanji' if c in train_chars else 'unique_kanji'].append(c)
        elif c == ' ':
            groups['space'].append(c)
        elif not is_kana(c) and c not in latin_set:
            groups['other'].append(c)
    return groups


def mode_chars(groups: dict[str, list[str]], mode: str) -> list[str]:
    """The characters registered by ``mode`` ('gzsl', 'osr', 'gosr' or 'ostr')."""
    if mode not in MODES:
        raise KeyError(f'unknown dictionary mode {mode!r}; choose from {list(MODES)}')
    return [c for g in MODES[mode].registered for c in groups[g]]


def group_table(groups: dict[str, list[str]], labels: Sequence[str | None]) -> str:
    """A printable table: per group, dictionary size, occurrences in the test labels and
    whether each mode registers it (``R``) or expects it rejected (``-``)."""
    group_of = {c: g for g in GROUPS for c in groups[g]}
    occurrences = dict.fromkeys(GROUPS, 0)
    for label in labels:
        for c in split_graphemes(label or ''):
            occurrences[group_of.get(c, 'other')] += 1
    header = f'{"group":<13}{"chars":>7}{"in test":>9}  ' + ' '.join(
        f'{m:>5}' for m in MODES)
    lines = [header, '-' * len(header)]
    for g in GROUPS:
        marks = ' '.join(f'{"R" if g in mode.registered else "-":>5}' for mode in MODES.values())
        lines.append(f'{g:<13}{len(groups[g]):>7}{occurrences[g]:>9}  {marks}')
    return '\n'.join(lines)


def build_mode_charsets(groups: dict[str, list[str]],
                        renderer: GlyphRenderer,
                        modes: Iterable[str] = tuple(MODES),
                        meta: dict | None = None) -> tuple[dict[str, GlyphCharset], list[str]]:
    """Render the test dictionaries of ``modes``.

    The union of all registered characters is rendered once (case-insensitive, like the
    training charset) and each mode takes its subset. Characters the font cannot draw are
    left out of every dictionary and returned as the second value.
    """
    modes = list(modes)
    wanted = list(dict.fromkeys(c for m in modes for c in mode_chars(groups, m)))
    full, missing = renderer.build_charset(wanted)
    charsets = {}
    for m in modes:
        sub = full.subset(c for c in mode_chars(groups, m) if c in full)
        info = dict(full.meta, mode=m, has_unk=MODES[m].has_unk, **(meta or {}))
        charsets[m] = GlyphCharset(sub.chars, sub.glyphs, sub.masters, meta=info)
    return charsets, missing


def save_mode_charsets(charsets: Mapping[str, GlyphCharset], out_dir: str | os.PathLike,
                       prefix: str) -> dict[str, str]:
    """Write each mode's dictionary as ``<out_dir>/<prefix>_<mode>.npz``; returns the
    paths by mode."""
    paths = {}
    for mode, charset in charsets.items():
        paths[mode] = os.path.join(os.fspath(out_dir), f'{prefix}_{mode}.npz')
        charset.save(paths[mode])
    return paths
