"""WnAAspectRatioBucketBatchSampler on real LMDBs, and the demo train dataloader end to end."""
import os
from pathlib import Path

import pytest
import torch
from conftest import encode_png
from mmengine.config import Config
from mmengine.dataset import InfiniteSampler
from mmengine.registry import init_default_scope
from mmengine.runner import Runner
from mmocr.datasets import ConcatDataset

from projects.wna.datasets import WnAAspectRatioBucketBatchSampler, WnALMDBDataset, write_lmdb

REPO = Path(__file__).resolve().parents[1]
RATIOS = [(2, 9999), (0.5, 2), (-100, 0.5)]  # hori, rect, vert

# (W, H, label) -> expected buckets
RECORDS = [
    ((80, 20, 'hori'), {'hori'}),
    ((300, 30, 'hori2'), {'hori'}),
    ((40, 20, 'two'), {'hori', 'rect'}),  # W/H = 2 exactly: both
    ((30, 30, 'sq'), {'rect'}),
    ((20, 40, 'half'), {'rect', 'vert'}),  # W/H = 0.5 exactly: both
    ((20, 100, 'vert'), {'vert'}),
    ((20, 4, 'thin'), set()),  # shorter side < 5 px
    ((80, 20, 'x' * 33), None),  # > 32 graphemes: not even in the training set
]


def make_set(path, index_base=0, records=RECORDS):
    write_lmdb(path, [(encode_png(w, h, seed=i), label)
                      for i, ((w, h, label), _) in enumerate(records)], index_base=index_base)
    return WnALMDBDataset(ann_file=str(path))


def build(dataset, tmp_path, buckets=None, **kwargs):
    kwargs.setdefault('seed', 0)
    kwargs.setdefault('cache_dir', str(tmp_path / 'cache'))
    if buckets is not None:
        kwargs['buckets'] = buckets
    return WnAAspectRatioBucketBatchSampler(dataset=dataset, **kwargs)


def first_batches(sampler, n=5):
    it = iter(sampler)
    return [next(it) for _ in range(n)]


def test_bucket_membership_and_exact_counts(tmp_path):
    ds = make_set(tmp_path / 'a')
    buckets = [dict(name='hori', ratio=(2, 9999), count=3),
               dict(name='rect', ratio=(0.5, 2), count=2),
               dict(name='vert', ratio=(-100, 0.5), count=4)]
    sampler = build(ds, tmp_path, buckets)
    labels = [ds.get_data_info(i)['instances'][0]['text'] for i in range(len(ds))]
    expected = {name: {i for i, lab in enumerate(labels)
                       for (_, _, text), names in RECORDS if text == lab and name in names}
                for name in ('hori', 'rect', 'vert')}
    assert {k: set(v.tolist()) for k, v in sampler.indices.items()} == expected
    assert sampler.batch_size == 9
    for batch in first_batches(sampler, 50):
        assert len(batch) == 9
        assert set(batch[:3]) <= expected['hori']
        assert set(batch[3:5]) <= expected['rect']
        assert set(batch[5:]) <= expected['vert']


def test_deterministic_by_seed_and_different_per_rank(tmp_path):
    ds = make_set(tmp_path / 'a')
    reference = first_batches(build(ds, tmp_path, seed=3, rank=0))
    assert first_batches(build(ds, tmp_path, seed=3, rank=0)) == reference
    assert first_batches(build(ds, tmp_path, seed=4, rank=0)) != reference
    assert first_batches(build(ds, tmp_path, seed=3, rank=1)) != reference
    # the sampler's seed (set by MMEngine from the run seed) is the default
    inf = InfiniteSampler(ds, seed=3)
    assert first_batches(build(ds, tmp_path, seed=None, rank=0, sampler=inf)) == reference
    # iterating again replays the same stream (a resumed run skips what it already trained)
    sampler = build(ds, tmp_path, seed=3, rank=0)
    assert first_batches(sampler) == first_batches(sampler)


def test_index_cached_and_reused(tmp_path, monkeypatch):
    ds = make_set(tmp_path / 'a')
    first = build(ds, tmp_path)
    files = os.listdir(tmp_path / 'cache')
    assert len(files) == 1 and files[0].endswith('.npz')

    def no_headers(*args, **kwargs):
        raise AssertionError('the index should come from the cache')

    monkeypatch.setattr(WnALMDBDataset, 'get_sizes', no_headers)
    second = build(ds, tmp_path)
    assert {k: v.tolist() for k, v in second.indices.items()} == \
        {k: v.tolist() for k, v in first.indices.items()}
    # another bucket table is another index
    monkeypatch.undo()
    build(ds, tmp_path, [dict(name='all', ratio=(0, 1000), count=1)])
    assert len(os.listdir(tmp_path / 'cache')) == 2


