"""wna parts in a plain MMOCR setting: the router and the open-set prototype head on an
MMOCR ``ResNet31OCR`` backbone, built through MMOCR's registries and trained one step
with wna's per-module clipping optimiser."""
from __future__ import annotations

import torch
from conftest import make_charset, make_sample
from mmengine.optim import build_optim_wrapper
from mmocr.registry import MODELS, TASK_UTILS
from torch import nn

from projects.wna.models import LabelSpace, aroute_loss
from projects.wna.models.heads.glyph_encoder import glyphs_to_tensor

#: A narrow MMOCR ResNet31OCR returning two maps (the first feeds the attention).
RESNET31 = dict(type='ResNet31OCR', layers=[1, 1, 1, 1], channels=[8, 16, 16, 16, 32, 32, 32],
                out_indices=[0, 3])

ROUTER_CFG = dict(
    type='WnARouter', backbone=RESNET31, feat_channels=32, num_experts=3,
    pool=dict(type='WnASpatialAttentionPool', in_channels=16, pos_channels=4))

OPTIM_CFG = dict(
    type='WnAGroupClipOptimWrapper', constructor='WnAModuleGroupsOptimWrapperConstructor',
    optimizer=dict(type='Adadelta', lr=0.1, rho=0.9, eps=1e-6, weight_decay=5e-4),
    clip_grad=dict(max_norm=20, norm_type=2))


def thumbnails(sizes):
    """Thumbnails and aspect ratios of images of the given (H, W) sizes."""
    imgs = [make_sample('a', h, w, seed=i)[0] for i, (h, w) in enumerate(sizes)]
    thumbs = torch.stack([nn.functional.interpolate(i[None].float(), size=(32, 32),
                                                    mode='area')[0] for i in imgs])
    ar = torch.tensor([w / h for h, w in sizes], dtype=torch.float64)
    return (thumbs - 127.5) / 128, ar


def test_router_on_an_mmocr_backbone_trains_on_the_routing_rule():
    torch.manual_seed(0)
    router = MODELS.build(ROUTER_CFG)
    rule = TASK_UTILS.build(dict(type='WnARuleBasedRouting'))
    optim = build_optim_wrapper(router, OPTIM_CFG)
    assert [g['name'] for g in optim.optimizer.param_groups] == ['backbone', 'pool', 'command']
    thumbs, ar = thumbnails([(16, 80), (80, 16), (30, 30), (20, 60), (60, 20), (40, 44)])
    routed = rule.feasible(ar)  # one expert per image: the "base" variant's supervision
    before = [p.detach().clone() for p in router.parameters()]
    logits = router(thumbs)
    assert logits.shape == (6, 3)
    loss = aroute_loss(logits, torch.zeros(6, 3), routed)
    optim.update_params(loss)
    assert all(not torch.equal(a, b) for a, b in zip(before, router.parameters()))


def test_open_set_head_on_an_mmocr_backbone():
    torch.manual_seed(0)
    backbone = MODELS.build(RESNET31)
    pool_cfg = dict(type='WnASpatialAttentionPool', in_channels=16, pos_channels=4)
    head = nn.ModuleDict(dict(backbone=backbone, image_pool=MODELS.build(pool_cfg),
                              glyph_pool=MODELS.build(pool_cfg),
                              classifier=MODELS.build(dict(type='WnAOpenSetClassifier'))))
    optim = build_optim_wrapper(head, OPTIM_CFG)
    cs = make_charset()
    space = TASK_UTILS.build(dict(type='WnAPrototypeSampler', seed=0)).sample(['abc一'], cs)
    assert isinstance(space, LabelSpace)
    protos = head['glyph_pool'](backbone(glyphs_to_tensor(cs.glyphs[space.char_index])))
    # single characters as images: classify each by its prototype, UNK for withheld ones
    chars = ['a', 'b', 'c', '一']
    imgs = glyphs_to_tensor(cs.glyphs[[cs.index(c) for c in chars]])
    feats = head['image_pool'](backbone(imgs)) * 10
    logits = head['classifier'](feats, protos, torch.as_tensor(space.proto_labels),
                                space.num_labels)
    assert logits.shape == (4, space.num_labels + 1)
    targets = torch.tensor([t for c in chars for t in space.encode(c)])
    loss = nn.functional.cross_entropy(logits, targets)
    tau = head['classifier'].tau.detach().clone()
    optim.update_params(loss)
    assert not torch.equal(tau, head['classifier'].tau)
