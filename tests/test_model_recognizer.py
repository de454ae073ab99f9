"""WnARecognizer built from the real config files: training losses of every variant,
predictions, dictionary grouping, the prototype cache and parameter counts."""
from __future__ import annotations

import glob
import hashlib
import os

import pytest
import torch
from conftest import (
    CONFIGS,
    DEFAULT_SAMPLES,
    DEMO_CONFIG,
    build_model,
    make_batch,
    make_charset,
    narrow_model_cfg,
)
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmocr.registry import MODELS

from projects.wna.charset import UNKNOWN_CHAR
from projects.wna.models import WnALearnedRouting, WnARuleBasedRouting

VARIANT_CONFIGS = sorted(glob.glob(os.path.join(CONFIGS, 'ablation', '*.py'))) + [
    os.path.join(CONFIGS, 'tiny_nedmix.py'), os.path.join(CONFIGS, 'xl_nedmix.py'), DEMO_CONFIG]
LOSS_KEYS = {'loss_hori', 'loss_vert', 'loss_rect', 'loss_route'}


def train_losses(model, samples=DEFAULT_SAMPLES):
    model.train()
    data = model.data_preprocessor(make_batch(samples), True)
    return model.loss(**data)


@pytest.mark.parametrize('config', VARIANT_CONFIGS, ids=lambda p: os.path.relpath(p, CONFIGS))
def test_every_variant_trains_forward_and_backward(config):
    torch.manual_seed(0)
    model = build_model(config, make_charset())
    losses = train_losses(model)
    assert LOSS_KEYS <= set(losses)
    total = sum(v for k, v in losses.items() if 'loss' in k)
    assert torch.isfinite(total)
    total.backward()
    grads = {name: p.grad for name, p in model.named_parameters()}
    frozen_router = getattr(model.loss_module.route, 'detach_log_probs', False)
    for part in ('backbone.stem.weight', 'router.command.0.weight', 'classifier.tau',
                 'glyph_encoder.pool.pos', 'experts.hori.length_head.weight',
                 'experts.vert.attention.weight', 'experts.rect.spatial_embedding.grids.0'):
        if part.startswith('router.') and frozen_router:
            assert grads[part] is None, part  # upstream's pgroute: the router never learns
            continue
        assert grads[part] is not None and torch.isfinite(grads[part]).all(), part
    shares = sum(float(losses[f'{e}_share']) for e in ('hori', 'vert', 'rect'))
    if isinstance(model.routing, WnARuleBasedRouting):
        assert shares == pytest.approx(1.0)  # one expert per sample
    else:
        assert shares > 1.0  # every feasible expert trains on a sample


def test_router_learns_only_from_the_route_loss():
    model = build_model(DEMO_CONFIG, make_charset())
    losses = train_losses(model)
    (losses['loss_hori'] + losses['loss_vert'] + losses['loss_rect']).backward()
    assert all(p.grad is None for p in model.router.parameters())
    model.zero_grad()
    losses = train_losses(model)
    losses['loss_route'].backward()
    assert model.router.command[0].weight.grad is not None
    assert model.backbone.stem.weight.grad is None


@pytest.mark.parametrize('variant', ['r1', 'r1_s', 'r2', 'r2_s'])
def test_paper_pgroute_configs_keep_the_router_frozen_unless_asked(variant):
    """Upstream's pgroute runs (MODEL.md 8.3): no gradient reaches the router weights,
    its BatchNorm statistics still move; detach_log_probs=False lets it learn."""
    config = os.path.join(CONFIGS, 'ablation', f'{variant}.py')
    for learn in (False, True):
        torch.manual_seed(0)
        cfg = narrow_model_cfg(Config.fromfile(config))
        cfg['loss']['route']['detach_log_probs'] = not learn
        cfg['train_charset'] = make_charset()
        model = MODELS.build(cfg)
        optim = build_optim_wrapper(model, Config.fromfile(config).optim_wrapper)
        before = {k: v.clone() for k, v in model.router.state_dict().items()}
        for _ in range(2):
            model.train_step(make_batch(), optim)
        after = model.router.state_dict()
        weights = [k for k, _ in model.router.named_parameters()]
        changed = [k for k in weights if not torch.equal(before[k], after[k])]
        assert changed == (weights if learn else [])
        assert not torch.equal(before['command.1.running_mean'], after['command.1.running_mean'])


