"""Backbone sharing, attention pooling, temporal branch and expert shapes."""
from __future__ import annotations

import pytest
import torch
from conftest import make_sample

from projects.wna.models import (
    WnAExpert,
    WnAResNet45,
    WnAResNet45Core,
    WnASpatialAttentionPool,
    WnATemporalFPNCAM,
    decoupled_text_decoder,
    stretch_to_canvas,
)
from projects.wna.models.layers.resize import fixed_point_bilinear, resize_uint8_bilinear

NARROW = (4, 8, 16, 32, 64, 64)


def count(module: torch.nn.Module) -> int:
    return sum(p.numel() for p in module.parameters() if p.requires_grad)


def test_resnet45_core_parameter_counts_match_upstream():
    assert count(WnAResNet45Core()) == 28_566_368
    assert count(WnAResNet45Core(channels=(64, 64, 128, 256, 512, 512))) == 28_571_328


def test_resnet45_quirk_shortcuts_and_affine_free_norms():
    core = WnAResNet45Core(channels=NARROW)
    # every stage's first block has a 1x1 shortcut, the stage-5 one although 64->64 stride 1
    assert [stage[0].shortcut is not None for stage in core.stages] == [True] * 5
    assert core.stages[4][0].shortcut.weight.shape == (64, 64, 1, 1)
    assert all(stage[i].shortcut is None for stage in core.stages for i in range(1, len(stage)))
    assert all(c.bias is None for c in core.modules() if isinstance(c, torch.nn.Conv2d))
    norms = core.make_norms()
    assert count(norms) == 0 and len(list(norms.buffers())) > 0


@pytest.mark.parametrize('size,expected', [
    ((24, 96), [(12, 48), (6, 24), (6, 24)]), ((96, 24), [(48, 12), (24, 6), (24, 6)]),
    ((64, 64), [(32, 32), (16, 16), (16, 16)]), ((32, 32), [(16, 16), (8, 8), (8, 8)]),
])
def test_resnet45_map_sizes(size, expected):
    net = WnAResNet45(channels=NARROW)
    maps = net(torch.randn(2, 3, *size))
    assert [tuple(m.shape[-2:]) for m in maps] == expected
    assert [m.shape[1] for m in maps] == [8, 32, 64] == list(net.out_channels)


def test_norm_sets_give_different_statistics_with_shared_weights():
    core = WnAResNet45Core(channels=NARROW)
    a, b = core.make_norms(), core.make_norms()
    x = torch.randn(3, 3, 32, 32)
    core(x, a)
    core(x * 3 + 1, b)
    assert not torch.allclose(a.stem.running_mean, b.stem.running_mean)
    core.eval()
    a.eval()
    b.eval()
    assert not torch.allclose(core(x, a)[-1], core(x, b)[-1])
    with pytest.raises(ValueError, match='does not match'):
        core(x, WnAResNet45Core(channels=(4, 8, 16, 32, 64, 32)).make_norms())


def test_attention_pool_parameters_and_unit_norm():
    assert count(WnASpatialAttentionPool()) == 91_521
    pool = WnASpatialAttentionPool(in_channels=8, pos_channels=4)
    maps = [torch.randn(5, 8, 16, 16), torch.randn(5, 64, 8, 8)]
    out = pool(maps)
    assert out.shape == (5, 64)
    torch.testing.assert_close(out.norm(dim=1), torch.ones(5))
    # a single map is both the attention input and the pooled map
    assert pool(torch.randn(2, 8, 4, 6)).shape == (2, 8)


def test_temporal_branch_parameters_and_round_trip():
    assert count(WnATemporalFPNCAM()) == 2_299_840
    cam = WnATemporalFPNCAM(in_channels=(12, 36, 68), channels=8)
    for h, w in [(6, 24), (24, 6), (16, 16), (8, 32), (32, 8)]:
        maps = [torch.randn(2, 12, 2 * h, 2 * w), torch.randn(2, 36, h, w),
                torch.randn(2, 68, h, w)]
        t, endpoints = cam(maps)
        assert t.shape == (2, 8, h, w)
        assert len(endpoints) == 5 and all(e.shape[1] == 8 for e in endpoints)


