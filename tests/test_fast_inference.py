"""The fast test-time path (``WnAFastInference``) against exact float32, BatchNorm folding,
and bfloat16 autocast training (``WnAGroupClipAutocastOptimWrapper``) on small models.

Tolerances: folding alone is float32 arithmetic in another order (|delta| <= 1e-4 on
O(1) values); bfloat16 keeps 8 significant bits, so the fast path's router logits and
prototype cosines may move by a few 1e-2, and decisions (experts, lengths) stay the same
on these inputs. A bfloat16 training loss is within 10 % of the float32 one (measured 2-4 %).
"""
from __future__ import annotations

import argparse

import pytest
import torch
from conftest import (
    DEMO_CONFIG,
    NARROW_CONFIG,
    build_model,
    load_tool,
    make_batch,
    make_charset,
    narrow_model_cfg,
)
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmocr.registry import MODELS

from projects.wna.analysis.benchmark import seed_everything
from projects.wna.analysis.benchmark.demo_accuracy import compare_accuracy
from projects.wna.apis import FAST_INFERENCE, add_reading_args, reading_options
from projects.wna.engine.runner_setup import enable_amp
from projects.wna.models import (
    WnAFastInference,
    WnAFoldedResNet45,
    fold_conv_norm_blocks,
)
from projects.wna.models.experts.temporal import (
    ColumnSafeConv2d,
    ColumnSafeConvTranspose2d,
    WnATemporalFPNCAM,
)
from projects.wna.models.fast import auto_dtype
from projects.wna.models.fast.int8 import WnAInt8OnFirstCall, cpu_int8_supported
from projects.wna.models.heads.glyph_encoder import glyphs_to_tensor

BF16 = auto_dtype(torch.device('cpu')) is not None
needs_bf16 = pytest.mark.skipif(not BF16, reason='this CPU has no native bfloat16')