def test_unroutable_samples_are_skipped_not_crashed():
    model = build_model(DEMO_CONFIG, make_charset())
    samples = [('', 20, 60), ('a' * 40, 20, 60), ('ab', 20, 60), ('cd', 60, 20)]
    losses = train_losses(model, samples)
    assert float(losses['hori_share']) == pytest.approx(0.25)
    assert float(losses['vert_share']) == pytest.approx(0.25)
    assert torch.isfinite(sum(v for k, v in losses.items() if 'loss' in k))


def test_training_needs_a_charset():
    model = build_model(DEMO_CONFIG)
    with pytest.raises(ValueError, match='train_charset'):
        train_losses(model)


def test_predictions_follow_the_contract_and_group_by_dictionary(tmp_path):
    cs_a = make_charset()
    cs_b = make_charset(list('xyzXYZ'), seed=1)
    path_a, path_b = str(tmp_path / 'a.npz'), str(tmp_path / 'b.npz')
    cs_a.save(path_a)
    cs_b.save(path_b)
    model = build_model(DEMO_CONFIG, cs_a, default_charset=path_b)
    batch = make_batch()
    for i, ds in enumerate(batch['data_samples']):
        if i % 3 == 0:
            ds.set_metainfo(dict(dict_path=path_a))
    model.eval()
    with torch.no_grad():
        out = model.predict(**model.data_preprocessor(batch, False))
    assert len(out) == len(DEFAULT_SAMPLES)
    for i, ds in enumerate(out):
        allowed = set((cs_a if i % 3 == 0 else cs_b).label_chars) | {UNKNOWN_CHAR}
        assert set(ds.pred_text.item) <= allowed
        assert len(ds.pred_text.score) == len(ds.pred_text.item)
        assert all(0 <= s <= 1 for s in ds.pred_text.score)
        route = ds.pred_route
        assert route.expert == ('hori', 'vert', 'rect')[route.index]
        assert len(route.probs) == 3 and sum(route.probs) == pytest.approx(1.0)
        h, w = DEFAULT_SAMPLES[i][1:]
        if w / h > 3:
            assert route.expert == 'hori'
        elif w / h < 0.3:
            assert route.expert == 'vert'
    assert set(cached_dictionaries(model)) == {path_a, path_b}


def test_rule_based_routing_does_not_run_the_router_at_test():
    cs = make_charset()
    model = build_model(os.path.join(CONFIGS, 'ablation', 'base.py'), cs)
    model.router.register_forward_hook(lambda *_: pytest.fail('the router ran'))
    model.eval()
    with torch.no_grad():
        out = model.predict(**model.data_preprocessor(make_batch(), False))
    ratios = torch.tensor([w / h for _, h, w in DEFAULT_SAMPLES], dtype=torch.float64)
    rule = model.routing.test_mask(ratios).float().argmax(dim=1).tolist()
    assert [ds.pred_route.index for ds in out] == rule
    assert [ds.pred_route.probs[i] for ds, i in zip(out, rule)] == [1.0] * len(out)


def test_predict_takes_the_dictionary_and_the_routing_as_arguments():
    cs, other = make_charset(), make_charset(list('xyzXYZ'), seed=1)
    model = build_model(DEMO_CONFIG, cs)
    model.eval()
    with torch.no_grad():
        out = model.predict(**model.data_preprocessor(make_batch(), False), charset=other,
                            routing=dict(type='WnARuleBasedRouting'))
    assert all(set(ds.pred_text.item) <= set(other.label_chars) | {UNKNOWN_CHAR} for ds in out)
    ratios = torch.tensor([w / h for _, h, w in DEFAULT_SAMPLES], dtype=torch.float64)
    rule = WnARuleBasedRouting().test_mask(ratios).float().argmax(dim=1).tolist()
    assert [ds.pred_route.index for ds in out] == rule
    assert model.default_charset is cs and isinstance(model.routing, WnALearnedRouting)


def test_prediction_without_any_dictionary_is_a_clear_error():
    model = build_model(DEMO_CONFIG)
    model.eval()
    with pytest.raises(ValueError, match='default_charset'):
        model.predict(**model.data_preprocessor(make_batch(DEFAULT_SAMPLES[:2]), False))


def cached_dictionaries(model) -> list:
    """The dictionaries whose prototypes the model's bank holds for its current weights."""
    return model.prototype_bank.cached(model.glyph_encoder, model.backbone)


