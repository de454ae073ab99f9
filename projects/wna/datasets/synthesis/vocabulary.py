"""The demo's word lists (``wordfreq``), restricted to the training charset where needed."""
from __future__ import annotations

from collections import Counter

import wordfreq

from projects.wna.charset import load_char_list
from projects.wna.charset.modes import is_han, is_kana

#: Longest text line (characters); short lines let the step attention align sooner.
MAX_CHARS = 6
#: Chinese training characters (with latin62: 162 characters, 136 case-merged labels).
TRAIN_CHINESE = 100


class Vocabulary:
    """Word lists for the demo, restricted to the training charset where needed.

    Args:
        num_train_chinese: how many of the most frequent GB2312 level-1 characters of the
            Chinese word list form the training charset (besides latin62).

    Attributes:
        train_chinese: the Chinese training characters, most frequent first.
        train_chars: ``train_chinese`` followed by latin62: the training charset.
        zh_words: Chinese words written with ``train_chinese`` only.
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
        self.train_chinese = [c for c, _ in weight.most_common(num_train_chinese)]
        train_set = set(self.train_chinese)
        self.train_chars = self.train_chinese + self.latin62
        self.zh_words = [w for w in zh if all(c in train_set for c in w)]
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
