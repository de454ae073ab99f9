"""Damaged LMDBs and odd images: a clear error or a reported skip, never a silent wrong
result or a crash deep inside (SIGBUS, ``lmdb.Error``, numpy's concatenate error).

Reads of a truncated ``data.mdb`` run in subprocesses: without the size check they die of
SIGBUS, which would take pytest down with them.
"""
from __future__ import annotations

import io
import json
import logging
import os
import os.path as osp
import re
import subprocess
import sys

import cv2
import lmdb
import numpy as np
import pytest
from conftest import DEMO_CONFIG, ROOT, encode_png
from PIL import Image

import projects.wna.datasets.samplers as samplers
from projects.wna.apis import count_images, iter_images, load_image_file
from projects.wna.datasets import (
    CorruptLMDBError,
    WnAAspectRatioBucketBatchSampler,
    WnALMDBDataset,
    write_lmdb,
)

SIGBUS_CODES = (-7, 135)  # killed by SIGBUS: as a child process, through a shell
TRUNCATED = (r'data\.mdb is truncated: [\d,]+ bytes of the [\d,]+ its pages need '
             r'\(a partial copy\?\)')


def write_set(path, n: int = 40, w: int = 100) -> str:
    """An LMDB of ``n`` random ``w`` x 32 PNGs labelled ``w<i>``; returns its path."""
    write_lmdb(path, [(encode_png(w, 32, seed=i), f'w{i}') for i in range(n)])
    return str(path)