def test_prototype_cache_is_dropped_when_weights_may_change():
    cs = make_charset()
    model = build_model(DEMO_CONFIG, cs)
    model.eval()
    space, protos, _ = model.prototypes_for(cs)
    assert model.prototypes_for(cs)[1] is protos  # cached
    assert protos.shape == (len(cs), 64) and space.num_labels == cs.num_labels
    model.eval()
    assert model.prototypes_for(cs)[1] is protos  # eval() keeps a warmed cache
    model.load_state_dict(model.state_dict())
    assert not cached_dictionaries(model)
    model.prototypes_for(cs)
    model.train()
    train_losses(model)  # a training forward moves the BatchNorm statistics
    assert not cached_dictionaries(model)
    model.prototypes_for(cs)
    assert not cached_dictionaries(model)  # never cached in training mode


def test_checkpoint_state_is_enough_to_predict():
    cs = make_charset()
    torch.manual_seed(0)
    trained = build_model(DEMO_CONFIG, cs)
    for _ in range(2):  # move the BN running statistics away from their initial values
        train_losses(trained)
    torch.manual_seed(1)
    fresh = build_model(DEMO_CONFIG, cs)
    fresh.load_state_dict(trained.state_dict())
    batch = make_batch()
    results = []
    for model in (trained, fresh):
        model.eval()
        with torch.no_grad():
            out = model.predict(**model.data_preprocessor(batch, False))
        results.append([(d.pred_text.item, d.pred_route.index, d.pred_text.score) for d in out])
    assert results[0] == results[1]


#: sha256 of the ``<key> <shape>`` lines of the demo and XL models' state dicts, as
#: checkpoints written before the package was restructured (commit 97e43c9) hold them.
STATE_DICT_LAYOUTS = {
    'demo/tiny_nedmix_demo.py': (528, '5e3d4381460ee829a7b44fdff498919118a66281'
                                      '2c2d78082fb95d7055317f47'),
    'xl_nedmix.py': (1106, 'e3d73521b5b840ec27e9005aa516eededd7edc4c4ad0f1baf421162fa7dff832'),
}


@pytest.mark.parametrize('config', sorted(STATE_DICT_LAYOUTS))
def test_state_dict_layout_is_that_of_earlier_checkpoints(config):
    cfg = Config.fromfile(os.path.join(CONFIGS, config)).model.to_dict()
    cfg['train_charset'] = cfg['default_charset'] = None
    state = MODELS.build(cfg).state_dict()
    text = '\n'.join(f'{k} {tuple(v.shape)}' for k, v in state.items())
    assert (len(state), hashlib.sha256(text.encode()).hexdigest()) == STATE_DICT_LAYOUTS[config]


def test_state_dict_holds_the_shared_core_once():
    model = build_model(DEMO_CONFIG)
    keys = model.state_dict().keys()
    assert sum(k.endswith('stem.weight') for k in keys) == 2  # shared core + router core
    assert sum(k.endswith('stem.running_mean') for k in keys) == 5  # 3 experts, glyphs, router


def count(module: torch.nn.Module) -> int:
    return sum(p.numel() for p in module.parameters() if p.requires_grad)


def test_parameter_counts_of_the_full_width_models():
    """MODEL.md 10 counts 64,403,334 including upstream's unused 1,024-parameter
    ``sp_token_embedding``, which this model omits."""
    tiny = build_model(os.path.join(CONFIGS, 'tiny_nedmix.py'), narrow=False)
    assert count(tiny) == 64_402_310 == 64_403_334 - 1_024
    assert count(tiny) - count(tiny.router) == 35_742_885 == 35_743_909 - 1_024
    del tiny
    xl = build_model(os.path.join(CONFIGS, 'xl_nedmix.py'), narrow=False)
    assert count(xl) == 64_413_254 - 1_024


def test_data_preprocessor_keeps_image_sizes_and_normalises_thumbnails():
    model = build_model(DEMO_CONFIG)
    batch = make_batch(DEFAULT_SAMPLES[:3])
    out = model.data_preprocessor(batch, False)
    imgs, thumbs = out['inputs']['imgs'], out['inputs']['thumbs']
    assert [tuple(i.shape) for i in imgs] == [(3, h, w) for _, h, w in DEFAULT_SAMPLES[:3]]
    assert imgs[0].dtype == torch.uint8 and thumbs.shape == (3, 3, 32, 32)
    raw = torch.stack(batch['inputs']['thumb']).float()
    torch.testing.assert_close(thumbs, (raw - 127.5) / 128)
    with pytest.raises(KeyError, match='PackWnAInputs'):
        model.data_preprocessor(dict(inputs=dict(img=imgs), data_samples=None), False)