def randomise_norms(model: torch.nn.Module, seed: int = 0) -> None:
    """Give every BatchNorm non-trivial running statistics (and affine parameters), so
    that folding has something to fold."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d | torch.nn.BatchNorm1d):
                m.running_mean.copy_(torch.randn(m.num_features, generator=gen) * 0.1)
                m.running_var.copy_(torch.rand(m.num_features, generator=gen) + 0.5)
                if m.affine:
                    m.weight.copy_(torch.rand(m.num_features, generator=gen) + 0.5)
                    m.bias.copy_(torch.randn(m.num_features, generator=gen) * 0.1)


@pytest.fixture(scope='module')
def model():
    torch.manual_seed(0)
    model = build_model(NARROW_CONFIG, make_charset())
    randomise_norms(model)
    return model.eval()


@pytest.fixture(scope='module')
def inputs(model):
    return model.data_preprocessor(make_batch(), False)


def test_folding_the_norms_into_the_core_is_exact(model):
    x = torch.randn(3, 3, 32, 64)
    for norms in [model.glyph_encoder.norms, *(e.norms for e in model.experts.values())]:
        folded = WnAFoldedResNet45(model.backbone, norms)
        assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in folded.modules())
        with torch.no_grad():
            exact, fast = model.backbone(x, norms), folded(x)
        for a, b in zip(exact, fast, strict=True):
            assert (a - b).abs().max() <= 1e-4 * max(1.0, float(a.abs().max()))
    norms = model.glyph_encoder.norms
    norms.train()
    try:
        with pytest.raises(RuntimeError, match='eval-mode'):
            WnAFoldedResNet45(model.backbone, norms)
    finally:
        norms.eval()


def test_folding_the_temporal_branch_is_exact(model):
    expert = model.experts['hori']
    with torch.no_grad():
        maps = expert.spatial_embedding(model.backbone(torch.randn(2, 3, *expert.canvas),
                                                       expert.norms))
        folded = fold_conv_norm_blocks(expert.temporal)
        (t, ends), (t2, ends2) = expert.temporal(maps), folded(maps)
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in folded.modules())
    for a, b in zip([t, *ends], [t2, *ends2], strict=True):
        assert (a - b).abs().max() <= 1e-4 * max(1.0, float(a.abs().max()))
    assert any(isinstance(m, torch.nn.BatchNorm2d) for m in expert.temporal.modules())


def test_float32_fast_path_reads_as_exact(model, inputs):
    exact = model.predict(**inputs, fast=False)
    folded = model.predict(**inputs, fast=WnAFastInference(dtype=None))
    assert [s.pred_text.item for s in folded] == [s.pred_text.item for s in exact]
    for a, b in zip(exact, folded):
        assert b.pred_text.score == pytest.approx(a.pred_text.score, abs=1e-4)
        assert b.pred_route.probs == pytest.approx(a.pred_route.probs, abs=1e-5)


@needs_bf16
def test_fast_path_stays_close_to_float32(model, inputs):
    fast = WnAFastInference()
    assert fast.dtype_on(torch.device('cpu')) == torch.bfloat16 and fast.channels_last
    with torch.no_grad():
        logits, chosen, experts = model.extract_feat(inputs['inputs'], fast=False)
        logits2, chosen2, experts2 = model.extract_feat(inputs['inputs'], fast=fast)
    assert (logits2 - logits).abs().max() <= 0.05 * max(1.0, float(logits.abs().max()))
    assert torch.equal(chosen, chosen2)
    for name, (idx, out) in experts.items():
        idx2, out2 = experts2[name]
        assert idx2 == idx
        assert out2.feat.dtype == out2.att.dtype == out2.len_logits.dtype == torch.float32
        assert torch.equal(out2.len_logits.argmax(1), out.len_logits.argmax(1))
        assert (out2.att - out.att).abs().max() <= 0.05
    cs = model.default_charset
    exact, quick = model.prototypes_for(cs, False), model.prototypes_for(cs, fast)
    assert quick.protos is not exact.protos  # cached apart
    assert model.prototypes_for(cs, fast).protos is quick.protos
    assert (1 - (exact.protos * quick.protos).sum(1)).abs().max() <= 0.02


def test_fast_copies_follow_the_weights(model):
    fast = WnAFastInference(dtype=None)
    norms = model.experts['rect'].norms
    x = torch.randn(1, 3, 32, 32)
    with torch.no_grad():
        before = fast.backbone(model.backbone, norms)(x)[-1]
        model.backbone.stem.weight.mul_(2)
        try:
            after = fast.backbone(model.backbone, norms)(x)[-1]
            exact = model.backbone(x, norms)[-1]
        finally:
            model.backbone.stem.weight.div_(2)
    assert not torch.allclose(before, after)
    assert torch.allclose(after, exact, atol=1e-4)


@pytest.mark.skipif(not cpu_int8_supported(), reason='no x86 quantised engine')
def test_int8_glyph_encoding_is_close_deterministic_and_calibrated_once(model):
    norms, core = model.glyph_encoder.norms, model.backbone
    glyphs = glyphs_to_tensor(make_charset().glyphs, torch.device('cpu'))
    fast = WnAFastInference(dtype=None, int8_glyphs=True)
    assert fast.int8_on(torch.device('cpu')) and not WnAFastInference().int8_on(torch.device('cpu'))

    def int8_copies() -> list:
        return [m for _, m in fast._copies.values() if isinstance(m, WnAInt8OnFirstCall)]

    with torch.no_grad():
        exact = model.glyph_encoder.pool(core(glyphs, norms))
        quick = model.glyph_encoder.pool(fast.glyph_backbone(core, norms)(glyphs))
        copy_, = int8_copies()
        assert copy_.float_module is None and any(
            isinstance(m, torch.ao.nn.quantized.Conv2d) for m in copy_.int8_module.modules())
        # calibrated once: other glyphs run through the same int8 model
        fast.glyph_backbone(core, norms)(glyphs.flip(0))
        assert int8_copies() == [copy_]
        again = model.glyph_encoder.pool(
            WnAFastInference(dtype=None, int8_glyphs=True).glyph_backbone(core, norms)(glyphs))
        plain = WnAFastInference(dtype=None)
        folded = model.glyph_encoder.pool(plain.glyph_backbone(core, norms)(glyphs))
    cosine = (exact * quick).sum(1)
    assert 0 < (1 - cosine).abs().max() <= 0.02  # int8 moves the prototypes a little
    assert torch.equal(again, quick)  # same first glyphs -> same calibration
    assert (folded - exact).abs().max() <= 1e-4  # int8 off: the float32 folded copy
    assert fast.key != plain.key
    with pytest.raises(ValueError, match='int8_calibration'):
        WnAFastInference(int8_calibration=0)


def test_fast_path_switches(model, inputs):
    with pytest.raises(ValueError, match='not True'):
        model.predict(**inputs, fast=True)
    cs = make_charset()
    compat = build_model(NARROW_CONFIG, cs)
    compat.upstream_compat = True
    with pytest.raises(ValueError, match='exact float32'):
        compat.predict(**compat.data_preprocessor(make_batch(), False),
                       fast=WnAFastInference())
    parser = argparse.ArgumentParser()
    parser.add_argument('--cfg-options', default=None)
    add_reading_args(parser)
    assert reading_options(parser.parse_args(['--fast'])) == {
        'model.fast_inference': FAST_INFERENCE}
    with pytest.raises(SystemExit):
        parser.parse_args(['--fast', '--upstream-compat'])


def test_configured_fast_path_is_the_default(inputs):
    cs = make_charset()
    cfg = narrow_model_cfg(Config.fromfile(NARROW_CONFIG))
    cfg.update(train_charset=cs, default_charset=cs, fast_inference=dict(FAST_INFERENCE))
    torch.manual_seed(0)
    model = MODELS.build(cfg).eval()
    assert isinstance(model.fast_inference, WnAFastInference)
    configured = model.predict(**inputs)
    explicit = model.predict(**inputs, fast=model.fast_inference)
    assert [s.pred_text.item for s in configured] == [s.pred_text.item for s in explicit]
    with pytest.raises(ValueError, match='exact float32'):
        MODELS.build(dict(cfg, upstream_compat=True))


def test_column_safe_convolution_has_sane_weight_gradients():
    torch.manual_seed(0)
    conv = ColumnSafeConv2d(16, 16, 3, (2, 2), 1)
    reference = torch.nn.Conv2d(16, 16, 3, (2, 2), 1)
    reference.load_state_dict(conv.state_dict())
    for _ in range(10):
        x = torch.randn(8, 16, 6, 1)
        grad = torch.randn(8, 16, 3, 1)
        conv.zero_grad()
        reference.zero_grad()
        with torch.autocast('cpu', torch.bfloat16):
            y = conv(x)
        y.backward(grad.to(y.dtype))
        reference(x).backward(grad)
        assert torch.allclose(conv.weight.grad, reference.weight.grad, atol=1e-4)
        assert y.dtype == torch.float32  # ran in float32
    wide = torch.randn(2, 16, 6, 4)
    with torch.autocast('cpu', torch.bfloat16):
        assert conv(wide).dtype == torch.bfloat16  # wider inputs stay in bfloat16


def relative_error(value: torch.Tensor, exact: torch.Tensor) -> float:
    return float((value.float() - exact).norm() / exact.norm())


@pytest.mark.parametrize('channels, rows', [(16, 12), (64, 12)])
def test_column_safe_convolution_is_right_on_one_column_outputs(channels, rows):
    # Two columns in, one out: oneDNN's bfloat16 forward pass is garbage there (every
    # call, on the CPU of docs/performance.md), the vertical CAM encoder's 12 x 2 -> 6 x 1.
    torch.manual_seed(0)
    conv = ColumnSafeConv2d(channels, channels, 3, (2, 2), 1)
    for _ in range(5):
        x = torch.randn(8, channels, rows, 2)
        with torch.no_grad(), torch.autocast('cpu', torch.bfloat16):
            y = conv(x)
        with torch.no_grad():
            exact = torch.nn.Conv2d.forward(conv, x)
        assert relative_error(y, exact) < 0.05  # bfloat16 alone: ~0.004
        assert y.dtype == torch.float32
    assert conv.output_width(2) == 1 and conv.output_width(3) == 2
    with torch.autocast('cpu', torch.bfloat16):  # two-column outputs stay in bfloat16
        assert conv(torch.randn(2, channels, rows, 3)).dtype == torch.bfloat16


@pytest.mark.parametrize('channels, rows', [(16, 6), (64, 6)])
def test_column_safe_transposed_convolution_has_sane_input_gradients(channels, rows):
    # The input gradient of a transposed convolution over one column is a convolution
    # with a one-column output: garbage in bfloat16 (the vertical CAM decoder's 6 x 1).
    torch.manual_seed(0)
    deconv = ColumnSafeConvTranspose2d(channels, channels, 4, 2, 1)
    for _ in range(5):
        x = torch.randn(8, channels, rows, 1, requires_grad=True)
        exact_x = x.detach().clone().requires_grad_()
        grad = torch.randn(8, channels, 2 * rows, 2)
        with torch.autocast('cpu', torch.bfloat16):
            y = deconv(x)
        y.backward(grad.to(y.dtype))
        torch.nn.ConvTranspose2d.forward(deconv, exact_x).backward(grad)
        assert relative_error(x.grad, exact_x.grad) < 0.05
        assert y.dtype == torch.float32
    with torch.autocast('cpu', torch.bfloat16):
        assert deconv(x, output_size=(2 * rows + 1, 3)).shape[-2:] == (2 * rows + 1, 3)
        assert deconv(torch.randn(2, channels, rows, 2)).dtype == torch.bfloat16


def test_vertical_cam_gradients_under_autocast_track_float32():
    # The demo twin's CAM on the vertical canvas (96 x 24: maps 48 x 12 and 24 x 6; CAM
    # widths 6 -> 3 -> 2 -> 1 and back): every gradient finite and near float32's. Through
    # the training-mode BatchNorms, bfloat16 moves random-input weight gradients by
    # 12-22 % (relative norm; the same on the hori and rect canvases), the defect by 1e30+.
    # Conv biases are skipped: a BatchNorm follows, so their exact gradient is ~0.
    torch.manual_seed(0)
    cam = WnATemporalFPNCAM(in_channels=(24, 72, 136), channels=16).train()
    maps = [torch.randn(11, 24, 48, 12), torch.randn(11, 72, 24, 6),
            torch.randn(11, 136, 24, 6)]
    grad = torch.randn(11, 16, 24, 6)

    def grads(autocast: bool) -> dict[str, torch.Tensor]:
        cam.zero_grad()
        with torch.autocast('cpu', torch.bfloat16, enabled=autocast):
            t, _ = cam(maps)
        (t.float() * grad).sum().backward()
        return {n: p.grad.clone() for n, p in cam.named_parameters()}

    exact = grads(False)
    for _ in range(3):
        for name, g in grads(True).items():
            assert torch.isfinite(g).all(), name
            if not name.endswith('.bias'):
                assert relative_error(g, exact[name]) < 0.5, name


@needs_bf16
def test_bfloat16_autocast_training_tracks_float32():
    torch.manual_seed(0)
    model = build_model(DEMO_CONFIG, make_charset(), narrow=False).train()
    cfg = Config.fromfile(DEMO_CONFIG)
    enable_amp(cfg, 'cpu')
    assert cfg.optim_wrapper.type == 'WnAGroupClipAutocastOptimWrapper'
    wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    data = model.data_preprocessor(make_batch(), True)
    state = {k: v.clone() for k, v in model.state_dict().items()}

    def loss(autocast: bool) -> torch.Tensor:
        model.load_state_dict(state)  # the same BatchNorm statistics for both
        seed_everything(0)  # the same prototypes for both
        with wrapper.optim_context(model) if autocast else torch.enable_grad():
            return model.parse_losses(model(**data, mode='loss'))[0]

    exact, mixed = loss(False), loss(True)
    assert mixed.dtype == torch.float32  # the objective is computed in float32
    assert float(mixed) == pytest.approx(float(exact), rel=0.1)  # measured: 2-4 %
    mixed.backward()
    grads = [p.grad for p in model.parameters() if p.grad is not None]
    assert len(grads) > 10 and all(torch.isfinite(g).all() for g in grads)

    before = [p.detach().clone() for p in model.parameters()]
    batch = make_batch()
    losses = [float(model.train_step(batch, wrapper)['loss'].detach()) for _ in range(3)]
    assert all(0 < v < 100 for v in losses)
    assert all(torch.isfinite(p).all() and p.dtype == torch.float32
               for p in model.parameters())
    assert sum(not torch.equal(a, p) for a, p in zip(before, model.parameters())) > 10


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason='needs a CUDA GPU')
def test_fast_path_on_cuda_matches_the_cpu(model, inputs):
    from projects.wna.models import stretch_to_canvas
    cuda = build_model(NARROW_CONFIG, make_charset())
    cuda.load_state_dict(model.state_dict())
    cuda = cuda.cuda().eval()
    data = cuda.data_preprocessor(make_batch(), False)
    for img in data['inputs']['imgs'][:4]:
        canvas = (24, 96)
        assert torch.equal(stretch_to_canvas([img], canvas).cpu(),
                           stretch_to_canvas([img.cpu()], canvas))
    exact_cpu = model.predict(**inputs, fast=False)
    exact = cuda.predict(**data, fast=False)
    fast = cuda.predict(**data, fast=WnAFastInference())
    assert [s.pred_route.index for s in exact] == [s.pred_route.index for s in exact_cpu]
    for a, b, c in zip(exact_cpu, exact, fast):
        assert b.pred_route.probs == pytest.approx(a.pred_route.probs, abs=1e-3)
        assert c.pred_route.probs == pytest.approx(a.pred_route.probs, abs=0.05)
        assert len(c.pred_text.item) == len(a.pred_text.item)


# slow: the whole demo test suite twice (about 85 s on 2 cores)
@pytest.mark.slow
def test_accuracy_comparison_runs_the_whole_test_suite_twice(model_files, tmp_path,
                                                             monkeypatch):
    demo = tmp_path / 'wna_demo'
    assert load_tool('make_demo_data').main(['--out', str(demo), '--size', '0.02',
                                             '--seed', '1', '--train-chinese', '100']) == 0
    monkeypatch.setenv('WNA_DEMO_DATA', str(demo))
    result = compare_accuracy(DEMO_CONFIG, model_files['checkpoint'], str(tmp_path / 'wd'))
    assert set(result['tests']) == {'DEMO-GZSL', 'DEMO-OSR', 'DEMO-GOSR', 'DEMO-OSTR',
                                    'DEMO-OTHERFACE'}
    assert {'acr', 'char_acr_unseen'} <= set(result['tests']['DEMO-GZSL']['fp32'])
    assert 'n_chars_unseen' not in result['tests']['DEMO-GZSL']['fp32']  # counts left out
    for entry in result['tests'].values():
        assert entry['images'] > 0 and 0 <= entry['identical_share'] <= 1
        assert set(entry['fp32']) == set(entry['fast']) == set(entry['delta_points'])
        assert not any(k.endswith(('_hori', '_vert')) for k in entry['fp32'])
        for metric, delta in entry['delta_points'].items():
            assert delta == pytest.approx(100 * (entry['fast'][metric] - entry['fp32'][metric]))
    assert result['max_abs_delta_points'] == max(
        abs(d) for e in result['tests'].values() for d in e['delta_points'].values())
