"""WnALMDBDataset on real small LMDBs: both index bases, bad records, odd PNGs, fork safety."""
import io
import logging
import multiprocessing
import os
import pickle

import cv2
import lmdb
import numpy as np
import pytest
from conftest import encode_png
from PIL import Image

import projects.wna.datasets.lmdb_dataset as lmdb_dataset
import projects.wna.datasets.sample_meta as sample_meta
from projects.wna.datasets import WnALMDBDataset, write_lmdb


def pil_png(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format='PNG')
    return buf.getvalue()


def reference_decode(data: bytes) -> np.ndarray:
    return cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)


@pytest.fixture
def logs(monkeypatch):
    """The messages WnALMDBDataset logs."""
    messages = []
    for module in (lmdb_dataset, sample_meta):  # records and images are reported by each
        monkeypatch.setattr(module, 'print_log',
                            lambda msg, logger=None, level=logging.INFO: messages.append(msg))
    return messages


@pytest.mark.parametrize('index_base,with_lang', [(0, True), (1, False)])
def test_reads_both_index_bases_with_and_without_lang(tmp_path, index_base, with_lang, logs):
    images = [encode_png(40 + 10 * i, 20, seed=i) for i in range(4)]
    labels = ['中文', 'abc', '日本語テキスト', 'x y']
    records = [(img, lab, 'Chinese') if with_lang else (img, lab)
               for img, lab in zip(images, labels)]
    write_lmdb(tmp_path / 'set', records, index_base=index_base)
    np.savez(tmp_path / 'd.npz', glyphs=np.zeros((2, 32, 32), np.uint8))
    # an existing (binary) dictionary file must stay a path, not be parsed as a meta file
    meta = dict(test_key='JPNHV-GZSL', dict_path=str(tmp_path / 'd.npz'), has_unk=False)
    ds = WnALMDBDataset(ann_file=str(tmp_path / 'set'), metainfo=meta, test_mode=True)
    assert len(ds) == 4 and ds.index_base == index_base and ds.num_samples == 4
    for i in range(4):
        item = ds[i]
        assert item['instances'] == [dict(text=labels[i])]
        assert item['img_path'] is None and item['sample_idx'] == i
        assert item['img'].dtype == np.uint8 and item['img'].shape == (20, 40 + 10 * i, 3)
        np.testing.assert_array_equal(item['img'], reference_decode(images[i]))  # BGR
        assert {k: item[k] for k in meta} == meta
    assert len(logs) == 1 and 'kept 4 of 4' in logs[0]


def _write_bad_set(path):
    """An LMDB of good and bad records; returns {name: record id}."""
    palette = Image.fromarray(np.random.default_rng(1).integers(0, 255, (20, 60, 3), np.uint8))
    rgba = np.random.default_rng(2).integers(0, 255, (20, 60, 4), np.uint8)
    named = [
        ('good', encode_png(60, 20), 'ok'),
        ('corrupt', b'this is not an image', 'bad'),
        ('zero_bytes', b'', 'void'),
        ('empty', encode_png(60, 20), ''),
        ('space', encode_png(60, 20), ' \t'),
        ('no_label', encode_png(60, 20), 'gone'),
        ('no_image', encode_png(60, 20), 'gone too'),
        ('non_utf8', encode_png(60, 20), 'replaced below'),
        ('long', encode_png(400, 20), 'a' * 33),
        ('line', encode_png(2000, 1), 'wide'),
        ('column', encode_png(1, 2000), 'tall'),
        ('sixteen', encode_png(60, 20, dtype=np.uint16), 'deep'),
        ('grey', encode_png(60, 20, channels=1), 'grey'),
        ('rgba', pil_png(Image.fromarray(rgba)), 'alpha'),
        ('palette', pil_png(palette.convert('P')), 'palette'),
        ('tiny', encode_png(4, 20), 'small'),
    ]
    write_lmdb(path, [(img, lab) for _, img, lab in named])
    ids = {name: i for i, (name, _, _) in enumerate(named)}
    env = lmdb.open(str(path))
    with env.begin(write=True) as txn:
        txn.delete(b'label-%09d' % ids['no_label'])
        txn.delete(b'image-%09d' % ids['no_image'])
        txn.put(b'label-%09d' % ids['non_utf8'], b'\xff\xfe')
    env.close()
    return ids


def test_training_set_skips_and_counts_bad_records(tmp_path, logs):
    _write_bad_set(tmp_path / 'bad')
    ds = WnALMDBDataset(ann_file=str(tmp_path / 'bad'))
    assert dict(ds.skip_counts) == {
        'missing label': 1, 'missing image': 1, 'non-UTF-8 label': 1,
        'empty or whitespace label': 2, 'label longer than 32 graphemes': 1}
    texts = [ds.get_data_info(i)['instances'][0]['text'] for i in range(len(ds))]
    assert texts == ['ok', 'bad', 'void', 'wide', 'tall', 'deep', 'grey', 'alpha', 'palette',
                     'small']
    assert len(logs) == 1 and 'kept 10 of 16' in logs[0] and 'skipped 6' in logs[0]

    by_text = {t: i for i, t in enumerate(texts)}
    for text in ('deep', 'grey', 'alpha', 'palette'):
        img = ds.prepare_data(by_text[text])['img']
        assert img.dtype == np.uint8 and img.shape == (20, 60, 3), text
    # an undecodable image or one thinner than 5 px means "draw another" (counted) ...
    for n, text in enumerate(('bad', 'void', 'small', 'wide', 'tall'), start=1):
        assert ds.prepare_data(by_text[text]) is None
        assert ds._bad_access == n and 'drawing another sample' in logs[-1]
    # ... which BaseDataset.__getitem__ does
    np.random.seed(0)
    for text in ('bad', 'void', 'small', 'wide', 'tall'):
        assert ds[by_text[text]]['instances'][0]['text'] in ('ok', 'deep', 'grey', 'alpha',
                                                             'palette')