def test_tensor_mode_returns_routing_and_expert_outputs():
    model = build_model(DEMO_CONFIG, make_charset())
    model.eval()
    data = model.data_preprocessor(make_batch(), False)
    with torch.no_grad():
        out = model(data['inputs'], data['data_samples'], mode='tensor')
    assert out['route_logits'].shape == (len(DEFAULT_SAMPLES), 3)
    routed = sorted(i for idx, _ in out['experts'].values() for i in idx)
    assert routed == list(range(len(DEFAULT_SAMPLES)))  # each image to exactly one expert
    for name, (idx, expert_out) in out['experts'].items():
        assert expert_out.len_logits.shape == (len(idx), 33)
        assert out['chosen'][idx].eq(['hori', 'vert', 'rect'].index(name)).all()


def test_experts_must_read_the_longest_admitted_label():
    cfg = narrow_model_cfg(Config.fromfile(DEMO_CONFIG))
    cfg['experts']['vert']['max_len'] = 16
    with pytest.raises(ValueError, match='vert'):
        MODELS.build(cfg)


#: MODEL.md 11: variant -> (rule-based routing, router loss, penalty, OHEM).
ABLATION_TABLE = {
    'base': (True, 'aroute', 'loss', 'none'), 'base_s': (True, 'aroute', 'loss', 'ohem01E'),
    'r1': (False, 'pgroute', 'loss', 'none'), 'r1_s': (False, 'pgroute', 'loss', 'ohem01E'),
    'r2': (False, 'pgroute', 'nedmix', 'none'),
    'r2_s': (False, 'pgroute', 'nedmix', 'ohem01E'),
    'r3': (False, 'aroute', 'loss', 'none'), 'r3_s': (False, 'aroute', 'loss', 'ohem01E'),
    'wna': (False, 'aroute', 'nedmix', 'none'), 'wna_s': (False, 'aroute', 'nedmix', 'ohem01E'),
    'wna_sa': (False, 'aroute', 'nedmix', 'ohem01'),
}


#: The paper's names of the loss parts.
PAPER_NAMES = {'WnAImitationRouteLoss': 'aroute', 'WnAPolicyGradientRouteLoss': 'pgroute',
               'WnALossPenalty': 'loss', 'WnANEDMixPenalty': 'nedmix'}


def ohem_name(mining) -> str:
    if mining is None:
        return 'none'
    assert mining.type == 'WnAOHEM' and mining.fraction == 0.1
    return 'ohem01E' if mining.weighted else 'ohem01'


@pytest.mark.parametrize('variant', sorted(ABLATION_TABLE))
def test_ablation_configs_match_the_paper_table(variant):
    cfg = Config.fromfile(os.path.join(CONFIGS, 'ablation', f'{variant}.py'))
    model = cfg.model
    assert cfg.variant == variant
    assert (model.routing.type == 'WnARuleBasedRouting', PAPER_NAMES[model.loss.route.type],
            PAPER_NAMES[model.loss.penalty.type], ohem_name(model.loss.mining)
            ) == ABLATION_TABLE[variant]
    assert [model.experts[e].canvas for e in ('hori', 'vert', 'rect')] == [
        [24, 96], [96, 24], [64, 64]]
    assert model.backbone.channels == [32, 64, 128, 256, 512, 512]
    assert model.train_charset.endswith('dictsv2/dab3791MC')


def test_xl_config_changes_only_canvases_and_stem():
    cfg = Config.fromfile(os.path.join(CONFIGS, 'xl_nedmix.py'))
    base = Config.fromfile(os.path.join(CONFIGS, 'tiny_nedmix.py'))
    assert cfg.model.backbone.channels == [64, 64, 128, 256, 512, 512]
    assert [cfg.model.experts[e].canvas for e in ('hori', 'vert', 'rect')] == [
        [32, 128], [128, 32], [64, 64]]
    assert list(cfg.model.experts) == ['hori', 'vert', 'rect']
    assert cfg.model.loss == base.model.loss and cfg.model.routing == base.model.routing
