"""A reading aligned to its ground truth character by character: which characters are
wrong (the marks of the prediction panels, the confusions of the prediction analysis).

Characters are grapheme clusters in NFC, compared case-insensitively (as the metric's
line accuracy does) with ``'⑨'`` kept. The alignment is RapidFuzz's Levenshtein
alignment of the lower-case cluster sequences; the prediction analysis counts its
operations, so a panel marks the substitutions that the analysis lists.
"""
from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz.distance import Levenshtein

from .graphemes import UNKNOWN_CHAR, normalize_text, split_graphemes

#: Kinds of an aligned column.
MATCH = 'match'  # the read character equals the ground-truth one
SUBSTITUTION = 'substitution'  # another character was read
REJECTION = 'rejection'  # '⑨' was read in place of a ground-truth character
INSERTION = 'insertion'  # a read character with no ground-truth character
DELETION = 'deletion'  # a ground-truth character that was not read at all


@dataclass(frozen=True)
class AlignedChar:
    """One column of an aligned reading.

    Attributes:
        gt: the ground-truth character (``None`` for an insertion).
        pred: the read character (``None`` for a deletion).
        kind: :data:`MATCH`, :data:`SUBSTITUTION`, :data:`REJECTION`,
            :data:`INSERTION` or :data:`DELETION`.
    """
    gt: str | None
    pred: str | None
    kind: str


def align_reading(gt: str, pred: str) -> list[AlignedChar]:
    """The columns of ``pred`` aligned to ``gt``, in reading order: every character of
    both texts appears once, as written (case kept)."""
    truth = split_graphemes(normalize_text(gt))
    read = split_graphemes(normalize_text(pred))
    opcodes = Levenshtein.opcodes([c.lower() for c in truth], [c.lower() for c in read])
    columns: list[AlignedChar] = []
    for op, i0, i1, j0, j1 in opcodes.as_list():
        if op == 'delete':
            columns += [AlignedChar(t, None, DELETION) for t in truth[i0:i1]]
        elif op == 'insert':
            columns += [AlignedChar(None, r, INSERTION) for r in read[j0:j1]]
        else:  # 'equal' and 'replace' pair the characters one to one
            for t, r in zip(truth[i0:i1], read[j0:j1], strict=True):
                kind = MATCH if op == 'equal' else (
                    REJECTION if r == UNKNOWN_CHAR else SUBSTITUTION)
                columns.append(AlignedChar(t, r, kind))
    return columns
