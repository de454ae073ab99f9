"""WnAGlyphDataset: a real font's glyph dictionary as training crops, alone and mixed with an
LMDB under the bucket sampler's dataset weights."""
import numpy as np
import pytest
from conftest import encode_png
from mmengine.registry import init_default_scope
from mmocr.datasets import ConcatDataset

from projects.wna.charset import GlyphCharset, GlyphRenderer
from projects.wna.datasets import (
    WnAAspectRatioBucketBatchSampler,
    WnAGlyphDataset,
    WnALMDBDataset,
    write_lmdb,
)

TRAIN_PIPELINE = [
    dict(type='LoadImageFromNDArray'),
    dict(type='LoadOCRAnnotations', with_text=True),
    dict(type='WnABGRToRGB'),
    dict(type='WnARouterThumbnail', size=32),
    dict(type='PackWnAInputs', meta_keys=('img_path', 'ori_shape', 'img_shape')),
]


@pytest.fixture(scope='module')
def glyph_dict(tmp_path_factory):
    """A rendered dictionary of five characters plus a space (kept blank by the renderer)."""
    charset, missing = GlyphRenderer().build_charset(list('口日aB ') + ['永'])
    assert not missing and ' ' in charset
    path = tmp_path_factory.mktemp('dicts') / 'glyphs.npz'
    charset.save(path)
    return charset, str(path)


def test_each_glyph_in_both_polarities_through_the_pipeline(glyph_dict):
    charset, path = glyph_dict
    init_default_scope('mmocr')
    ds = WnAGlyphDataset(ann_file=path, pipeline=TRAIN_PIPELINE)
    visible = [c for c in charset.chars if c != ' ']
    assert len(ds) == 2 * len(visible) and ds.num_skipped == 1
    for i, char in enumerate(visible):
        glyph = charset.glyphs[charset.index(char)]
        for j, expected in enumerate((glyph, 255 - glyph)):
            out = ds[2 * i + j]
            assert out['data_samples'].gt_text.item == char
            img = out['inputs']['img'].numpy()  # RGB [3, 32, 32]
            assert img.shape == (3, 32, 32)
            assert (img == expected[None]).all()
    assert ds.get_sizes().tolist() == [[32, 32, 1]] * len(ds)


def test_bad_arguments_and_blank_dictionaries(tmp_path, glyph_dict):
    _, path = glyph_dict
    with pytest.raises(ValueError, match='polarities'):
        WnAGlyphDataset(ann_file=path, polarities=('upside_down', ))
    with pytest.raises(ValueError, match='polarities'):
        WnAGlyphDataset(ann_file=path, polarities=())
    blank = tmp_path / 'blank.npz'
    GlyphCharset(list('xy'), np.zeros((2, 32, 32), np.uint8)).save(blank)
    with pytest.raises(ValueError, match='no character with a visible glyph among its 2'):
        WnAGlyphDataset(ann_file=str(blank))
    with pytest.raises(FileNotFoundError):
        WnAGlyphDataset(ann_file=str(tmp_path / 'absent.npz'))
    one = WnAGlyphDataset(ann_file=path, polarities=['black_on_white'])
    assert len(one) == 5


def test_glyphs_fill_only_the_square_bucket_of_a_weighted_mix(tmp_path, glyph_dict):
    _, path = glyph_dict
    sizes = [(120, 30), (200, 40), (40, 40), (36, 30), (24, 120), (20, 90)]
    write_lmdb(tmp_path / 'crops', [(encode_png(w, h, seed=i), f'口{i}')
                                    for i, (w, h) in enumerate(sizes)])
    concat = ConcatDataset([WnALMDBDataset(ann_file=str(tmp_path / 'crops')),
                            WnAGlyphDataset(ann_file=path)])
    sampler = WnAAspectRatioBucketBatchSampler(
        dataset=concat, batch_size=30, count=10, seed=0, cache_dir=str(tmp_path / 'cache'),
        dataset_weights=[(0, [1, 3]), (10, [1, 3]), (20, [1, 0])])
    first = len(concat.datasets[0])
    glyph_members = set(range(first, len(concat)))
    assert glyph_members <= set(sampler.indices['rect'].tolist())
    assert not glyph_members & set(sampler.indices['hori'].tolist() +
                                   sampler.indices['vert'].tolist())
    batches = iter(sampler)
    early = [next(batches) for _ in range(10)]
    # steps 0-9: three quarters of the square bucket are glyphs; the other buckets have
    # no glyph and draw from the crops alone
    square = [i in glyph_members for batch in early for i in batch[10:20]]
    assert 0.65 < sum(square) / len(square) < 0.85
    assert all(i < first for batch in early for i in batch[:10] + batch[20:])
    for _ in range(10):
        next(batches)
    assert all(i < first for i in next(batches))  # from step 20 on, the crops alone