def test_odd_pngs_decode_like_mmocr(tmp_path):
    ids = _write_bad_set(tmp_path / 'bad')
    ds = WnALMDBDataset(ann_file=str(tmp_path / 'bad'), test_mode=True)
    env = lmdb.open(str(tmp_path / 'bad'), readonly=True, lock=False)
    with env.begin() as txn:
        raw = {name: txn.get(b'image-%09d' % i) for name, i in ids.items()}
    env.close()
    by_text = {ds.get_data_info(i)['instances'][0]['text']: i for i in range(len(ds))}
    assert ds[by_text['wide']]['img'].shape == (1, 2000, 3)
    assert ds[by_text['tall']]['img'].shape == (2000, 1, 3)
    for name, text in [('sixteen', 'deep'), ('grey', 'grey'), ('palette', 'palette')]:
        img = ds[by_text[text]]['img']
        np.testing.assert_array_equal(img, reference_decode(raw[name]))
    # alpha is composited onto white (tests/test_reliability_data.py), not dropped
    assert (ds[by_text['alpha']]['img'] >= reference_decode(raw['rgba'])).all()
    grey = ds[by_text['grey']]['img']
    assert (grey[..., 0] == grey[..., 2]).all()
    sixteen = ds[by_text['deep']]['img']
    assert sixteen.dtype == np.uint8 and sixteen.max() > 200  # scaled down, not clipped


def test_test_mode_keeps_every_readable_record(tmp_path, logs):
    _write_bad_set(tmp_path / 'bad')
    ds = WnALMDBDataset(ann_file=str(tmp_path / 'bad'), test_mode=True)
    assert dict(ds.skip_counts) == {
        'missing label': 1, 'missing image': 1, 'non-UTF-8 label': 1,
        'empty or whitespace label': 2, 'undecodable image': 2}
    texts = [ds[i]['instances'][0]['text'] for i in range(len(ds))]  # all decode
    assert 'a' * 33 in texts and 'small' in texts and not {'bad', 'void'} & set(texts)
    assert len(logs) == 1 and 'test' in logs[0] and 'undecodable image: 2' in logs[0]


def test_get_sizes_reads_headers(tmp_path):
    _write_bad_set(tmp_path / 'bad')
    ds = WnALMDBDataset(ann_file=str(tmp_path / 'bad'))
    sizes = ds.get_sizes(progress=False)
    texts = [ds.get_data_info(i)['instances'][0]['text'] for i in range(len(ds))]
    got = dict(zip(texts, map(tuple, sizes.tolist())))
    assert got['ok'] == (60, 20, 2) and got['bad'] == (0, 0, 3)
    assert got['wide'] == (2000, 1, 4) and got['tall'] == (1, 2000, 4)
    assert got['small'] == (4, 20, 5) and got['palette'] == (60, 20, 7)


def test_labels_counted_in_grapheme_clusters(tmp_path):
    decomposed = 'e\u0301' * 32  # 64 code points, 32 clusters
    write_lmdb(tmp_path / 'g', [(encode_png(60, 20), decomposed),
                                (encode_png(60, 20), decomposed + 'x')])
    ds = WnALMDBDataset(ann_file=str(tmp_path / 'g'))
    assert len(ds) == 1 and ds.get_sizes(progress=False)[0, 2] == 32


def test_missing_folder_and_missing_num_samples(tmp_path):
    with pytest.raises(FileNotFoundError, match='nowhere'):
        WnALMDBDataset(ann_file=str(tmp_path / 'nowhere'))
    env = lmdb.open(str(tmp_path / 'no_count'))
    with env.begin(write=True) as txn:
        txn.put(b'image-000000000', encode_png(20, 10))
        txn.put(b'label-000000000', b'a')
    env.close()
    with pytest.raises(ValueError, match='no_count.*num-samples'):
        WnALMDBDataset(ann_file=str(tmp_path / 'no_count'))


def _first_label(ds):
    return ds[0]['instances'][0]['text']


def _report_from_child(ds, queue):
    inherited = ds._env is not None and ds._env_pid != os.getpid()
    queue.put((inherited, _first_label(ds), ds._env_pid == os.getpid()))


def test_environment_reopened_after_fork_and_pickled_without_it(tmp_path):
    write_lmdb(tmp_path / 'f', [(encode_png(60, 20, seed=i), f'w{i}') for i in range(3)])
    ds = WnALMDBDataset(ann_file=str(tmp_path / 'f'))
    assert ds._env is None  # nothing opened by building the data list
    assert _first_label(ds) == 'w0'
    parent_env = ds._env
    ctx = multiprocessing.get_context('fork')
    queue = ctx.Queue()
    child = ctx.Process(target=_report_from_child, args=(ds, queue))  # inherited, not pickled
    child.start()
    assert queue.get(timeout=60) == (True, 'w0', True)
    child.join(timeout=60)
    assert child.exitcode == 0 and ds._env is parent_env
    clone = pickle.loads(pickle.dumps(ds))
    assert clone._env is None and _first_label(clone) == 'w0'
    ds.close()
    assert _first_label(ds) == 'w0'
