"""Writing the demo data: training and test LMDBs, the training charset, the four test
dictionaries and ``meta.json`` (see :mod:`projects.wna.datasets.synthesis`)."""
from __future__ import annotations

import json
import os
import shutil
import time
from collections import Counter
from collections.abc import Callable, Iterator
from typing import NamedTuple

import cv2
import numpy as np
from tqdm import tqdm

from projects.wna.charset import (
    MODES,
    GlyphRenderer,
    build_mode_charsets,
    default_font_path,
    distinct_chars,
    group_chars,
    save_mode_charsets,
)

from ..lmdb_io import read_labels, write_lmdb
from ..samplers import DEFAULT_BUCKETS, buckets_of
from .crops import FontBank, held_out_font_path, render_crop
from .lines import japanese_line, train_line
from .vocabulary import EXTRA_TRAIN_CHINESE, TRAIN_CHINESE, Vocabulary

TRAIN_PER_SIZE = 4000
TEST_PER_SIZE = 600
#: Test crops in the held-out typeface per unit of ``size``.
HELD_OUT_PER_SIZE = 300
#: Share of plain training / test crops (see :func:`~.crops.render_crop`).
CLEAN_SHARE = 0.9
TEST_CLEAN_SHARE = 0.5
#: The output folders (and ``dicts/``) under the demo root: ``train_NG_augmented`` holds
#: as many training crops as ``train_NG``, none of them plain (for a curriculum that moves
#: from the plain crops to scene-like ones).
OUTPUT_FOLDERS = ('train_NG', 'train_NG_augmented', 'test_jpn_hv', 'test_held_out_face',
                  'dicts')


class DemoData(NamedTuple):
    """What :func:`write_demo_data` wrote.

    Attributes:
        root: the demo root.
        meta: the content of ``meta.json``: seed, size, font, faces, seconds, per split
            the records, clean crops, horizontal / vertical lines and bucket counts, the
            training charset, the test character groups and the dictionaries.
        megabytes: the size of the LMDBs and dictionaries.
    """
    root: str
    meta: dict
    megabytes: float


def generate(rng: np.random.Generator, vocab: Vocabulary, fonts: FontBank, count: int,
             line_fn: Callable[[np.random.Generator, Vocabulary], tuple[str, bool]],
             stats: Counter, progress: tqdm,
             clean_share: float = 0.0) -> Iterator[tuple[bytes, str]]:
    """``count`` (PNG bytes, label) records, a ``clean_share`` of them clean renders;
    ``stats`` counts buckets (of the training sampler's table), orientations and clean
    crops."""
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


def held_out_lines(line_fn: Callable[[np.random.Generator, Vocabulary], tuple[str, bool]],
                   chars: frozenset[str], renderer: GlyphRenderer, stats: Counter
                   ) -> Callable[[np.random.Generator, Vocabulary], tuple[str, bool]]:
    """``line_fn`` redrawn until its text uses only ``chars`` that ``renderer``'s font
    draws (``stats['redrawn']`` counts the rejected lines)."""
    def line(rng: np.random.Generator, vocab: Vocabulary) -> tuple[str, bool]:
        for _ in range(1000):
            text, vertical = line_fn(rng, vocab)
            if all(c in chars and renderer.has_glyph(c) for c in text):
                return text, vertical
            stats['redrawn'] += 1
        raise RuntimeError(f'no line within the test characters after 1000 draws in '
                           f'{renderer.font_path}')
    return line


