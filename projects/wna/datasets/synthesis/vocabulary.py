"""The demo's word lists (``wordfreq``), restricted to the training charset where needed."""
from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Collection

import wordfreq

from projects.wna.charset import load_char_list
from projects.wna.charset.modes import is_han, is_kana

#: Longest text line (characters); short lines let the step attention align sooner.
MAX_CHARS = 6
#: Chinese characters that Japanese test words may share with training (with latin62: 162
#: characters, 136 case-merged labels).
TRAIN_CHINESE = 100
#: Further Chinese training characters, the next in frequency that no test line uses: more
#: classes to learn glyph matching from, the test sets unchanged (docs/demo.md).
EXTRA_TRAIN_CHINESE = 300


class Vocabulary:
    """Word lists for the demo, restricted to the training charset where needed.

    Args:
        num_train_chinese: how many of the most frequent GB2312 level-1 characters of the
            Chinese word list form the training charset (besides latin62).

    Attributes:
        train_chinese: the Chinese training characters, most frequent first.
        train_chars: ``train_chinese`` followed by latin62: the training charset.
        zh_words: Chinese words written with ``train_chinese`` only.
        ranked_chinese: every GB2312 level-1 character of the Chinese word list, most
            frequent first (``train_chinese`` is its head).
        en_words: English words of 2 to :data:`MAX_CHARS` ASCII letters.
        ja_words: Japanese words by group: ``shared`` (kanji of the training charset
            only), ``shared_kana`` (such kanji and kana), ``unique`` (with a kanji outside
            the training charset) and ``kana`` (kana only).
    """

    def __init__(self, num_train_chinese: int) -> None:
        gb2312 = set(load_char_list('gb2312_level1'))
        self.latin62 = load_char_list('latin62')
        zh = wordfreq.top_n_list('zh', 30000)
        weight: Counter[str] = Counter()
        for rank, word in enumerate(zh):
            for c in word:
                if c in gb2312:
                    weight[c] += 1.0 / (rank + 10)
        self.ranked_chinese = [c for c, _ in weight.most_common()]
        self._zh = zh
        self._train_on(self.ranked_chinese[:num_train_chinese])
        train_set = set(self.train_chinese)
        self.en_words = [w for w in wordfreq.top_n_list('en', 5000)
                         if w.isascii() and w.isalpha() and 2 <= len(w) <= MAX_CHARS]
        latin = set(self.latin62)
        ja = [w for w in wordfreq.top_n_list('ja', 30000)
              if w and all(is_han(c) or is_kana(c) or c in latin for c in w)]
        self.ja_words = {
            'shared': [w for w in ja if all(c in train_set for c in w)],
            'shared_kana': [w for w in ja if any(c in train_set for c in w)
                            and any(is_kana(c) for c in w)
                            and all(c in train_set or is_kana(c) for c in w)],
            'unique': [w for w in ja if any(is_han(c) and c not in train_set for c in w)],
            'kana': [w for w in ja if all(is_kana(c) for c in w)],
        }
        empty = [k for k, v in self.ja_words.items() if not v]
        if not self.zh_words or empty:
            raise RuntimeError(f'word lists too small for {num_train_chinese} training '
                               f'characters (empty: {empty or ["zh"]})')

    def widened(self, count: int, exclude: Collection[str]) -> Vocabulary:
        """A copy whose training charset adds the ``count`` most frequent Chinese
        characters after ``train_chinese`` that are not in ``exclude`` (the test
        characters), with ``zh_words`` over the wider set; ``ja_words`` stay as they are,
        so test lines drawn from either vocabulary are the same."""
        taken = set(self.train_chinese)
        extra = [c for c in self.ranked_chinese if c not in taken and c not in exclude][:count]
        if len(extra) < count:
            raise RuntimeError(f'only {len(extra)} Chinese characters outside the test '
                               f'characters remain, {count} asked')
        wide = copy.copy(self)
        wide._train_on(self.train_chinese + extra)
        return wide

    def _train_on(self, chinese: list[str]) -> None:
        """Set ``train_chinese``, ``train_chars`` and ``zh_words`` for these characters."""
        self.train_chinese = chinese
        self.train_chars = chinese + self.latin62
        chosen = set(chinese)
        self.zh_words = [w for w in self._zh if all(c in chosen for c in w)]
