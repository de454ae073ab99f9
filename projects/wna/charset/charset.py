"""The glyph charset: characters, their class labels, case relations and glyph images.

A :class:`GlyphCharset` is WnA's dictionary. Every character (a grapheme cluster) has one
32×32 glyph image, rendered from a font, from which the model computes the character's
prototype. Characters are grouped into *labels*: an upper-case letter is a *servant* of its
lower-case *master* and shares its label, unless the charset is case-sensitive. A label
prints as its master character.

On disk a charset is one ``.npz`` file (no pickle) holding ``chars``, ``masters``,
``glyphs`` and a JSON ``meta`` string; :func:`projects.wna.charset.load_charset` reads it
and also the upstream ``vismeta.pt`` dictionaries.
"""
from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence

import numpy as np

from .graphemes import normalize_text

GLYPH_SIZE = 32
FORMAT_VERSION = 1


def number_labels(masters: Iterable[int]) -> tuple[np.ndarray, list[int]]:
    """WnA's label numbering: one label per distinct master, numbered ``0, 1, ...`` in
    the order in which the masters first appear (through any of their characters).

    Args:
        masters: the master's character index of each character (or prototype).

    Returns:
        int64 ``[n]``, the label of each entry, and the master of each label.
    """
    label_of_master: dict[int, int] = {}
    labels = [label_of_master.setdefault(int(m), len(label_of_master)) for m in masters]
    return np.asarray(labels, dtype=np.int64), list(label_of_master)


def duplicates_message(given: Sequence[str], normalized: Sequence[str]) -> str:
    """The error message for repeated characters: up to 10 of them, each with the
    differently written forms (code points) that became equal under NFC."""
    forms: dict[str, list[str]] = {}
    for raw, char in zip(given, normalized):
        forms.setdefault(char, []).append(raw)
    parts = []
    for char, raws in forms.items():
        if len(raws) > 1:
            spellings = dict.fromkeys(' '.join(f'U+{ord(p):04X}' for p in r) for r in raws)
            parts.append(f'{char!r}' + (f' (written {" and ".join(spellings)}, equal after '
                                        'Unicode NFC)' if len(spellings) > 1 else ''))
    return f'duplicate characters in charset: {", ".join(parts[:10])}'


