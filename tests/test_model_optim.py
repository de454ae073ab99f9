"""Per-module parameter groups, per-group clipping and a training run through MMEngine."""
from __future__ import annotations

import math
import os

import pytest
import torch
from conftest import (
    CONFIGS,
    DEFAULT_SAMPLES,
    DEMO_CONFIG,
    build_model,
    make_charset,
    make_sample,
)
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.optim import MultiStepLR, build_optim_wrapper
from mmengine.runner import Runner
from torch import nn

from projects.wna.engine.optim import WnAGroupClipOptimWrapper
from projects.wna.engine.optim.module_groups_constructor import module_param_groups

SCHEDULE = os.path.join(CONFIGS, '_base_', 'schedules', 'adadelta_400k.py')


def test_schedule_config_is_the_paper_setting():
    cfg = Config.fromfile(SCHEDULE)
    assert cfg.optim_wrapper.optimizer == dict(type='Adadelta', lr=0.1, rho=0.9, eps=1e-6,
                                               weight_decay=5e-4)
    assert cfg.optim_wrapper.clip_grad == dict(max_norm=20, norm_type=2)
    assert cfg.param_scheduler == [dict(type='MultiStepLR', by_epoch=False,
                                        milestones=[200000], gamma=0.01)]
    assert cfg.train_cfg == dict(type='IterBasedTrainLoop', max_iters=400000,
                                 val_interval=20000)


def test_wna_parameter_groups_cover_every_parameter_once():
    model = build_model(DEMO_CONFIG)
    groups = module_param_groups(model, model.clip_groups())
    names = [g['name'] for g in groups]
    assert names == [
        'router.backbone.core', 'router.pool', 'router.command', 'backbone',
        'glyph_encoder.pool', 'classifier',
        *[f'experts.{e}.{p}' for e in ('hori', 'vert', 'rect')
          for p in ('spatial_embedding', 'temporal', 'length_head', 'attention')]]
    ids = [id(p) for g in groups for p in g['params']]
    assert len(ids) == len(set(ids)) == len(list(model.parameters()))


class TwoModules(nn.Module):

    def __init__(self):
        super().__init__()
        self.big = nn.Linear(4, 4)
        self.small = nn.Linear(4, 4)


def _wrapper(model, constructor=True):
    cfg = dict(type='WnAGroupClipOptimWrapper',
               optimizer=dict(type='SGD', lr=0.0), clip_grad=dict(max_norm=20, norm_type=2))
    if constructor:
        cfg['constructor'] = 'WnAModuleGroupsOptimWrapperConstructor'
    return build_optim_wrapper(model, cfg)


def test_each_group_is_clipped_on_its_own():
    model = TwoModules()
    wrapper = _wrapper(model)
    assert isinstance(wrapper, WnAGroupClipOptimWrapper)
    assert [g['name'] for g in wrapper.optimizer.param_groups] == ['big', 'small']
    for p in model.big.parameters():
        p.grad = torch.full_like(p, 100.0)  # group norm 100 * sqrt(20) >> 20
    for p in model.small.parameters():
        p.grad = torch.full_like(p, 0.5)    # group norm 0.5 * sqrt(20) < 20
    small_before = [p.grad.clone() for p in model.small.parameters()]
    wrapper.step()
    big_norm = torch.norm(torch.stack([p.grad.norm() for p in model.big.parameters()]))
    assert abs(float(big_norm) - 20.0) < 1e-3
    for p, before in zip(model.small.parameters(), small_before):
        assert torch.equal(p.grad, before)  # a global clip would have scaled these too
    assert float(wrapper.message_hub.get_scalar('train/grad_norm').current()) > 400


def test_a_nan_group_norm_is_logged_as_nan_whatever_its_place():
    model = TwoModules()
    wrapper = _wrapper(model)
    for p in model.big.parameters():
        p.grad = torch.full_like(p, 1.0)
    for p in model.small.parameters():  # the second group: max() alone would hide it
        p.grad = torch.full_like(p, float('nan'))
    wrapper.step()
    assert math.isnan(float(wrapper.message_hub.get_scalar('train/grad_norm').current()))


