"""The English close-set run (configs/wna/wna-xl_resnet45_700k_mjst.py) end to end: small
generated MJ + ST training sets and English benchmarks in upstream's LMDB layout and in
MMOCR's two layouts (written with MMOCR's own packer and dumpers), the case-sensitive
latin62 dictionary built by tools/build_charset.py, a few CPU training iterations of a
narrow model and the test of every benchmark with the suite average."""
from __future__ import annotations

import os
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from conftest import ROOT, load_tool
from mmengine.config import Config
from mmocr.datasets.preparers.dumpers import JsonDumper, TextRecogLMDBDumper
from mmocr.datasets.preparers.packers import TextRecogPacker

from projects.wna.charset import load_charset
from projects.wna.datasets import (
    WnAAspectRatioBucketBatchSampler,
    WnAOCRDataset,
    WnARecogLMDBDataset,
    write_lmdb,
)
from projects.wna.evaluation import suite_averages

CONFIG = osp.join(ROOT, 'configs', 'wna', 'wna-xl_resnet45_700k_mjst.py')
NARROW = osp.join(ROOT, 'tests', 'configs', 'wna_xl_mjst_narrow.py')
train_tool, test_tool = load_tool('train'), load_tool('test')
build_charset = load_tool('build_charset')

#: Upstream's benchmark LMDB folders (osocr_tasks/ds_paths.py) and MMOCR's dataset folders.
BENCHMARKS = [('IIIT5k-close', 'IIIT5k_3000', 'iiit5k'), ('SVT-close', 'SVT', 'svt'),
              ('CUTE-close', 'CUTE80', 'cute80'), ('IC03-close', 'IC03_867', None),
              ('IC13-close', 'IC13_1015', 'icdar2013'), ('IC15-close', 'IC15_2077', 'icdar2015'),
              ('SVTP-close', 'SVTP', 'svtp')]
#: Words of wide (hori), one-character (rect) and tall (vert: two characters written one
#: under the other) crops.
TRAIN_WORDS = ['Hello', 'WORLD', 'street', 'Cafe42', 'OPEN', 'no', 'Hi', 'I', 'A', 'x7']
TEST_WORDS = ['Park', 'exit', 'B12', 'Stop!']  # 'Stop!': '!' is outside the dictionary


def word_image(word: str, seed: int) -> bytes:
    """PNG bytes of ``word`` drawn in black on a noisy light background (BGR); the characters
    of a word of one or two are drawn one under the other (a square or a tall crop)."""
    rng = np.random.default_rng(seed)
    lines = list(word) if len(word) <= 2 else [word]
    width = max(20 * len(line) for line in lines) + 8
    img = rng.integers(180, 256, (28 * len(lines) + 8, width, 3), dtype=np.uint8)
    for i, line in enumerate(lines):
        cv2.putText(img, line, (4, 26 + 28 * i), cv2.FONT_HERSHEY_SIMPLEX, 0.8, (20, 20, 20), 2)
    ok, buf = cv2.imencode('.png', img)
    assert ok
    return buf.tobytes()


def records(words):
    return [(word_image(w, i), w) for i, w in enumerate(words)]


def write_upstream_layout(root: str) -> None:
    """ABINet / clovaai-style LMDBs (ids from 1) under upstream's folder names."""
    for folder in ('MJ-abi/MJ_train', 'MJ-abi/MJ_test', 'ST-abi'):
        write_lmdb(osp.join(root, folder), records(TRAIN_WORDS), index_base=1)
    for _, folder, _ in BENCHMARKS:
        write_lmdb(osp.join(root, folder), records(TEST_WORDS), index_base=1)


def write_mmocr_layouts(root: str) -> None:
    """What MMOCR's dataset preparer writes for a cropped-word dataset: the images under
    ``textrecog_imgs/<split>/``, ``textrecog_<split>.json`` from TextRecogPacker +
    JsonDumper and ``textrecog_<split>.lmdb`` from TextRecogLMDBDumper."""
    sets = [(name, 'train', TRAIN_WORDS) for name in ('mjsynth', 'synthtext')]
    sets += [(name, 'test', TEST_WORDS) for _, _, name in BENCHMARKS if name]
    for name, split, words in sets:
        data_root = osp.join(root, name)
        img_dir = osp.join(data_root, 'textrecog_imgs', split)
        os.makedirs(img_dir)
        packer = TextRecogPacker(data_root=data_root, split=split)
        samples = []
        for i, (png, word) in enumerate(records(words)):
            path = osp.join(img_dir, f'word_{i + 1}.png')
            with open(path, 'wb') as f:
                f.write(png)
            samples.append(packer.pack_instance((path, word)))
        data = packer.add_meta(samples)
        JsonDumper(task='textrecog', split=split, data_root=data_root).dump(data)
        TextRecogLMDBDumper(task='textrecog', split=split, data_root=data_root).dump(data)


@pytest.fixture(scope='module')
def english_root(tmp_path_factory):
    """One data root holding all three layouts and dictsv2/dab62cased.npz."""
    root = str(tmp_path_factory.mktemp('english'))
    write_upstream_layout(root)
    write_mmocr_layouts(root)
    os.makedirs(osp.join(root, 'dictsv2'))
    assert build_charset.main(['--char-file', 'latin62', '--case-sensitive', '--out',
                               osp.join(root, 'dictsv2', 'dab62cased.npz')]) == 0
    return root


def test_dictionary_is_latin62_case_sensitive(english_root):
    charset = load_charset(osp.join(english_root, 'dictsv2', 'dab62cased'))  # .npz found
    assert len(charset) == 62 and charset.num_labels == 62
    assert charset.label_of('a') != charset.label_of('A')


