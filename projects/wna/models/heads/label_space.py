"""Label spaces over a glyph charset: which prototypes a classifier sees and how labels
print."""
from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from projects.wna.charset import UNKNOWN_CHAR, GlyphCharset, number_labels, split_graphemes


class LabelSpace:
    """Prototypes ``charset.chars[char_index]`` with case clusters merged into labels.

    Labels are numbered ``0..L-1`` by ``number_labels`` (in the order in which the
    prototypes' masters first appear in ``char_index``); ``L`` (:attr:`unk_label`) is the
    UNK label. A label prints as its master character, UNK as ``'⑨'``.

    Attributes:
        charset: the source charset.
        char_index: int64 ``[K]`` prototype -> character index in ``charset``.
        proto_labels: int64 ``[K]`` prototype -> label.
        label_chars: ``L`` printable characters.
    """

    def __init__(self, charset: GlyphCharset, char_index: Iterable[int]) -> None:
        self.charset = charset
        self.char_index = np.asarray(list(char_index), dtype=np.int64)
        if len(self.char_index) == 0:
            raise ValueError('a label space needs at least one prototype')
        self.proto_labels, label_masters = number_labels(charset.masters[self.char_index])
        self.label_chars = [charset.chars[m] for m in label_masters]
        self._label_of = {charset.chars[i]: int(lab)
                          for i, lab in zip(self.char_index, self.proto_labels)}

    @classmethod
    def full(cls, charset: GlyphCharset) -> LabelSpace:
        """Every character of ``charset`` (the test-time label space)."""
        return cls(charset, range(len(charset)))

    @property
    def num_labels(self) -> int:
        """Number of character labels (UNK excluded)."""
        return len(self.label_chars)

    @property
    def unk_label(self) -> int:
        return len(self.label_chars)

    def encode(self, text: str) -> list[int]:
        """Labels of the grapheme clusters of ``text``; clusters without a prototype
        get :attr:`unk_label`."""
        return [self._label_of.get(g, self.unk_label) for g in split_graphemes(text)]

    def mask_text(self, text: str) -> str:
        """``text`` with every cluster that has no prototype replaced by '⑨'."""
        return ''.join(g if g in self._label_of else UNKNOWN_CHAR
                       for g in split_graphemes(text))

    def decode(self, labels: Sequence[int]) -> str:
        """Printable string of ``labels`` (masters; UNK as '⑨')."""
        return ''.join(self.label_chars[i] if i < self.unk_label else UNKNOWN_CHAR
                       for i in labels)