def test_explicit_groups_and_fallback_groups():
    model = TwoModules()
    groups = module_param_groups(model, ['big.weight_holder', 'small'])
    assert [g['name'] for g in groups] == ['small', 'big']


def test_lr_mult_scales_named_groups_and_schedulers_keep_the_ratio():
    model = TwoModules()
    cfg = dict(type='WnAGroupClipOptimWrapper',
               constructor='WnAModuleGroupsOptimWrapperConstructor',
               optimizer=dict(type='Adam', lr=1e-3), paramwise_cfg=dict(lr_mult=dict(small=30)))
    wrapper = build_optim_wrapper(model, cfg)
    lrs = {g['name']: g['lr'] for g in wrapper.optimizer.param_groups}
    assert lrs == {'big': 1e-3, 'small': pytest.approx(3e-2)}
    scheduler = MultiStepLR(wrapper, milestones=[1], gamma=0.1, by_epoch=False)
    wrapper.step()
    scheduler.step()
    lrs = {g['name']: g['lr'] for g in wrapper.optimizer.param_groups}
    assert lrs == {'big': pytest.approx(1e-4), 'small': pytest.approx(3e-3)}
    with pytest.raises(ValueError, match='tiny'):
        build_optim_wrapper(model, dict(cfg, paramwise_cfg=dict(lr_mult=dict(tiny=2))))


def test_demo_config_speeds_up_only_the_rejection_threshold():
    """The single scalar tau would move at most ~lr per Adam step; the demo scales it."""
    model = build_model(DEMO_CONFIG)
    cfg = Config.fromfile(DEMO_CONFIG).optim_wrapper
    wrapper = build_optim_wrapper(model, cfg)
    base_lr = cfg.optimizer.lr
    faster = [g for g in wrapper.optimizer.param_groups if g['lr'] != base_lr]
    assert [g['name'] for g in faster] == ['classifier']
    assert faster[0]['lr'] == pytest.approx(30 * base_lr)
    assert faster[0]['params'] == [model.classifier.tau]


def test_training_run_through_the_mmengine_runner(tmp_path):
    cs = make_charset()
    model = build_model(DEMO_CONFIG, cs)
    schedule = Config.fromfile(SCHEDULE)
    samples = [make_sample(t, h, w, seed=i) for i, (t, h, w) in enumerate(DEFAULT_SAMPLES)]
    dataset = [dict(inputs=dict(img=img, thumb=thumb), data_samples=ds)
               for img, thumb, ds in samples]
    loader = torch.utils.data.DataLoader(dataset, batch_size=8, collate_fn=pseudo_collate)
    before = {n: p.detach().clone() for n, p in model.named_parameters()}
    runner = Runner(
        model=model, work_dir=str(tmp_path), train_dataloader=loader,
        optim_wrapper=schedule.optim_wrapper,
        param_scheduler=[dict(type='MultiStepLR', by_epoch=False, milestones=[1], gamma=0.01)],
        train_cfg=dict(type='IterBasedTrainLoop', max_iters=2, val_interval=100),
        default_hooks=dict(checkpoint=None), default_scope='mmocr')
    runner.train()
    wrapper = runner.optim_wrapper
    assert isinstance(wrapper, WnAGroupClipOptimWrapper)
    assert type(wrapper.optimizer).__name__ == 'Adadelta'
    assert len(wrapper.optimizer.param_groups) == 18
    assert [g['lr'] for g in wrapper.optimizer.param_groups] == [0.1 * 0.01] * 18
    changed = {n for n, p in model.named_parameters() if not torch.equal(p, before[n])}
    assert {'backbone.stem.weight', 'router.command.0.weight', 'classifier.tau'} <= changed
    scalars = runner.message_hub.log_scalars
    assert 'train/loss_route' in scalars and 'train/hori_share' in scalars
