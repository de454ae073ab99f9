"""Random text lines of the demo: Chinese / English / numbers for training, Japanese for
testing, each with whether it is written vertically."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .vocabulary import MAX_CHARS, Vocabulary


def pick(rng: np.random.Generator, items: Sequence[str]) -> str:
    """One item, uniformly."""
    return items[int(rng.integers(len(items)))]


def words_line(rng: np.random.Generator, words: Sequence[str], lo: int, hi: int) -> str:
    """Concatenated random words cut to a random length in ``[lo, hi]`` characters."""
    target = int(rng.integers(lo, hi + 1))
    text = ''
    while len(text) < target:
        text += pick(rng, words)
    return text[:target]


def mixed_case(rng: np.random.Generator, word: str) -> str:
    """``word`` upper-cased (20 %), capitalised (40 %) or as it is."""
    style = rng.random()
    return word.upper() if style < 0.2 else word.capitalize() if style < 0.6 else word


def number(rng: np.random.Generator, lo: int, hi: int) -> str:
    """Random digits, ``lo`` to ``hi`` of them."""
    return ''.join(str(d) for d in rng.integers(0, 10, int(rng.integers(lo, hi + 1))))


def train_line(rng: np.random.Generator, vocab: Vocabulary) -> tuple[str, bool]:
    """One training text and whether it is written vertically."""
    kind = rng.random()
    if kind < 0.30:
        return words_line(rng, vocab.zh_words, 3, MAX_CHARS), False
    if kind < 0.57:
        return words_line(rng, vocab.zh_words, 3, MAX_CHARS), True
    if kind < 0.75:  # near-square: one or two characters
        text = (words_line(rng, vocab.zh_words, 1, 2) if rng.random() < 0.7
                else pick(rng, vocab.latin62) if rng.random() < 0.5 else number(rng, 2, 2))
        return text, len(text) == 2 and rng.random() < 0.3
    if kind < 0.90:
        return mixed_case(rng, pick(rng, vocab.en_words)), False
    if kind < 0.95:
        text = number(rng, 2, MAX_CHARS) if rng.random() < 0.6 else \
            pick(rng, vocab.latin62[:26]) + number(rng, 2, 4)
        return text, len(text) >= 3 and rng.random() < 0.3
    return number(rng, 1, 3) + words_line(rng, vocab.zh_words, 1, 3), False


def japanese_line(rng: np.random.Generator, vocab: Vocabulary) -> tuple[str, bool]:
    """One Japanese test text (shared kanji dominate) and whether it is vertical."""
    kind = rng.random()
    if kind < 0.08:
        return (mixed_case(rng, pick(rng, vocab.en_words)) if rng.random() < 0.6
                else number(rng, 2, 4)), False
    group = ('shared' if kind < 0.50 else 'shared_kana' if kind < 0.67
             else 'unique' if kind < 0.83 else 'kana')
    text = words_line(rng, vocab.ja_words[group], 1, MAX_CHARS)
    if len(text) <= 2:
        return text, len(text) == 2 and rng.random() < 0.3
    return text, rng.random() < 0.4
