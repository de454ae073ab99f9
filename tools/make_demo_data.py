"""Generate the embedded demo data: a MOOSTR-like miniature with synthetic scene text.

Training lines are Chinese words, English words (mixed case) and numbers written with a
small training charset (the 100 most frequent GB2312 level-1 characters of the Chinese
word list plus latin62: 136 case-merged labels, so that each is seen often on a CPU);
test lines are Japanese words mixing kanji shared with the training charset, unseen
kanji, hiragana, katakana and some Latin. Lines are horizontal, vertical (one character
per row, top to bottom) or near-square (1-2 characters), at most 6 characters long, so
that all three aspect-ratio buckets (W/H in [2, 9999], [0.5, 2], [-100, 0.5]) are
populated. Words come from the ``wordfreq`` lists; crops are rendered with the faces of
the Noto Sans CJK collection in varied sizes, colours and backgrounds (plain, gradient,
noise) with slight rotation, shadow, blur and noise, and stored as PNG bytes encoded from
BGR, as upstream.
Most training crops (``--clean-share``, 0.9) and half of the test crops
(``--test-clean-share``) are plain: a Noto Sans CJK face, black on white or white on
black, without effects. On 2 CPU cores the demo twin reads after 1500 iterations (GZSL
line accuracy 26 %); with 400 Chinese characters, 30 % plain crops and lines of up to 10
characters it read nothing after 5000.

Output layout (``--out``, default ``data/wna_demo``)::

    train_NG/            training LMDB (0-indexed)
    test_jpn_hv/         test LMDB (0-indexed)
    dicts/train.npz      training charset (face 0)
    dicts/jpnhv_{gzsl,osr,gosr,ostr}.npz   test dictionaries
    meta.json            counts, seed, font, timing

Example::

    python tools/make_demo_data.py --out data/wna_demo --seed 0 --size 1
"""
from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence

import cv2
import numpy as np
import wordfreq
from PIL import Image, ImageDraw, ImageFont
from tqdm import tqdm

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from projects.wna.charset import (  # noqa: E402
    MODES,
    GlyphRenderer,
    build_mode_charsets,
    default_font_path,
    distinct_chars,
    group_chars,
    load_char_list,
)
from projects.wna.charset.modes import is_han, is_kana  # noqa: E402
from projects.wna.datasets.lmdb_io import read_labels, write_lmdb  # noqa: E402

TRAIN_PER_SIZE = 4000
TEST_PER_SIZE = 600
NUM_FACES = 10  # Noto Sans CJK: JP KR SC TC HK and their Mono variants
TEXT_SIZES = (22, 25, 28, 31, 34)  # font sizes in pixels
#: Longest text line (characters); short lines let the step attention align sooner.
MAX_CHARS = 6
#: Chinese training characters (with latin62: 162 characters, 136 case-merged labels).
TRAIN_CHINESE = 100
#: Share of plain training / test crops (see ``render_crop``).
CLEAN_SHARE = 0.9
TEST_CLEAN_SHARE = 0.5
#: Characters drawn turned by 90 degrees in vertical lines (as vertical typesetting does).
TURN_IN_VERTICAL = frozenset('ー〜～')

BUCKETS = {'hori': (2.0, 9999.0), 'rect': (0.5, 2.0), 'vert': (-100.0, 0.5)}


def buckets_of(width: int, height: int) -> list[str]:
    """The aspect-ratio buckets (closed W/H ranges) an image of this size joins."""
    ratio = width / height
    return [b for b, (lo, hi) in BUCKETS.items() if lo <= ratio <= hi]