class GlyphCharset:
    """Characters with labels, case relations and glyphs.

    Args:
        chars: ``n`` distinct characters (grapheme clusters), stored in Unicode NFC
            (:func:`~projects.wna.charset.graphemes.normalize_text`); two characters that
            are equal after NFC (``が`` and ``か`` + U+3099) are duplicates.
        glyphs: uint8 array ``[n, 32, 32]``, white glyph on black.
        masters: int array ``[n]``, index of each character's master (itself for a
            master). Derived from Unicode case mapping when omitted: a character whose
            lower-case form is also in ``chars`` becomes its servant, unless
            ``case_sensitive``.
        case_sensitive: keep upper and lower case apart (only used to derive masters).
        meta: free-form provenance (font, face index, source list, ...).

    Attributes:
        labels (np.ndarray): int64 ``[n]``, the label of each character, numbered by
            :func:`number_labels` (``0..num_labels-1`` in the order in which their masters
            first appear in ``chars``).
        label_chars (list[str]): ``num_labels`` printable characters (the masters).
    """

    def __init__(self,
                 chars: Sequence[str],
                 glyphs: np.ndarray,
                 masters: Sequence[int] | np.ndarray | None = None,
                 case_sensitive: bool = False,
                 meta: dict | None = None) -> None:
        given = [str(c) for c in chars]
        self.chars = [normalize_text(c) for c in given]
        self._index = {c: i for i, c in enumerate(self.chars)}
        if len(self._index) != len(self.chars):
            raise ValueError(duplicates_message(given, self.chars))
        if any(not c for c in self.chars):
            raise ValueError('a charset cannot hold the empty string')
        glyphs = np.asarray(glyphs)
        if glyphs.shape != (len(self.chars), GLYPH_SIZE, GLYPH_SIZE):
            raise ValueError(f'glyphs must have shape [{len(self.chars)}, {GLYPH_SIZE}, '
                             f'{GLYPH_SIZE}], got {list(glyphs.shape)}')
        self.glyphs = glyphs.astype(np.uint8, copy=False)
        if masters is None:
            masters = self._case_masters(case_sensitive)
        self.masters = np.asarray(masters, dtype=np.int64)
        if self.masters.shape != (len(self.chars), ) or (
                len(self.chars) and (self.masters.min() < 0
                                     or self.masters.max() >= len(self.chars))):
            raise ValueError('masters must hold one valid character index per character')
        if np.any(self.masters[self.masters] != self.masters):
            raise ValueError('a master must be its own master')
        self.meta = dict(meta or {})
        self.labels, label_masters = number_labels(self.masters)
        self.label_chars = [self.chars[m] for m in label_masters]

    def _case_masters(self, case_sensitive: bool) -> list[int]:
        masters = list(range(len(self.chars)))
        if case_sensitive:
            return masters
        for i, c in enumerate(self.chars):
            lower = c.lower()
            if lower != c and lower in self._index:
                masters[i] = self._index[lower]
        return masters

    # ------------------------------------------------------------------ queries
    def __len__(self) -> int:
        return len(self.chars)

    def __contains__(self, char: object) -> bool:
        return char in self._index

    def __repr__(self) -> str:
        return (f'{type(self).__name__}({len(self)} chars, {self.num_labels} labels, '
                f'meta={self.meta})')

    @property
    def num_labels(self) -> int:
        return len(self.label_chars)

    @property
    def char_set(self) -> frozenset[str]:
        """The registered characters (servants included)."""
        return frozenset(self._index)

    def index(self, char: str) -> int:
        """Index of ``char`` in :attr:`chars`; ``KeyError`` if absent."""
        return self._index[char]

    def label_of(self, char: str) -> int | None:
        """Label of ``char``, or ``None`` when it is not registered."""
        i = self._index.get(char)
        return None if i is None else int(self.labels[i])

    def case_cluster(self, char: str) -> list[int]:
        """Indices of ``char``'s master and all characters sharing that master."""
        master = self.masters[self._index[char]]
        return np.flatnonzero(self.masters == master).tolist()

    def missing(self, chars: Iterable[str]) -> list[str]:
        """The characters of ``chars`` that are not registered, in first-seen order."""
        return list(dict.fromkeys(c for c in chars if c not in self._index))

    def blank_chars(self, threshold: int = 13) -> list[str]:
        """Characters whose glyph is blank (max value below ``threshold``)."""
        peak = self.glyphs.reshape(len(self), -1).max(axis=1) if len(self) else []
        return [c for c, p in zip(self.chars, peak) if p < threshold and not c.isspace()]

    # -------------------------------------------------------------- derivations
    def subset(self, chars: Iterable[str]) -> GlyphCharset:
        """A new charset with ``chars`` (in the given order) and their glyphs.

        Case relations are kept where both master and servant are in the subset; a
        servant whose master is dropped becomes a master itself.
        """
        chars = list(dict.fromkeys(chars))
        absent = self.missing(chars)
        if absent:
            raise KeyError(f'characters not in the charset: {absent[:10]}')
        old = [self._index[c] for c in chars]
        new_of_old = {o: n for n, o in enumerate(old)}
        masters = [new_of_old.get(int(self.masters[o]), n) for n, o in enumerate(old)]
        return GlyphCharset(chars, self.glyphs[old], masters, meta=self.meta)

    # ---------------------------------------------------------------------- I/O
    def save(self, path: str | os.PathLike) -> None:
        """Write the charset as a compressed ``.npz`` file (no pickled objects)."""
        path = os.fspath(path)
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        with open(path, 'wb') as f:
            np.savez_compressed(
                f,
                format_version=np.int64(FORMAT_VERSION),
                chars=np.array(self.chars, dtype=np.str_),
                masters=self.masters,
                glyphs=self.glyphs,
                meta=np.array(json.dumps(self.meta, ensure_ascii=False)))

    @classmethod
    def from_npz(cls, path: str | os.PathLike) -> GlyphCharset:
        """Read a charset written by :meth:`save`."""
        with np.load(path, allow_pickle=False) as data:
            missing = {'chars', 'masters', 'glyphs', 'meta'} - set(data.files)
            if missing:
                raise ValueError(f'{path} is not a wna charset file (missing {sorted(missing)})')
            version = int(data['format_version']) if 'format_version' in data.files else 1
            if version > FORMAT_VERSION:
                raise ValueError(f'{path} has charset format {version}; this wna reads '
                                 f'up to {FORMAT_VERSION}')
            chars = [str(c) for c in data['chars'].tolist()] if data['chars'].size else []
            return cls(chars, data['glyphs'].reshape(-1, GLYPH_SIZE, GLYPH_SIZE),
                       data['masters'], meta=json.loads(str(data['meta'])))