# slow: the two MMOCR layouts (about 25 s each); their records and the JSON training set
# are read by the default tests below
@pytest.mark.parametrize('data_format,tests', [
    ('upstream', [key for key, *_ in BENCHMARKS]),
    pytest.param('mmocr', [key for key, _, name in BENCHMARKS if name], marks=pytest.mark.slow),
    pytest.param('mmocr_lmdb', [key for key, _, name in BENCHMARKS if name],
                 marks=pytest.mark.slow),
])
def test_train_then_test_in_every_layout(english_root, tmp_path, monkeypatch, data_format,
                                         tests):
    monkeypatch.setenv('WNA_DATA', english_root)
    monkeypatch.setenv('WNA_DATA_FORMAT', data_format)
    monkeypatch.setenv('OMP_NUM_THREADS', '1')
    torch.set_num_threads(1)
    work = str(tmp_path / 'work')
    options = ['--cfg-options', 'train_cfg.max_iters=2', 'train_cfg.val_interval=100',
               'default_hooks.checkpoint.interval=2', 'default_hooks.logger.interval=1',
               'randomness.seed=0']
    train_tool.main([NARROW, '--work-dir', work] + options)
    metrics = test_tool.main([NARROW, osp.join(work, 'iter_2.pth'), '--work-dir', work])

    assert [k.split('/')[0] for k in metrics if k.endswith('/acr')] == tests + ['average']
    for key in tests:
        assert metrics[f'{key}/n'] == len(TEST_WORDS)  # every record read
        assert 0.0 <= metrics[f'{key}/acr'] <= 0.75  # 'Stop!' can never be read
    assert metrics['average/acr'] == pytest.approx(
        np.mean([metrics[f'{key}/acr'] for key in tests]))


def test_mmocr_records_carry_what_the_pipeline_needs(english_root):
    meta = dict(test_key='SVT-close', dict_path='d', has_unk=False)
    json_set = WnAOCRDataset(data_root=osp.join(english_root, 'svt'),
                             ann_file='textrecog_test.json', test_mode=True, metainfo=meta)
    lmdb_set = WnARecogLMDBDataset(ann_file=osp.join(english_root, 'svt', 'textrecog_test.lmdb'),
                                   test_mode=True, metainfo=meta)
    for dataset in (json_set, lmdb_set):
        assert len(dataset) == len(TEST_WORDS)
        sample = dataset[2]
        assert sample['instances'] == [dict(text='B12')]
        assert sample['img'].dtype == np.uint8 and sample['img'].shape[2] == 3
        assert {k: sample[k] for k in meta} == meta
        sizes = dataset.get_sizes(progress=False)
        assert sizes[2, 2] == 3 and sizes[2, 1] == sample['img'].shape[0]
    assert np.array_equal(json_set.get_sizes(False), lmdb_set.get_sizes(False))
    np.testing.assert_array_equal(json_set[0]['img'], lmdb_set[0]['img'])


def test_mmocr_json_training_set_buckets_and_redraws(english_root, tmp_path):
    data_root = osp.join(english_root, 'mjsynth')
    dataset = WnAOCRDataset(data_root=data_root, ann_file='textrecog_train.json')
    sampler = WnAAspectRatioBucketBatchSampler(dataset=dataset, seed=0, count=2)
    assert sampler.cache_dir == osp.join(data_root, 'wna_buckets')  # beside the JSON
    assert {name: len(idx) for name, idx in sampler.indices.items()} == \
        dict(hori=5, rect=2, vert=3)  # 'I', 'A' are square; 'no', 'Hi', 'x7' tall
    batch = next(iter(sampler))
    assert len(batch) == 6
    # a missing image file: redrawn in training, an error naming it in a test set
    broken = tmp_path / 'broken'
    broken.mkdir()
    (broken / 'textrecog_test.json').write_text(
        '{"metainfo": {"dataset_type": "TextRecogDataset", "task_name": "textrecog"}, '
        '"data_list": [{"instances": [{"text": "a"}], "img_path": "gone.png"}]}')
    train_set = WnAOCRDataset(data_root=str(broken), ann_file='textrecog_test.json')
    assert train_set.prepare_data(0) is None and train_set._bad_access == 1
    test_set = WnAOCRDataset(data_root=str(broken), ann_file='textrecog_test.json',
                             test_mode=True)
    with pytest.raises(RuntimeError, match='gone.png.*is missing'):
        test_set[0]


def test_suite_average_names_missing_metrics():
    metrics = {'A/acr': 0.5, 'B/acr': 0.25, 'A/n': 4}
    assert suite_averages(metrics, ['A', 'B'], ['acr']) == {'average/acr': 0.375}
    with pytest.raises(KeyError, match="B/n"):
        suite_averages(metrics, ['A', 'B'], ['acr', 'n'])


def test_config_states_the_upstream_run():
    cfg = Config.fromfile(CONFIG)
    assert cfg.train_cfg.max_iters == 700_000  # _E3_I100000
    assert cfg.train_dataloader.batch_size == 72
    assert cfg.model.backbone.channels[0] == 64 and cfg.model.experts.hori.canvas == [32, 128]
    assert cfg.model.train_charset.endswith('dictsv2/dab62cased')
    lmdbs = [d.ann_file.split('data/mjst/')[-1] for d in cfg.train_dataloader.dataset.datasets]
    assert lmdbs == ['MJ-abi/MJ_train', 'MJ-abi/MJ_train', 'MJ-abi/MJ_test', 'ST-abi']
    assert cfg.test_evaluator.dataset_prefixes == [key for key, *_ in BENCHMARKS]
    assert cfg.test_dataloader.batch_size == 32 and cfg.val_dataloader.batch_size == 16