# ----------------------------------------------------------------------------- vocabulary
class Vocabulary:
    """Word lists for the demo, restricted to the training charset where needed.

    Args:
        num_train_chinese: how many of the most frequent GB2312 level-1 characters of the
            Chinese word list form the training charset (besides latin62).
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


# ------------------------------------------------------------------------------ text lines
def pick(rng: np.random.Generator, items: Sequence[str]) -> str:
    return items[int(rng.integers(len(items)))]


def words_line(rng: np.random.Generator, words: Sequence[str], lo: int, hi: int) -> str:
    """Concatenated random words cut to a random length in ``[lo, hi]`` characters."""
    target = int(rng.integers(lo, hi + 1))
    text = ''
    while len(text) < target:
        text += pick(rng, words)
    return text[:target]


def mixed_case(rng: np.random.Generator, word: str) -> str:
    style = rng.random()
    return word.upper() if style < 0.2 else word.capitalize() if style < 0.6 else word


def number(rng: np.random.Generator, lo: int, hi: int) -> str:
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


# ------------------------------------------------------------------------------- rendering
class FontBank:
    """PIL fonts of the Noto Sans CJK collection, cached per (face, size)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._fonts: dict[tuple[int, int], ImageFont.FreeTypeFont] = {}

    def get(self, face: int, size: int) -> ImageFont.FreeTypeFont:
        key = (face, size)
        if key not in self._fonts:
            self._fonts[key] = ImageFont.truetype(self.path, size, index=face)
        return self._fonts[key]


def draw_mask(text: str, font: ImageFont.FreeTypeFont) -> np.ndarray:
    """A tight uint8 ink mask of ``text`` written horizontally."""
    left, top, right, bottom = font.getbbox(text)
    image = Image.new('L', (max(1, right - left), max(1, bottom - top)), 0)
    ImageDraw.Draw(image).text((-left, -top), text, fill=255, font=font)
    return np.asarray(image)


def vertical_mask(text: str, font: ImageFont.FreeTypeFont, size: int,
                  rng: np.random.Generator) -> np.ndarray:
    """Characters stacked top to bottom, each centred in a ``size``-wide column."""
    advance = int(round(size * rng.uniform(1.0, 1.15)))
    column = np.zeros((advance * len(text), size + 4), np.uint8)
    for row, char in enumerate(text):
        glyph = draw_mask(char, font)
        if char in TURN_IN_VERTICAL:
            glyph = np.rot90(glyph, -1)
        h, w = min(glyph.shape[0], advance), min(glyph.shape[1], column.shape[1])
        top = row * advance + (advance - h) // 2
        left = (column.shape[1] - w) // 2
        column[top:top + h, left:left + w] = np.maximum(column[top:top + h, left:left + w],
                                                         glyph[:h, :w])
    return column


def rotate_mask(mask: np.ndarray, angle: float) -> np.ndarray:
    """Rotate by ``angle`` degrees about the centre, growing the canvas to keep all ink."""
    h, w = mask.shape
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    cos, sin = abs(matrix[0, 0]), abs(matrix[0, 1])
    nw, nh = int(math.ceil(w * cos + h * sin)), int(math.ceil(w * sin + h * cos))
    matrix[0, 2] += (nw - w) / 2
    matrix[1, 2] += (nh - h) / 2
    return cv2.warpAffine(mask, matrix, (nw, nh), flags=cv2.INTER_LINEAR)


def luminance(colour: np.ndarray) -> float:
    return float(colour @ np.array([0.114, 0.587, 0.299]))  # BGR


