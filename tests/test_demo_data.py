"""tools/make_demo_data.py at a tiny size: LMDB layout, labels, buckets, dictionaries."""
import json
from collections import Counter

import cv2
import numpy as np
import pytest
from conftest import load_tool

from projects.wna.charset import GlyphCharset, GlyphRenderer, default_font_path, split_graphemes
from projects.wna.charset.modes import is_han, is_kana
from projects.wna.datasets import buckets_of
from projects.wna.datasets.lmdb_io import open_lmdb_readonly, read_labels
from projects.wna.datasets.synthesis import FontBank, held_out_font_path, render_crop

make_demo_data = load_tool('make_demo_data')


def read_records(path):
    env = open_lmdb_readonly(path)
    with env.begin() as txn:
        n = int(txn.get(b'num-samples'))
        assert txn.get(b'image-%09d' % 0) is not None  # NG layout: 0-indexed
        records = [(txn.get(b'image-%09d' % i), txn.get(b'label-%09d' % i).decode())
                   for i in range(n)]
    env.close()
    return records


def buckets(png):
    assert png[:8] == b'\x89PNG\r\n\x1a\n'
    image = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_COLOR)
    assert image.ndim == 3 and min(image.shape[:2]) >= 8 and max(image.shape[:2]) >= 14
    return buckets_of(image.shape[1], image.shape[0])


@pytest.fixture(scope='module')
def demo(tmp_path_factory):
    root = tmp_path_factory.mktemp('demo') / 'wna_demo'
    assert make_demo_data.main(['--out', str(root), '--size', '0.05', '--seed', '3',
                                '--train-chinese', '300']) == 0
    return root


def test_train_set(demo):
    records = read_records(demo / 'train_NG')
    assert len(records) == 200
    train = GlyphCharset.from_npz(demo / 'dicts' / 'train.npz')
    # 300 characters the test words may share, 300 more that no test line uses, latin62
    assert len(train) == 300 + 300 + 62 and train.num_labels == 300 + 300 + 36
    for _, label in records:
        assert label and all(c in train for c in split_graphemes(label))
    counts = Counter(b for png, _ in records for b in buckets(png))
    assert all(counts[b] >= 30 for b in ('hori', 'rect', 'vert')), counts
    assert any(c.isupper() for _, label in records for c in label)
    assert any(c.isdigit() for _, label in records for c in label)
    # the second training set: as many crops, other lines, none plain
    augmented = read_records(demo / 'train_NG_augmented')
    assert len(augmented) == 200 and {lab for _, lab in augmented} != {lab for _, lab in records}
    assert all(c in train for _, label in augmented for c in split_graphemes(label))
    meta = json.loads((demo / 'meta.json').read_text(encoding='utf-8'))
    assert meta['train_augmented']['records'] == 200
    assert 'clean' not in meta['train_augmented'] and meta['train']['clean'] > 100


def test_augmented_crops_are_not_plain(demo):
    """Plain crops are grey (B = G = R) with a white or black background; augmented ones
    are coloured, or at least not black on white / white on black."""
    def plain(png):
        image = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_COLOR).astype(int)
        grey = (image == image[..., :1]).all()
        return grey and np.isin(image[0, 0, 0], (0, 255))

    assert sum(map(plain, (png for png, _ in read_records(demo / 'train_NG_augmented')))) < 10
    assert sum(map(plain, (png for png, _ in read_records(demo / 'train_NG')))) > 150


def test_test_set_and_dicts(demo):
    records = read_records(demo / 'test_jpn_hv')
    assert len(records) == 30
    counts = Counter(b for png, _ in records for b in buckets(png))
    assert counts['hori'] and counts['vert'], counts
    chars = [c for _, label in records for c in split_graphemes(label)]
    train = GlyphCharset.from_npz(demo / 'dicts' / 'train.npz')
    shared = sum(is_han(c) and c in train for c in chars)
    assert shared > sum(is_han(c) and c not in train for c in chars)
    assert any(is_kana(c) for c in chars)
    dicts = {m: GlyphCharset.from_npz(demo / 'dicts' / f'jpnhv_{m}.npz')
             for m in ('gzsl', 'osr', 'gosr', 'ostr')}
    assert all(c in dicts['gzsl'] for c in chars)
    assert all(is_han(c) for c in dicts['ostr'].chars)
    assert not any(is_kana(c) for c in dicts['gosr'].chars)
    assert set(dicts['osr'].chars) <= set(train.chars)
    meta = json.loads((demo / 'meta.json').read_text(encoding='utf-8'))
    assert meta['train']['records'] == 200 and meta['test']['records'] == 30
    assert meta['dicts']['gzsl']['chars'] == len(dicts['gzsl'])
    # defaults: 90 % plain training crops, half of the test crops plain
    assert 160 <= meta['train']['clean'] <= 200 and 8 <= meta['test']['clean'] <= 22, meta