def truncated_set(path) -> str:
    """A real LMDB whose ``data.mdb`` is cut to half its size (a partial copy)."""
    write_set(path)
    data = osp.join(path, 'data.mdb')
    os.truncate(data, os.path.getsize(data) // 2)
    return str(path)


def set_num_samples(path, value: bytes) -> None:
    env = lmdb.open(str(path))
    with env.begin(write=True) as txn:
        txn.put(b'num-samples', value)
    env.close()


def garbage_set(path) -> str:
    """A folder whose ``data.mdb`` is not an LMDB."""
    os.makedirs(path)
    with open(osp.join(path, 'data.mdb'), 'wb') as f:
        f.write(b'not an lmdb at all ' * 500)
    return str(path)


# --- damaged LMDBs ------------------------------------------------------------------------------

def test_truncated_lmdb_is_a_clear_error_not_sigbus(tmp_path):
    path = truncated_set(tmp_path / 'cut')
    code = ('import sys; from projects.wna.datasets import WnALMDBDataset\n'
            'try:\n'
            f'    WnALMDBDataset(ann_file={path!r}, test_mode=True)\n'
            'except ValueError as e:\n'
            '    print(type(e).__name__, e, file=sys.stderr); sys.exit(3)\n')
    proc = subprocess.run([sys.executable, '-c', code], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode not in SIGBUS_CODES
    assert proc.returncode == 3, proc.stderr[-2000:]
    assert 'CorruptLMDBError' in proc.stderr
    assert f'{path}/data.mdb is truncated' in proc.stderr
    assert re.search(TRUNCATED, proc.stderr)


def test_garbage_and_negative_num_samples_are_clear_errors(tmp_path):
    with pytest.raises(CorruptLMDBError, match=r'junk/data\.mdb is not a readable LMDB'):
        WnALMDBDataset(ann_file=garbage_set(tmp_path / 'junk'), test_mode=True)
    path = write_set(tmp_path / 'neg', n=2)
    set_num_samples(path, b'-3')
    with pytest.raises(CorruptLMDBError, match=r'neg has a negative num-samples value -3'):
        WnALMDBDataset(ann_file=path)
    set_num_samples(path, b'\xff\xfe')
    with pytest.raises(CorruptLMDBError, match=r'neg has an unreadable num-samples value'):
        WnALMDBDataset(ann_file=path)


def test_damaged_lmdbs_are_counted_and_reported_once_in_process(tmp_path):
    good = write_set(tmp_path / 'good', n=3)
    junk = garbage_set(tmp_path / 'junk')
    neg = write_set(tmp_path / 'neg', n=2)
    set_num_samples(neg, b'-1')
    inputs = [good, junk, neg]
    assert count_images(inputs) == 5
    items = list(iter_images(inputs))
    assert [item.image is not None for item in items] == [True] * 3 + [False] * 2
    assert items[3].source == junk and 'is not a readable LMDB' in items[3].error
    assert items[4].source == neg and 'negative num-samples value -1' in items[4].error



def test_infer_reports_damaged_lmdbs_and_reads_the_rest(model_files, tmp_path):
    good_file = tmp_path / 'word.png'
    good_file.write_bytes(encode_png(90, 30))
    good = write_set(tmp_path / 'good', n=3)
    cut = truncated_set(tmp_path / 'cut')
    junk = garbage_set(tmp_path / 'junk')
    neg = write_set(tmp_path / 'neg', n=2)
    set_num_samples(neg, b'-5')
    out, summary = tmp_path / 'preds.jsonl', tmp_path / 'summary.json'
    proc = subprocess.run(
        [sys.executable, osp.join(ROOT, 'tools', 'infer.py'), DEMO_CONFIG,
         model_files['checkpoint'], str(good_file), cut, good, junk, neg, '--device', 'cpu',
         '--out', str(out), '--summary', str(summary), '--cfg-options',
         f'model.default_charset={model_files["dict"]}'],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
        env=dict(os.environ, OMP_NUM_THREADS='1'))
    assert proc.returncode not in SIGBUS_CODES
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert re.search(rf'skipped {re.escape(cut)}: {re.escape(cut)}/{TRUNCATED}', proc.stderr)
    assert f'skipped {junk}: {junk}/data.mdb is not a readable LMDB' in proc.stderr
    assert f'skipped {neg}: LMDB {neg} has a negative num-samples value -5' in proc.stderr
    assert '7 image(s): 4 recognised' in proc.stderr and '3 skipped' in proc.stderr
    sources = [json.loads(line)['source'] for line in out.read_text().splitlines()]
    assert sources == [str(good_file)] + [f'{good}#image-{i:09d}' for i in range(3)]
    report = json.loads(summary.read_text())
    assert report['images'] == 7 and report['recognised'] == 4
    assert [(s['index'], s['source']) for s in report['skipped']] == \
        [(1, cut), (5, junk), (6, neg)]


# --- empty test sets and bucket caches --------------------------------------------------------

def test_set_without_usable_record_names_the_set(tmp_path):
    path = str(tmp_path / 'unusable')
    write_lmdb(path, [(b'not an image', 'abc'), (encode_png(60, 20), ' ')])
    with pytest.raises(ValueError, match=r'unusable \(test\) has no usable record among its 2: '
                       r'skipped 2 \(empty or whitespace label: 1, undecodable image: 1\)'):
        WnALMDBDataset(ann_file=path, test_mode=True)


def test_labels_are_read_in_unicode_nfc(tmp_path):
    path = str(tmp_path / 'nfd')
    write_lmdb(path, [(encode_png(60, 20), 'か\u3099き'), (encode_png(60, 20), 'A\u0301')])
    dataset = WnALMDBDataset(ann_file=path, test_mode=True)
    labels = [dataset.get_data_info(i)['instances'][0]['text'] for i in range(2)]
    assert labels == ['がき', '\u00c1']


@pytest.mark.parametrize('damage', ['garbage', 'out of range'])
def test_corrupt_bucket_cache_is_rebuilt(tmp_path, monkeypatch, damage):
    ds = WnALMDBDataset(ann_file=write_set(tmp_path / 'set', n=6, w=120))
    first = WnAAspectRatioBucketBatchSampler(
        dataset=ds, seed=0, cache_dir=str(tmp_path / 'cache'),
        buckets=[dict(name='hori', ratio=(2.0, 9999.0), count=2)])
    [cache] = os.listdir(tmp_path / 'cache')
    cache = tmp_path / 'cache' / cache
    if damage == 'garbage':
        cache.write_bytes(b'PK\x03\x04 this is no zip')
    else:
        np.savez(cache, hori=np.array([0, 99]))
    messages = []
    monkeypatch.setattr(samplers, 'print_log',
                        lambda msg, logger=None, level=logging.INFO: messages.append((level, msg)))
    second = WnAAspectRatioBucketBatchSampler(
        dataset=ds, seed=0, cache_dir=str(tmp_path / 'cache'),
        buckets=[dict(name='hori', ratio=(2.0, 9999.0), count=2)])
    assert second.indices['hori'].tolist() == first.indices['hori'].tolist() == list(range(6))
    warnings = [msg for level, msg in messages if level == logging.WARNING]
    assert len(warnings) == 1 and f'{cache}' in warnings[0] and 'rebuilding it' in warnings[0]
    with np.load(cache) as rewritten:
        assert rewritten['hori'].tolist() == list(range(6))


# --- odd images ---------------------------------------------------------------------------------

def _pil_bytes(image: Image.Image, fmt: str, **kwargs) -> bytes:
    buf = io.BytesIO()
    image.save(buf, format=fmt, **kwargs)
    return buf.getvalue()


def odd_images() -> dict[str, tuple[bytes, np.ndarray, int]]:
    """name -> (encoded bytes, expected BGR pixels, tolerance) for 20 x 8 images."""
    rgba = np.zeros((8, 20, 4), np.uint8)  # transparent black ...
    rgba[:, 10:] = (0, 0, 255, 255)  # ... and opaque blue (RGBA)
    rgba[:, 15:] = (255, 0, 0, 128)  # half-transparent red
    rgba_bgr = np.full((8, 20, 3), 255, np.uint8)
    rgba_bgr[:, 10:] = (255, 0, 0)
    rgba_bgr[:, 15:] = (127, 127, 255)
    frames = [Image.new('RGB', (20, 8), (0, 200, 0)), Image.new('RGB', (20, 8), (200, 0, 0))]
    gif = _pil_bytes(frames[0], 'GIF', save_all=True, append_images=frames[1:])
    see_through = Image.new('P', (20, 8), 0)
    see_through.putpalette([0, 0, 0, 10, 20, 30] + [0] * 762)
    see_through.paste(1, (0, 0, 10, 8))
    clear_gif = _pil_bytes(see_through, 'GIF', transparency=0)
    clear_bgr = np.full((8, 20, 3), 255, np.uint8)
    clear_bgr[:, :10] = (30, 20, 10)
    cmyk = _pil_bytes(Image.new('CMYK', (20, 8), (0, 255, 255, 0)), 'JPEG', quality=95)
    deep = np.random.default_rng(0).integers(0, 65535, (8, 20, 3), np.uint16, endpoint=True)
    deep_png = cv2.imencode('.png', deep)[1].tobytes()
    tga = _pil_bytes(Image.new('RGB', (20, 8), (10, 20, 30)), 'TGA')
    return {
        'rgba': (_pil_bytes(Image.fromarray(rgba, 'RGBA'), 'PNG'), rgba_bgr, 1),
        'gif first frame': (gif, np.full((8, 20, 3), (0, 200, 0), np.uint8), 0),
        'transparent gif': (clear_gif, clear_bgr, 0),
        'cmyk jpeg': (cmyk, np.full((8, 20, 3), (0, 0, 255), np.uint8), 3),
        '16-bit png': (deep_png, (deep >> 8).astype(np.uint8), 0),
        'tga': (tga, np.full((8, 20, 3), (30, 20, 10), np.uint8), 0),
    }


def check_decoded(image: np.ndarray, expected: np.ndarray, tolerance: int, name: str) -> None:
    assert image.dtype == np.uint8 and image.shape == (8, 20, 3), name
    assert np.abs(image.astype(int) - expected).max() <= tolerance, name


def test_odd_images_in_an_lmdb(tmp_path):
    odd = odd_images()
    records = [(data, name) for name, (data, _, _) in odd.items()] + [(b'\x89PNG broken', 'bad')]
    path = str(tmp_path / 'odd')
    write_lmdb(path, records)
    ds = WnALMDBDataset(ann_file=path, test_mode=True)
    assert len(ds) == len(odd) and dict(ds.skip_counts) == {'undecodable image': 1}
    for i in range(len(ds)):
        item = ds[i]
        name = item['instances'][0]['text']
        check_decoded(item['img'], *odd[name][1:], name)
    assert [item.image is not None for item in iter_images([path])] == [True] * len(odd) + [False]


def test_odd_image_files(tmp_path):
    for name, (data, expected, tolerance) in odd_images().items():
        path = tmp_path / name.replace(' ', '_')
        path.write_bytes(data)
        item = load_image_file(str(path))
        assert item.error is None, name
        check_decoded(item.image, expected, tolerance, name)


def test_files_keep_exif_orientation_and_records_do_not(tmp_path):
    image = Image.fromarray(np.full((8, 20, 3), 90, np.uint8))
    exif = image.getexif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to show
    data = _pil_bytes(image, 'JPEG', exif=exif)
    (tmp_path / 'turned.jpg').write_bytes(data)
    assert load_image_file(str(tmp_path / 'turned.jpg')).image.shape == (20, 8, 3)
    write_lmdb(tmp_path / 'turned', [(data, 'x')])
    assert WnALMDBDataset(ann_file=str(tmp_path / 'turned'), test_mode=True)[0]['img'].shape \
        == (8, 20, 3)