def background(rng: np.random.Generator, h: int, w: int, colour: np.ndarray) -> np.ndarray:
    """A float BGR background: plain, a linear gradient, or smooth noise around ``colour``."""
    kind = rng.random()
    base = np.broadcast_to(colour.astype(np.float32), (h, w, 3)).copy()
    if kind < 0.4:
        return base
    if kind < 0.7:
        other = np.clip(colour + rng.integers(-70, 71, 3), 0, 255).astype(np.float32)
        theta = rng.uniform(0, 2 * np.pi)
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        ramp = xx * np.cos(theta) + yy * np.sin(theta)
        ramp = (ramp - ramp.min()) / max(float(np.ptp(ramp)), 1.0)
        return base * (1 - ramp[..., None]) + other * ramp[..., None]
    amplitude, shape = rng.uniform(15, 35), (max(2, h // 6), max(2, w // 6))
    coarse = rng.normal(0, amplitude, (*shape, 1)) + rng.normal(0, amplitude / 3, (*shape, 3))
    return base + cv2.resize(coarse.astype(np.float32), (w, h), interpolation=cv2.INTER_CUBIC)


def render_crop(rng: np.random.Generator, fonts: FontBank, text: str,
                vertical: bool, clean: bool = False) -> np.ndarray:
    """A synthetic scene-text crop of ``text``: uint8 BGR ``[H, W, 3]``.

    ``clean`` crops are plain: the glyph dictionaries' face, black on white or white on
    black, upright, without shadow, blur or noise (they bridge glyphs and scene text).
    """
    size = int(rng.choice(TEXT_SIZES))
    font = fonts.get(0 if clean else int(rng.integers(NUM_FACES)), size)
    mask = vertical_mask(text, font, size, rng) if vertical else draw_mask(text, font)
    if not clean:
        mask = rotate_mask(mask, float(np.clip(rng.normal(0, 1.5), -4, 4)))
    pads = (rng.uniform(0.08, 0.35, 4) * size).astype(int) + 1  # top, bottom, left, right
    mask = np.pad(mask, ((pads[0], pads[1]), (pads[2], pads[3]))).astype(np.float32) / 255
    h, w = mask.shape
    if clean:
        ink = 255.0 * (rng.random() < 0.5)
        return np.repeat(((255 - ink) * (1 - mask) + ink * mask)[..., None], 3,
                         axis=2).round().astype(np.uint8)
    bg_colour = rng.integers(0, 256, 3)
    fg_colour = rng.integers(0, 256, 3)
    for _ in range(20):
        if abs(luminance(fg_colour) - luminance(bg_colour)) > 90:
            break
        fg_colour = rng.integers(0, 256, 3)
    else:
        fg_colour = np.full(3, 0 if luminance(bg_colour) > 127 else 255)
    image = background(rng, h, w, bg_colour)
    if rng.random() < 0.2:  # drop shadow
        dy, dx = rng.integers(1, 3, 2)
        shadow = np.roll(mask, (int(dy), int(dx)), axis=(0, 1))[..., None] * 0.6
        image = image * (1 - shadow) + (255 - fg_colour.astype(np.float32)) * 0.3 * shadow
    image = image * (1 - mask[..., None]) + fg_colour.astype(np.float32) * mask[..., None]
    if rng.random() < 0.25:
        image = cv2.GaussianBlur(image, (0, 0), rng.uniform(0.5, 1.2))
    if rng.random() < 0.15:  # sensor noise, on few crops only: it defeats PNG compression
        image = image + rng.normal(0, rng.uniform(1, 3), image.shape)
    return np.clip(image, 0, 255).astype(np.uint8)


# ---------------------------------------------------------------------------------- driver
def generate(rng: np.random.Generator, vocab: Vocabulary, fonts: FontBank, count: int,
             line_fn: Callable[[np.random.Generator, Vocabulary], tuple[str, bool]],
             stats: Counter, progress: tqdm,
             clean_share: float = 0.0) -> Iterator[tuple[bytes, str]]:
    """``count`` (PNG bytes, label) records, a ``clean_share`` of them clean renders;
    ``stats`` counts buckets, orientations and clean crops."""
    for _ in range(count):
        text, vertical = line_fn(rng, vocab)
        clean = clean_share > 0 and bool(rng.random() < clean_share)
        if clean:
            stats['clean'] += 1
        image = render_crop(rng, fonts, text, vertical, clean)
        ok, png = cv2.imencode('.png', image)
        if not ok:
            raise RuntimeError(f'PNG encoding failed for {text!r}')
        stats['vertical' if vertical else 'horizontal'] += 1
        stats.update(buckets_of(image.shape[1], image.shape[0]))
        progress.update()
        yield png.tobytes(), text


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Write the wna demo data (small training/test LMDBs and dictionaries).')
    parser.add_argument('--out', default='data/wna_demo', help='demo root (default data/wna_demo)')
    parser.add_argument('--seed', type=int, default=0, help='random seed (default 0)')
    parser.add_argument('--size', type=float, default=1.0,
                        help=f'size multiplier: {TRAIN_PER_SIZE} training and {TEST_PER_SIZE} '
                        'test crops per unit (default 1)')
    parser.add_argument('--train-chinese', type=int, default=TRAIN_CHINESE,
                        help='number of Chinese training characters (the most frequent of '
                        f'the word list; default {TRAIN_CHINESE})')
    parser.add_argument('--clean-share', type=float, default=CLEAN_SHARE,
                        help='share of plain training crops (glyph face, black/white, no '
                        f'effects; default {CLEAN_SHARE})')
    parser.add_argument('--test-clean-share', type=float, default=TEST_CLEAN_SHARE,
                        help=f'share of plain test crops (default {TEST_CLEAN_SHARE})')
    parser.add_argument('--font', help='font collection (default: Noto Sans CJK TTC)')
    parser.add_argument('--overwrite', action='store_true',
                        help='replace train_NG/, test_jpn_hv/ and dicts/ if they exist')
    args = parser.parse_args(argv)
    if args.size <= 0:
        parser.error('--size must be positive')
    for name in ('clean_share', 'test_clean_share'):
        if not 0 <= getattr(args, name) <= 1:
            parser.error(f'--{name.replace("_", "-")} must be in [0, 1]')
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    start = time.time()
    font_path = args.font or default_font_path()
    paths = {name: os.path.join(args.out, name) for name in ('train_NG', 'test_jpn_hv', 'dicts')}
    existing = [p for p in paths.values() if os.path.exists(p)]
    if existing and not args.overwrite:
        print(f'error: {existing} already exist; pass --overwrite to replace them',
              file=sys.stderr)
        return 1
    for p in existing:
        shutil.rmtree(p)
    vocab = Vocabulary(args.train_chinese)
    fonts = FontBank(font_path)
    num_train = max(1, round(TRAIN_PER_SIZE * args.size))
    num_test = max(1, round(TEST_PER_SIZE * args.size))
    stats = {'train': Counter(), 'test': Counter()}
    with tqdm(total=num_train + num_test, desc='rendering crops', unit='img') as progress:
        write_lmdb(paths['train_NG'],
                   generate(np.random.default_rng([args.seed, 0]), vocab, fonts, num_train,
                            train_line, stats['train'], progress, args.clean_share))
        write_lmdb(paths['test_jpn_hv'],
                   generate(np.random.default_rng([args.seed, 1]), vocab, fonts, num_test,
                            japanese_line, stats['test'], progress, args.test_clean_share))

    renderer = GlyphRenderer(font_path, 0)
    train_charset, missing = renderer.build_charset(vocab.train_chars,
                                                    meta={'demo_seed': args.seed})
    if missing:
        raise RuntimeError(f'training characters without glyph: {missing}')
    train_charset.save(os.path.join(paths['dicts'], 'train.npz'))
    groups = group_chars(distinct_chars(read_labels(paths['test_jpn_hv'])),
                         train_charset.char_set)
    dicts, missing = build_mode_charsets(groups, renderer, meta={'demo_seed': args.seed})
    if missing:
        raise RuntimeError(f'test characters without glyph: {missing}')
    for mode, charset in dicts.items():
        charset.save(os.path.join(paths['dicts'], f'jpnhv_{mode}.npz'))

    elapsed = time.time() - start
    meta = {
        'seed': args.seed, 'size': args.size, 'font': os.path.basename(font_path),
        'faces': NUM_FACES, 'seconds': round(elapsed, 1),
        'train': {'records': num_train, **stats['train']},
        'test': {'records': num_test, **stats['test']},
        'train_charset': {'chars': len(train_charset), 'labels': train_charset.num_labels,
                          'chinese': len(vocab.train_chinese)},
        'test_groups': {g: len(v) for g, v in groups.items()},
        'dicts': {m: {'chars': len(c), 'labels': c.num_labels, 'has_unk': MODES[m].has_unk}
                  for m, c in dicts.items()},
    }
    with open(os.path.join(args.out, 'meta.json'), 'w', encoding='utf-8') as f:
        json.dump(meta, f, indent=2, ensure_ascii=False)
    megabytes = sum(os.path.getsize(os.path.join(root, f))
                    for p in paths.values() for root, _, files in os.walk(p) for f in files) / 2**20
    print(f'wrote {num_train} training and {num_test} test crops, {len(dicts)} test '
          f'dictionaries to {args.out} ({megabytes:.1f} MB) in {elapsed:.1f} s')
    for split in ('train', 'test'):
        counts = ', '.join(f'{b} {stats[split][b]}' for b in BUCKETS)
        print(f'  {split}: buckets {counts}; vertical lines {stats[split]["vertical"]}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