def test_extra_training_characters_leave_the_test_sets_alone(tmp_path, demo):
    """The 300 extra training characters are used by training lines and by no test line;
    without them (``--extra-train-chinese 0``) the test sets and dictionaries are the same
    bytes, and the training charset is their first 300 Chinese characters + latin62."""
    narrow = tmp_path / 'narrow'
    assert make_demo_data.main(['--out', str(narrow), '--size', '0.05', '--seed', '3',
                                '--train-chinese', '300', '--extra-train-chinese', '0']) == 0
    for name in ('test_jpn_hv', 'test_held_out_face'):
        assert read_records(narrow / name) == read_records(demo / name)
    for mode in ('gzsl', 'osr', 'gosr', 'ostr'):
        a, b = (GlyphCharset.from_npz(root / 'dicts' / f'jpnhv_{mode}.npz')
                for root in (narrow, demo))
        assert a.chars == b.chars and np.array_equal(a.glyphs, b.glyphs)
    wide, small = (GlyphCharset.from_npz(root / 'dicts' / 'train.npz') for root in (demo, narrow))
    assert wide.chars[:300] == small.chars[:300] and wide.chars[-62:] == small.chars[-62:]
    extra = set(wide.chars[300:600])
    assert len(extra) == 300 and not extra & set(small.chars)
    test_chars = {c for _, label in read_records(demo / 'test_jpn_hv') for c in label}
    assert not extra & test_chars
    train_chars = Counter(c for _, label in read_records(demo / 'train_NG') for c in label)
    assert sum(train_chars[c] for c in extra) > 100
    meta = json.loads((demo / 'meta.json').read_text(encoding='utf-8'))
    assert meta['train_charset']['chinese'] == 600
    assert meta['train_charset']['chinese_shared_with_test'] == 300


def test_held_out_typeface_set(demo):
    records = read_records(demo / 'test_held_out_face')
    assert len(records) == 15
    test_chars = {c for _, label in read_records(demo / 'test_jpn_hv')
                  for c in split_graphemes(label)}
    held_out = GlyphRenderer(held_out_font_path())
    assert held_out.font_name != GlyphRenderer(default_font_path()).font_name
    for png, label in records:
        assert label and set(split_graphemes(label)) <= test_chars
        assert all(held_out.has_glyph(c) for c in label)
        buckets(png)
    meta = json.loads((demo / 'meta.json').read_text(encoding='utf-8'))
    assert meta['held_out_face']['font'] == 'ipaexg.ttf'
    assert meta['held_out_face']['records'] == 15 and meta['held_out_face']['redrawn'] > 0
    assert FontBank(held_out_font_path()).faces == 1 and meta['faces'] == 10


def test_default_charset_is_small():
    args = make_demo_data.parse_args([])
    assert args.train_chinese == 100 and args.extra_train_chinese == 300
    assert args.clean_share == 0.9 and args.test_clean_share == 0.5
    for bad in (['--test-clean-share', '1.5'], ['--extra-train-chinese', '-1'],
                ['--train-chinese', '0']):
        with pytest.raises(SystemExit):
            make_demo_data.parse_args(bad)


def test_deterministic_and_no_silent_overwrite(tmp_path, demo):
    args = ['--size', '0.01', '--seed', '3', '--train-chinese', '300']
    assert make_demo_data.main(['--out', str(tmp_path / 'a'), *args]) == 0
    assert make_demo_data.main(['--out', str(tmp_path / 'b'), *args]) == 0
    a, b = tmp_path / 'a', tmp_path / 'b'
    assert read_labels(a / 'test_jpn_hv') == read_labels(b / 'test_jpn_hv')
    assert read_records(a / 'test_held_out_face') == read_records(b / 'test_held_out_face')
    assert read_records(tmp_path / 'a' / 'train_NG') == read_records(tmp_path / 'b' / 'train_NG')
    assert make_demo_data.main(['--out', str(tmp_path / 'a'), *args]) == 1
    assert make_demo_data.main(['--out', str(tmp_path / 'a'), *args, '--overwrite']) == 0


@pytest.mark.parametrize('vertical', [False, True])
def test_clean_crops_are_plain_black_and_white(vertical):
    fonts = FontBank(default_font_path())
    rng = np.random.default_rng(3)
    polarities = set()
    for _ in range(6):
        img = render_crop(rng, fonts, '大字ab', vertical, clean=True)
        assert img.dtype == np.uint8 and img.ndim == 3 and (img.shape[0] > img.shape[1]) == vertical
        assert (img[..., 0] == img[..., 1]).all() and (img[..., 1] == img[..., 2]).all()
        corners = {int(img[0, 0, 0]), int(img[-1, -1, 0])}
        assert len(corners) == 1 and corners <= {0, 255}  # plain background
        polarities |= corners
        ink = img[..., 0] != next(iter(corners))
        assert 0.02 < ink.mean() < 0.6
    assert polarities == {0, 255}  # both black on white and white on black
