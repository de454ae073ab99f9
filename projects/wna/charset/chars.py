"""Named character lists shipped with wna (``projects/wna/charset/data/*.txt``).

A list file is UTF-8 text with one character (extended grapheme cluster) per line; empty
lines are skipped, a line holding a single space registers the space. Lists shipped:

* ``gb2312_level1``: the 3755 level-1 Chinese characters of GB2312 (rows 16-55; ``t1_3755``);
* ``latin62``: ``A-Z a-z 0-9``;
* ``hiragana``: U+3041-U+3096 (small kana, ゔ, ゕ, ゖ included) and the iteration marks ゝ ゞ;
* ``katakana``: U+30A1-U+30FA (small kana, ヴ, ヵ, ヶ, ヷ-ヺ included), the long-vowel mark ー
  (a Katakana-block letter that only occurs inside kana words) and the iteration marks ヽ ヾ.
  The middle dot ・ is punctuation and is left out.
"""
from __future__ import annotations

import os
from collections.abc import Iterable

from .graphemes import normalize_text, split_graphemes

DATA_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'data')


def available_char_lists() -> list[str]:
    """Names accepted by :func:`load_char_list` besides file paths."""
    return sorted(f[:-4] for f in os.listdir(DATA_DIR) if f.endswith('.txt'))


def load_char_list(name_or_path: str | os.PathLike) -> list[str]:
    """Read a character list: a shipped list name (see :func:`available_char_lists`) or
    the path of a one-cluster-per-line UTF-8 file.

    Lines are read in Unicode NFC. Raises ``FileNotFoundError`` for an unknown name and
    ``ValueError`` naming the file and line for bytes that are not UTF-8 and for a line
    that is not exactly one grapheme cluster or repeats an earlier one.
    """
    path = os.fspath(name_or_path)
    if not os.path.isfile(path):
        shipped = os.path.join(DATA_DIR, f'{path}.txt')
        if not os.path.isfile(shipped):
            raise FileNotFoundError(
                f'no character list {path!r}: not a file and not one of '
                f'{available_char_lists()}')
        path = shipped
    with open(path, 'rb') as f:
        data = f.read()
    try:
        text = data.decode('utf-8')
    except UnicodeDecodeError as err:
        lineno = data.count(b'\n', 0, err.start) + 1
        raise ValueError(f'{path}:{lineno}: not UTF-8 text ({err.reason} at byte '
                         f'{err.start})') from None
    chars: list[str] = []
    seen: dict[str, int] = {}
    lines = text.replace('\r\n', '\n').replace('\r', '\n').split('\n')
    for lineno, line in enumerate(lines, start=1):
        line = normalize_text(line)
        if not line:
            continue
        clusters = split_graphemes(line)
        if len(clusters) != 1:
            raise ValueError(f'{path}:{lineno}: expected one character per line, got '
                             f'{len(clusters)} in {line!r}')
        if line in seen:
            raise ValueError(f'{path}:{lineno}: {line!r} repeats line {seen[line]} (lines '
                             'are compared in Unicode NFC)')
        seen[line] = lineno
        chars.append(line)
    return chars


def requested_chars(chars: str | Iterable[str] | None = None, char_file: str | None = None,
                    keep_whitespace: bool = False) -> list[str]:
    """The characters of ``chars`` (one string, split into grapheme clusters, or an
    iterable of characters, each taken whole) followed by those of ``char_file``
    (comma-separated shipped list names and/or paths of UTF-8 files with one character per
    line), in order, in Unicode NFC, without repeats.

    Whitespace characters are dropped unless ``keep_whitespace`` (a dictionary may hold a
    space, with a blank glyph; characters registered at inference time never do).
    """
    if isinstance(chars, str):
        out = split_graphemes(normalize_text(chars))
    else:
        out = [normalize_text(c) for c in chars or ()]
    for item in filter(None, (s.strip() for s in (char_file or '').split(','))):
        out += load_char_list(item)
    return [c for c in dict.fromkeys(out) if keep_whitespace or not c.isspace()]
