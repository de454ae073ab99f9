"""Label spaces over a glyph charset: which prototypes a classifier sees and how labels
print; the per-batch open-set prototype sampler builds them at training time."""
from __future__ import annotations

import math
import random
from collections.abc import Iterable, Sequence

import numpy as np
from mmocr.registry import TASK_UTILS

from projects.wna.charset import UNKNOWN_CHAR, GlyphCharset, split_graphemes


class LabelSpace:
    """Prototypes ``charset.chars[char_index]`` with case clusters merged into labels.

    Labels are numbered ``0..L-1`` in the order in which the prototypes' masters first
    appear in ``char_index``; ``L`` (:attr:`unk_label`) is the UNK label. A label prints
    as its master character, UNK as ``'⑨'``.

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
        label_of_master: dict[int, int] = {}
        labels = []
        for i in self.char_index:
            master = int(charset.masters[i])
            labels.append(label_of_master.setdefault(master, len(label_of_master)))
        self.proto_labels = np.asarray(labels, dtype=np.int64)
        self.label_chars = [charset.chars[m] for m in label_of_master]
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


@TASK_UTILS.register_module(name='WnAPrototypeSampler')
class PrototypeSampler:
    """Per-batch prototype sampling: WnA's open-set simulation (MODEL.md 5.3).

    1. The distinct grapheme clusters of the batch's labels are shuffled.
    2. With budget ``min(capacity - num_special, floor(keep_fraction * #clusters))``
       walk them: skip clusters unknown to the charset; otherwise take the character's
       whole case cluster if the number of new characters fits the remaining budget.
    3. Fill up to ``capacity - num_special`` prototypes with random charset characters
       *unrelated* to any batch character (left-out ones included), so withheld
       characters never appear as negatives and must be read as UNK.

    Args:
        capacity: prototype capacity including special tokens (256).
        keep_fraction: fraction of the batch's distinct characters kept (0.8).
        num_special: special tokens counted against the capacity (upstream ``[s]``: 1);
            they are not classes.
        negatives_may_be_servants: allow upper-case servants as negatives.
        seed: base seed of the sampler's private RNGs; ``None`` draws it from Python's
            global ``random`` at construction (which MMEngine's ``randomness`` setting
            seeds before the model is built).

    With a ``step`` (the training iteration), a batch's draw depends only on ``(seed,
    step)``, so a run resumed from a checkpoint samples exactly the prototypes of an
    uninterrupted run; without one, draws continue one private stream.
    """

    def __init__(self, capacity: int = 256, keep_fraction: float = 0.8,
                 num_special: int = 1, negatives_may_be_servants: bool = True,
                 seed: int | None = None) -> None:
        if capacity - num_special < 1:
            raise ValueError('capacity must exceed num_special')
        self.capacity = capacity
        self.keep_fraction = keep_fraction
        self.num_special = num_special
        self.negatives_may_be_servants = negatives_may_be_servants
        self.seed = random.getrandbits(63) if seed is None else int(seed)
        self._stream = random.Random(self.seed)

    def sample(self, texts: Sequence[str], charset: GlyphCharset,
               step: int | None = None) -> LabelSpace:
        """The label space of one training batch with labels ``texts`` (drawn from
        ``(seed, step)`` when ``step`` is given)."""
        rng = self._stream if step is None else random.Random(f'{self.seed}/{step}')
        clusters = list(dict.fromkeys(g for t in texts for g in split_graphemes(t)))
        rng.shuffle(clusters)
        limit = self.capacity - self.num_special
        remaining = min(limit, math.floor(self.keep_fraction * len(clusters)))
        chosen: dict[int, None] = {}
        related: set[int] = set()
        for ch in clusters:
            if ch not in charset:
                continue
            group = charset.case_cluster(ch)
            related.update(group)
            new = [i for i in group if i not in chosen]
            if len(new) <= remaining:
                chosen.update(dict.fromkeys(new))
                remaining -= len(new)
        negatives = [i for i in range(len(charset))
                     if i not in related and (self.negatives_may_be_servants
                                              or charset.masters[i] == i)]
        rng.shuffle(negatives)
        chosen.update(dict.fromkeys(negatives[:max(0, limit - len(chosen))]))
        if not chosen:
            raise ValueError('no prototype could be sampled: the charset has no character '
                             'outside the batch and the batch has none inside it')
        return LabelSpace(charset, chosen)