def test_default_cache_dir(tmp_path, monkeypatch):
    ds = make_set(tmp_path / 'a')
    sampler = build(ds, tmp_path, cache_dir=None)
    assert sampler.cache_dir == str(tmp_path / 'a' / 'wna_buckets')
    assert len(os.listdir(tmp_path / 'a' / 'wna_buckets')) == 1
    monkeypatch.setattr(os, 'access', lambda path, mode: False)
    monkeypatch.setenv('HOME', str(tmp_path / 'home'))
    sampler = build(ds, tmp_path, cache_dir=None)
    assert sampler.cache_dir == str(tmp_path / 'home' / '.cache' / 'wna' / 'buckets')


def test_works_on_concat_dataset(tmp_path):
    concat = ConcatDataset([make_set(tmp_path / 'a', 0), make_set(tmp_path / 'b', 1)])
    sampler = build(concat, tmp_path, sampler=InfiniteSampler(concat, seed=0), seed=None)
    assert len(sampler.indices['hori']) == 6  # 3 per set, offsets into the concatenation
    for batch in first_batches(sampler, 3):
        for pos, idx in enumerate(batch):
            h, w = concat[idx]['img'].shape[:2]
            lo, hi = RATIOS[pos // 24]
            assert lo <= w / h <= hi


def test_dataset_weights_follow_their_schedule(tmp_path):
    concat = ConcatDataset([make_set(tmp_path / 'a', 0), make_set(tmp_path / 'b', 1)])
    first_len = len(concat.datasets[0])
    buckets = [dict(name=n, ratio=r, count=40) for n, r in zip(('hori', 'rect', 'vert'), RATIOS)]
    sampler = build(concat, tmp_path, buckets, dataset_weights=[(10, [1, 0]), (30, [1, 3])])
    assert sampler.weights_at(0).tolist() == [1, 0] and sampler.weights_at(20).tolist() == [1, 1.5]
    assert sampler.weights_at(99).tolist() == [1, 3]
    batches = first_batches(sampler, 200)
    # steps 0-10 draw only from the first set, from step 30 on a quarter of each bucket
    assert all(idx < first_len for batch in batches[:11] for idx in batch)
    late = [idx >= first_len for batch in batches[30:] for idx in batch]
    assert 0.72 < sum(late) / len(late) < 0.78
    # ...and still only members of the bucket, from both sets
    for batch in batches[30:40]:
        for pos, idx in enumerate(batch):
            assert idx in set(sampler.indices[buckets[pos // 40]['name']].tolist())
    assert first_batches(sampler, 200) == batches  # the same stream on every __iter__
    # a constant list of weights
    constant = first_batches(build(concat, tmp_path, buckets, dataset_weights=[0, 2]), 5)
    assert all(idx >= first_len for batch in constant for idx in batch)


def test_dataset_weights_checked(tmp_path):
    concat = ConcatDataset([make_set(tmp_path / 'a', 0),
                            make_set(tmp_path / 'b', 1, records=RECORDS[:2])])  # hori only
    with pytest.raises(ValueError, match='one weight per child dataset'):
        build(concat, tmp_path, dataset_weights=[1, 2, 3])
    with pytest.raises(ValueError, match='increasing steps'):
        build(concat, tmp_path, dataset_weights=[(5, [1, 0]), (5, [0, 1])])
    with pytest.raises(ValueError, match='>= 0'):
        build(concat, tmp_path, dataset_weights=[-1, 1])
    with pytest.raises(ValueError, match='list of weights or of'):
        build(concat, tmp_path, dataset_weights=[(0, 'ab')])
    # the second set has no rect / vert member: weighting only it starves those buckets
    with pytest.raises(ValueError, match=r"bucket 'rect' .* step\(s\) \[100\]"):
        build(concat, tmp_path, dataset_weights=[(0, [1, 0]), (100, [0, 1])])
    # where the weighted set has none, a bucket draws from the others
    batch = first_batches(build(concat, tmp_path, dataset_weights=[1, 1]), 1)[0]
    assert all(idx < len(concat.datasets[0]) for idx in batch[24:])


def test_empty_bucket_and_batch_size_mismatch(tmp_path):
    ds = make_set(tmp_path / 'a', records=[((80, 20, 'hori'), {'hori'})])
    with pytest.raises(ValueError, match=r"\['rect', 'vert'\]"):
        build(ds, tmp_path)
    ds = make_set(tmp_path / 'b')
    with pytest.raises(ValueError, match='batch_size is 64'):
        build(ds, tmp_path, batch_size=64)


def _write_demo_train(root, labels=None):
    """Tiny train_NG and train_NG_augmented of 24 crops each, every bucket populated;
    ``labels`` (24 strings) default to ``词0`` ... ``词23``."""
    sizes = [(120, 30), (200, 40), (64, 32), (40, 40), (30, 50), (32, 64), (24, 120), (20, 90)]
    labels = labels or [f'词{i}' for i in range(24)]
    for name in ('train_NG', 'train_NG_augmented'):
        write_lmdb(root / name, [(encode_png(w, h, seed=i), labels[i])
                                 for i, (w, h) in enumerate(sizes * 3)])


def test_demo_train_dataloader_through_runner(tmp_path, monkeypatch):
    _write_demo_train(tmp_path)
    monkeypatch.setenv('WNA_DEMO_DATA', str(tmp_path))
    cfg = Config.fromfile(str(REPO / 'configs/wna/_base_/datasets/demo_train.py'))
    init_default_scope('mmocr')
    loader = Runner.build_dataloader(cfg.train_dataloader, seed=0)
    assert len(loader.dataset) == 24  # train_NG only: the demo configs add the others
    it = iter(loader)
    for _ in range(2):
        batch = next(it)
        imgs, thumbs, samples = batch['inputs']['img'], batch['inputs']['thumb'], \
            batch['data_samples']
        assert len(imgs) == len(thumbs) == len(samples) == 24
        for pos, (img, thumb, sample) in enumerate(zip(imgs, thumbs, samples)):
            assert img.dtype == thumb.dtype == torch.uint8
            assert img.shape[0] == 3 and tuple(img.shape[1:]) == tuple(sample.img_shape)
            assert thumb.shape == (3, 32, 32)
            assert sample.gt_text.item.startswith('词')
            h, w = sample.ori_shape  # before augmentation
            lo, hi = RATIOS[pos // 8]
            assert lo <= w / h <= hi


def test_curriculum_config_phases_in_the_augmented_set(tmp_path, monkeypatch):
    _write_demo_train(tmp_path)
    monkeypatch.setenv('WNA_DEMO_DATA', str(tmp_path))
    cfg = Config.fromfile(
        str(REPO / 'configs/wna/demo/wna-s_resnet45-narrow_1.8k_wna-demo-curriculum.py'))
    init_default_scope('mmocr')
    sampler = Runner.build_dataloader(cfg.train_dataloader, seed=0).batch_sampler
    assert [Path(d.ann_file).name for d in sampler.sampler.dataset.datasets] == [
        'train_NG', 'train_NG_augmented']
    # train_NG (indices 0-23) alone for the first 300 steps
    assert all(idx < 24 for batch in first_batches(sampler, 20) for idx in batch)
    weights = [sampler.weights_at(step) for step in (0, 300, 750, 1200, 1800)]
    assert [round(float(w[1] / w.sum()), 3) for w in weights] == [0, 0, 0.273, 0.3, 0.3]


def test_demo_config_starts_on_short_labels_and_ends_with_augmented_crops(tmp_path, monkeypatch):
    labels = [f'词{"字" * (i % 5)}' for i in range(24)]  # 1 to 5 characters
    _write_demo_train(tmp_path, labels)
    monkeypatch.setenv('WNA_DEMO_DATA', str(tmp_path))
    cfg = Config.fromfile(str(REPO / 'configs/wna/demo/wna-s_resnet45-narrow_1.8k_wna-demo.py'))
    init_default_scope('mmocr')
    sampler = Runner.build_dataloader(cfg.train_dataloader, seed=0).batch_sampler
    full, short, augmented = sampler.sampler.dataset.datasets
    assert [Path(d.ann_file).name for d in (full, short, augmented)] == [
        'train_NG', 'train_NG', 'train_NG_augmented']
    assert len(full) == len(augmented) == 24
    assert len(short) == sum(len(t) <= 3 for t in labels)
    # the short lines alone for the first 300 steps (indices after train_NG's 24) ...
    assert all(len(full) <= idx < len(full) + len(short)
               for batch in first_batches(sampler, 20) for idx in batch)
    assert all(len(short.get_data_info(i)['instances'][0]['text']) <= 3
               for i in range(len(short)))
    # ... the whole of train_NG at step 900, then a ramp of the raw weights to 7 : 3
    # against the augmented set at step 1200
    weights = [sampler.weights_at(step) for step in (0, 300, 600, 900, 1050, 1200, 1800)]
    assert [[round(float(x), 3) for x in w / w.sum()] for w in weights] == [
        [0, 1, 0], [0, 1, 0], [0.5, 0.5, 0], [1, 0, 0], [0.727, 0, 0.273], [0.7, 0, 0.3],
        [0.7, 0, 0.3]]
