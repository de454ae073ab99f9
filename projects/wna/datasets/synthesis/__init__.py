"""The embedded demo data: a MOOSTR-like miniature with synthetic scene text.

Training lines are Chinese words, English words (mixed case) and numbers written with a
small training charset (the 100 most frequent GB2312 level-1 characters of the Chinese
word list, the next 300 that no test line uses, and latin62: 462 characters, 436
case-merged labels, so that each is seen often on a CPU); test lines are Japanese words
mixing kanji shared with the first 100, unseen kanji, hiragana, katakana and some Latin.
The test sets are drawn first and do not depend on the 300 extra characters, which give
the glyph matching more classes to learn from (docs/demo.md). Lines are horizontal,
vertical (one character per row, top to bottom) or near-square (1-2 characters), at most
6 characters long, so that all three aspect-ratio buckets of the training sampler
(:data:`~projects.wna.datasets.DEFAULT_BUCKETS`) are populated. Words come from the
``wordfreq`` lists; crops are rendered with the faces of the Noto Sans CJK collection in
varied sizes, colours and backgrounds (plain, gradient, noise) with slight rotation,
shadow, blur and noise, and stored as PNG bytes encoded from BGR, as upstream.
Most crops of ``train_NG`` (``clean_share``, 0.9) and half of the test crops
(``test_clean_share``) are plain: a Noto Sans CJK face, black on white or white on
black, without effects; ``train_NG_augmented`` has as many training crops, none plain
(the curriculum variant of the demo config moves from the first to a mix of both). A held-out test
set draws lines of the test characters in another typeface (IPAex Gothic). What the demo
twin reads after 1800 iterations on 2 CPU cores is in docs/demo.md; an early recipe (the
rejection threshold at the base learning rate) read nothing after 5000 with 400 Chinese
characters that test words shared, 30 % plain crops and lines of up to 10 characters.

Output layout (:func:`write_demo_data`; ``tools/make_demo_data.py --out``, default
``data/wna_demo``)::

    train_NG/            training LMDB (0-indexed)
    train_NG_augmented/  training LMDB, no plain crops (0-indexed)
    test_jpn_hv/         test LMDB (0-indexed)
    test_held_out_face/  test LMDB: lines of the test characters in IPAex Gothic, a
                         typeface used for nothing else (0-indexed)
    dicts/train.npz      training charset (face 0)
    dicts/jpnhv_{gzsl,osr,gosr,ostr}.npz   test dictionaries
    meta.json            counts, seed, font, timing

Modules: ``vocabulary`` (word lists), ``lines`` (random text lines), ``crops`` (rendering),
``demo`` (the records, the LMDBs, the dictionaries and ``meta.json``).
"""
from .crops import FontBank, held_out_font_path, render_crop
from .demo import (
    CLEAN_SHARE,
    HELD_OUT_PER_SIZE,
    OUTPUT_FOLDERS,
    TEST_CLEAN_SHARE,
    TEST_PER_SIZE,
    TRAIN_PER_SIZE,
    DemoData,
    describe_demo_data,
    write_demo_data,
)
from .lines import japanese_line, train_line
from .vocabulary import EXTRA_TRAIN_CHINESE, MAX_CHARS, TRAIN_CHINESE, Vocabulary

__all__ = [
    'FontBank', 'held_out_font_path', 'render_crop', 'CLEAN_SHARE', 'HELD_OUT_PER_SIZE',
    'OUTPUT_FOLDERS', 'TEST_CLEAN_SHARE', 'TEST_PER_SIZE',
    'TRAIN_PER_SIZE', 'DemoData', 'describe_demo_data', 'write_demo_data', 'japanese_line',
    'train_line', 'EXTRA_TRAIN_CHINESE', 'MAX_CHARS', 'TRAIN_CHINESE', 'Vocabulary'
]
