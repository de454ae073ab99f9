"""wna transforms: BGR->RGB, ABINet-style augmentation, router thumbnail, packing."""
import random

import cv2
import numpy as np
import pytest
import torch
from mmcv.transforms import Compose
from mmengine.registry import init_default_scope
from mmocr.structures import TextRecogDataSample

from projects.wna.datasets.transforms import (
    PackWnAInputs,
    WnAAugment,
    WnABGRToRGB,
    WnARouterThumbnail,
)


def image(h: int, w: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)


def seed_all(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


ALWAYS = dict(p_geometry=1.0, p_deterioration=1.0, p_color=1.0)


def test_bgr_to_rgb_handles_grey_and_alpha():
    bgr = image(5, 7)
    out = WnABGRToRGB()(dict(img=bgr))
    np.testing.assert_array_equal(out['img'], bgr[..., ::-1])
    assert out['img_shape'] == (5, 7)
    grey = bgr[..., 0]
    for img in (grey, grey[..., None]):
        np.testing.assert_array_equal(WnABGRToRGB()(dict(img=img))['img'], np.stack([grey] * 3, -1))
    bgra = np.concatenate([bgr, np.full((5, 7, 1), 9, np.uint8)], -1)
    np.testing.assert_array_equal(WnABGRToRGB()(dict(img=bgra))['img'], bgr[..., ::-1])
    with pytest.raises(ValueError, match='BGRToRGB'):
        WnABGRToRGB()(dict(img=np.zeros((4, 4, 2), np.uint8)))


@pytest.mark.parametrize('shape', [(32, 128), (120, 30), (1, 2000), (2000, 1), (3, 7), (1, 2)])
def test_augment_keeps_uint8_rgb_and_updates_img_shape(shape):
    aug = WnAAugment(**ALWAYS)
    for seed in range(8):
        seed_all(seed)
        out = aug(dict(img=image(*shape, seed=seed), img_shape=shape))
        img = out['img']
        assert img.dtype == np.uint8 and img.ndim == 3 and img.shape[2] == 3 and img.size
        assert img.flags.c_contiguous and out['img_shape'] == img.shape[:2]
        assert img.shape[0] * img.shape[1] <= aug.max_pixels


def test_augment_caps_memory_for_large_images():
    aug = WnAAugment(**ALWAYS, max_pixels=1 << 14)
    for seed in range(5):
        seed_all(seed)
        out = aug(dict(img=image(300, 2000, seed)))['img']
        assert out.shape[0] * out.shape[1] <= 1 << 14 and out.shape[1] > out.shape[0]


def test_near_square_images_untouched():
    aug = WnAAugment(**ALWAYS)
    for h, w in [(40, 43), (43, 40), (1, 1), (100, 100)]:
        img = image(h, w)
        out = aug(dict(img=img.copy(), img_shape=(h, w)))
        np.testing.assert_array_equal(out['img'], img)
        assert out['img_shape'] == (h, w)


def test_tall_images_augmented_as_horizontal_and_returned_tall():
    tall = image(120, 30)
    aug = WnAAugment(**ALWAYS)
    for seed in range(10):
        seed_all(seed)
        out = aug(dict(img=tall))['img']
        seed_all(seed)
        lying = aug(dict(img=np.ascontiguousarray(np.rot90(tall, 1))))['img']
        np.testing.assert_array_equal(out, np.rot90(lying, -1))
        assert out.shape[0] > out.shape[1]
    # without geometry the shape is kept exactly
    seed_all(0)
    out = WnAAugment(p_geometry=0.0, p_deterioration=1.0, p_color=1.0)(dict(img=tall))['img']
    assert out.shape == tall.shape and not np.array_equal(out, tall)


def test_augment_randomness_drawn_per_call_and_reproducible():
    img = image(32, 128)
    aug = WnAAugment(**ALWAYS)
    seed_all(0)
    first, second = aug(dict(img=img))['img'], aug(dict(img=img))['img']
    assert first.shape != second.shape or not np.array_equal(first, second)
    seed_all(0)
    np.testing.assert_array_equal(aug(dict(img=img))['img'], first)
    np.testing.assert_array_equal(aug(dict(img=img))['img'], second)
    # deterioration alone keeps the size; its parameters still change per call
    det = WnAAugment(p_geometry=0.0, p_deterioration=1.0, p_color=0.0)
    outs = [det(dict(img=img))['img'] for _ in range(4)]
    assert all(o.shape == img.shape for o in outs)
    assert len({o.tobytes() for o in outs}) == 4


def test_augment_probabilities():
    img = image(32, 128)
    never = WnAAugment(p_geometry=0.0, p_deterioration=0.0, p_color=0.0)
    np.testing.assert_array_equal(never(dict(img=img))['img'], img)
    seed_all(1)
    default = WnAAugment()
    unchanged = sum(np.array_equal(default(dict(img=img))['img'], img) for _ in range(200))
    # P(no op) = 0.5 * 0.75 * 0.75 = 0.28; a rescale with f = 0 also leaves the image as is
    assert 30 < unchanged < 100


def test_augment_rejects_non_rgb_uint8():
    with pytest.raises(ValueError, match='uint8'):
        WnAAugment()(dict(img=np.zeros((10, 40, 3), np.float32)))


def test_thumbnail_is_cv2_inter_area():
    img = image(37, 211)
    out = WnARouterThumbnail()(dict(img=img))
    np.testing.assert_array_equal(out['thumb'], cv2.resize(img, (32, 32),
                                                           interpolation=cv2.INTER_AREA))
    assert WnARouterThumbnail(size=16)(dict(img=img))['thumb'].shape == (16, 16, 3)


def test_pack_shapes_types_and_meta():
    img = image(20, 90)
    results = dict(img=img, thumb=image(32, 32, 1), gt_texts=['词语'], img_path=None,
                   ori_shape=(20, 90), img_shape=(20, 90), test_key='T', dict_path='d.npz',
                   has_unk=True, sample_idx=3)
    packed = PackWnAInputs()(results)
    inputs, sample = packed['inputs'], packed['data_samples']
    assert inputs['img'].dtype == torch.uint8 and inputs['img'].shape == (3, 20, 90)
    assert inputs['thumb'].dtype == torch.uint8 and inputs['thumb'].shape == (3, 32, 32)
    np.testing.assert_array_equal(inputs['img'].permute(1, 2, 0).numpy(), img)
    assert isinstance(sample, TextRecogDataSample) and sample.gt_text.item == '词语'
    assert sample.metainfo == dict(img_path=None, ori_shape=(20, 90), img_shape=(20, 90),
                                   test_key='T', dict_path='d.npz', has_unk=True)
    # meta keys that are absent are skipped
    del results['test_key'], results['dict_path'], results['has_unk']
    assert set(PackWnAInputs()(results)['data_samples'].metainfo) == \
        {'img_path', 'ori_shape', 'img_shape'}
    with pytest.raises(ValueError, match='exactly one text'):
        PackWnAInputs()(dict(results, gt_texts=['a', 'b']))
    with pytest.raises(KeyError, match='RouterThumbnail'):
        PackWnAInputs()(dict(img=img))
    with pytest.raises(ValueError, match='uint8'):
        PackWnAInputs()(dict(img=img.astype(np.float32), thumb=image(32, 32)))


def test_inferencer_path_without_gt(tmp_path):
    """The test pipeline as MMOCR's inferencer rewrites it: InferencerLoader, no annotations."""
    init_default_scope('mmocr')
    pipeline = Compose([dict(type='InferencerLoader'), dict(type='WnABGRToRGB'),
                        dict(type='WnARouterThumbnail'), dict(type='PackWnAInputs')])
    bgr = image(24, 100)
    path = str(tmp_path / 'crop.png')
    cv2.imwrite(path, bgr)
    for source in (bgr, path):
        packed = pipeline(source)
        sample = packed['data_samples']
        assert 'gt_text' not in sample
        assert sample.img_shape == (24, 100) and sample.ori_shape == (24, 100)
        np.testing.assert_array_equal(packed['inputs']['img'].permute(1, 2, 0).numpy(),
                                      bgr[..., ::-1])
        assert packed['inputs']['thumb'].shape == (3, 32, 32)