def write_demo_data(out: str, seed: int = 0, size: float = 1.0,
                    train_chinese: int = TRAIN_CHINESE, clean_share: float = CLEAN_SHARE,
                    test_clean_share: float = TEST_CLEAN_SHARE, font: str | None = None,
                    held_out_font: str | None = None, overwrite: bool = False,
                    extra_train_chinese: int = EXTRA_TRAIN_CHINESE) -> DemoData:
    """Write the demo data into ``out`` (layout in :mod:`projects.wna.datasets.synthesis`).

    Args:
        out: the demo root.
        seed: random seed; the same arguments give the same data.
        size: size multiplier: :data:`TRAIN_PER_SIZE` training crops in each of the two
            training sets and :data:`TEST_PER_SIZE` test crops per unit (at least one of
            each).
        train_chinese: number of Chinese training characters that test words may share
            (the most frequent of the word list).
        clean_share, test_clean_share: shares of plain crops in ``train_NG`` / the test
            sets (``train_NG_augmented`` has none).
        font: the font collection (default: Noto Sans CJK).
        held_out_font: the typeface of ``test_held_out_face`` (default:
            :func:`~.crops.held_out_font_path`), used for nothing else.
        overwrite: replace existing output folders.
        extra_train_chinese: number of further Chinese training characters, the next in
            frequency that no test line uses (:meth:`~.vocabulary.Vocabulary.widened`).

    Raises:
        FileExistsError: an output folder exists and ``overwrite`` is not set (its
            ``args`` are the existing paths).
    """
    start = time.time()
    font_path = font or default_font_path()
    paths = {name: os.path.join(out, name) for name in OUTPUT_FOLDERS}
    existing = [p for p in paths.values() if os.path.exists(p)]
    if existing and not overwrite:
        raise FileExistsError(existing)
    for p in existing:
        shutil.rmtree(p)
    held_out_path = held_out_font or held_out_font_path()
    vocab = Vocabulary(train_chinese)
    fonts = FontBank(font_path)
    num_train = max(1, round(TRAIN_PER_SIZE * size))
    num_test = max(1, round(TEST_PER_SIZE * size))
    num_held_out = max(1, round(HELD_OUT_PER_SIZE * size))
    stats = {'train': Counter(), 'train_augmented': Counter(), 'test': Counter(),
             'held_out': Counter()}
    with tqdm(total=2 * num_train + num_test + num_held_out, desc='rendering crops',
              unit='img') as progress:
        # the test sets first: the extra training characters are those they do not use
        write_lmdb(paths['test_jpn_hv'],
                   generate(np.random.default_rng([seed, 1]), vocab, fonts, num_test,
                            japanese_line, stats['test'], progress, test_clean_share))
        # the same kind of lines within the test characters, in a typeface never trained on
        test_chars = frozenset(distinct_chars(read_labels(paths['test_jpn_hv'])))
        line_fn = held_out_lines(japanese_line, test_chars, GlyphRenderer(held_out_path, 0),
                                 stats['held_out'])
        write_lmdb(paths['test_held_out_face'],
                   generate(np.random.default_rng([seed, 2]), vocab, FontBank(held_out_path),
                            num_held_out, line_fn, stats['held_out'], progress,
                            test_clean_share))
        train_vocab = vocab.widened(extra_train_chinese, test_chars)
        write_lmdb(paths['train_NG'],
                   generate(np.random.default_rng([seed, 0]), train_vocab, fonts, num_train,
                            train_line, stats['train'], progress, clean_share))
        write_lmdb(paths['train_NG_augmented'],
                   generate(np.random.default_rng([seed, 3]), train_vocab, fonts, num_train,
                            train_line, stats['train_augmented'], progress))

    renderer = GlyphRenderer(font_path, 0)
    train_charset, missing = renderer.build_charset(train_vocab.train_chars,
                                                    meta={'demo_seed': seed})
    if missing:
        raise RuntimeError(f'training characters without glyph: {missing}')
    train_charset.save(os.path.join(paths['dicts'], 'train.npz'))
    groups = group_chars(test_chars, train_charset.char_set)
    dicts, missing = build_mode_charsets(groups, renderer, meta={'demo_seed': seed})
    if missing:
        raise RuntimeError(f'test characters without glyph: {missing}')
    save_mode_charsets(dicts, paths['dicts'], 'jpnhv')

    meta = {
        'seed': seed, 'size': size, 'font': os.path.basename(font_path),
        'faces': fonts.faces, 'seconds': round(time.time() - start, 1),
        'train': {'records': num_train, **stats['train']},
        'train_augmented': {'records': num_train, **stats['train_augmented']},
        'test': {'records': num_test, **stats['test']},
        'held_out_face': {'font': os.path.basename(held_out_path), 'records': num_held_out,
                          **stats['held_out']},
        'train_charset': {'chars': len(train_charset), 'labels': train_charset.num_labels,
                          'chinese': len(train_vocab.train_chinese),
                          'chinese_shared_with_test': len(vocab.train_chinese)},
        'test_groups': {g: len(v) for g, v in groups.items()},
        'dicts': {m: {'chars': len(c), 'labels': c.num_labels, 'has_unk': MODES[m].has_unk}
                  for m, c in dicts.items()},
    }
    with open(os.path.join(out, 'meta.json'), 'w', encoding='utf-8') as f:
        json.dump(meta, f, indent=2, ensure_ascii=False)
    megabytes = sum(os.path.getsize(os.path.join(root, f))
                    for p in paths.values() for root, _, files in os.walk(p) for f in files) / 2**20
    return DemoData(out, meta, megabytes)


def describe_demo_data(data: DemoData) -> str:
    """What was written, in a few lines: counts, size and time, buckets per split."""
    meta = data.meta
    lines = [f'wrote {meta["train"]["records"]} + {meta["train_augmented"]["records"]} '
             f'training and {meta["test"]["records"]} test crops, {len(meta["dicts"])} test '
             f'dictionaries to {data.root} ({data.megabytes:.1f} MB) in '
             f'{meta["seconds"]:.1f} s']
    names = dict(train=f'train ({meta["train"].get("clean", 0)} plain)',
                 train_augmented='train, augmented only', test='test',
                 held_out_face=f'test in {meta["held_out_face"]["font"]} (held-out typeface)')
    for split, name in names.items():
        counts = ', '.join(f'{b["name"]} {meta[split].get(b["name"], 0)}'
                           for b in DEFAULT_BUCKETS)
        lines.append(f'  {name}: {meta[split]["records"]} crops, buckets {counts}; '
                     f'vertical lines {meta[split].get("vertical", 0)}')
    return '\n'.join(lines)