def test_expert_parameters_and_outputs():
    core = WnAResNet45Core()
    expert = WnAExpert('hori', (24, 96), core.arch, core.out_channels)
    assert count(expert) == 2_361_665
    core = WnAResNet45Core(channels=NARROW)
    expert = WnAExpert('vert', (96, 24), core.arch, core.out_channels, se_channels=4,
                    cam_channels=8)
    imgs = [make_sample('a', h, w, seed=i)[0] for i, (h, w) in enumerate([(50, 10), (90, 20)])]
    out = expert(imgs, core)
    assert out.feat.shape == (2, 64, 24, 6)
    assert out.att.shape == (2, 32, 24, 6) and out.len_logits.shape == (2, 33)
    assert out.step_features(5).shape == (2, 5, 64)


def test_temporal_branch_is_detached_from_the_backbone():
    core = WnAResNet45Core(channels=NARROW)
    expert = WnAExpert('rect', (64, 64), core.arch, core.out_channels, se_channels=4,
                    cam_channels=8)
    imgs = [make_sample('a', 40, 40, seed=i)[0] for i in range(2)]
    expert(imgs, core).len_logits.sum().backward()
    assert all(p.grad is None for p in core.parameters())
    assert expert.length_head.weight.grad is not None
    core.zero_grad()
    expert(imgs, core).step_features(3).sum().backward()
    assert core.stem.weight.grad is not None


def test_stretch_matches_per_image_bilinear_interpolation():
    imgs = [make_sample('a', h, w, seed=i)[0] for i, (h, w) in
            enumerate([(10, 40), (30, 7), (10, 40), (24, 96)])]
    out = stretch_to_canvas(imgs, (24, 96))
    for img, got in zip(imgs, out):
        # on the uint8 pixels, as upstream (MODEL.md 13, quirk 7)
        ref = torch.nn.functional.interpolate(img[None], size=(24, 96), mode='bilinear',
                                              align_corners=False)[0].float()
        torch.testing.assert_close(got, (ref - 127.5) / 128)


def test_dtd_is_normalised_attention_average():
    att = torch.zeros(1, 2, 2, 2)
    att[0, 0, 0, 0] = 1.0
    att[0, 1] = 0.5
    feat = torch.arange(8.0).reshape(1, 2, 2, 2)
    out = decoupled_text_decoder(att, feat)
    torch.testing.assert_close(out[0, 0], torch.tensor([0.0, 4.0]) / (1 + 1e-4))
    torch.testing.assert_close(out[0, 1], feat[0].mean(dim=(1, 2)) * 2 / (2 + 1e-4))


@pytest.mark.parametrize('size', [(24, 96), (96, 24), (64, 64), (32, 128), (128, 32)])
def test_uint8_resize_is_torch_s_cpu_uint8_kernel_bit_for_bit_on_any_device(size):
    g = torch.Generator().manual_seed(sum(size))
    for _ in range(20):
        h, w = (int(v) for v in torch.randint(2, 300, (2, ), generator=g))
        images = torch.randint(0, 256, (2, 3, h, w), dtype=torch.uint8, generator=g)
        expected = torch.nn.functional.interpolate(images, size=size, mode='bilinear',
                                                   align_corners=False)
        assert torch.equal(fixed_point_bilinear(images, size), expected), (h, w)
        assert torch.equal(resize_uint8_bilinear(images, size), expected)
    floats = torch.nn.functional.interpolate(images.float(), size=size, mode='bilinear',
                                             align_corners=False)
    canvas = stretch_to_canvas(list(images), size)
    assert torch.equal(canvas * 128 + 127.5, expected.float())  # whole grey levels
    assert not torch.equal(expected.float(), floats)  # which a float resize is not
    with pytest.raises(ValueError, match='uint8'):
        resize_uint8_bilinear(images.float(), size)
