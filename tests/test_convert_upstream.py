"""Upstream weight conversion (tools/convert_upstream.py on top of
projects.wna.convert): the name table against names taken literally from
upstream's code, the placement of every tensor, the strict errors, and a converted
checkpoint that reproduces the model it was made from."""
from __future__ import annotations

import os

import pytest
import torch
from conftest import CONFIGS, NARROW_CONFIG, load_tool, make_batch, make_charset
from mmengine.runner import load_checkpoint

from projects.wna.convert import (
    IGNORED_TENSORS,
    UpstreamConversionError,
    build_model,
    convert_state_dict,
    convert_upstream,
    load_upstream_modules,
    parameter_free_modules,
    upstream_layout,
)

convert_tool = load_tool('convert_upstream')

EXPERTS = ('hori_', 'vert_', 'rect_')

#: Module file names as upstream's factory builds them (lancercat/wna:
#: neko_2024_NGNW/nets_v6/base/modfactory.py with the names of common/namescope.py and
#: the "main_" head of common/heads_mk3/danhead.py).
UPSTREAM_MODULES = {
    'fe_fe_core', 'prototyper_fe_bn', 'proto_att', 'classifier', 'router_fe_core',
    'router_fe_backbone_bn', 'router_attention', 'router_command',
} | {f'{e}{m}' for e in EXPERTS for m in (
    'fe_bn', 'spatial_embedding', 'temporal_fe', 'main_word_len_pred', 'main_att_mod')}

#: (upstream module, upstream key, wna key, shape at the narrow test widths). Upstream keys as
#: its modules name them: neko_module_collectionNG flattening res45_wo_bn / res45_bn
#: ("root_<stage>_blocks_<block>_<layer>", stem "root_0"), spatial_attention_NG_mk2
#: (se_engine.param, core), neko_feature_based_static_router (layer), neko_add_embint_se
#: (se_<i>.param), temporal_fe_fpn (fpn, convs, deconvs), lenpred_basic_mk1 (lenpred),
#: attention_conv_sigmoid_mk1 (conv.0) and the classifier's UNK_SCR.
LITERAL_NAMES = [
    ('fe_fe_core', 'root_0_conv.weight', 'backbone.stem.weight', (4, 3, 3, 3)),
    ('fe_fe_core', 'root_1_blocks_0_downsample_conv.weight',
     'backbone.stages.0.0.shortcut.weight', (8, 4, 1, 1)),
    ('fe_fe_core', 'root_5_blocks_0_downsample_conv.weight',
     'backbone.stages.4.0.shortcut.weight', (64, 64, 1, 1)),
    ('fe_fe_core', 'root_3_blocks_5_conv2.weight', 'backbone.stages.2.5.conv2.weight',
     (32, 32, 3, 3)),
    ('router_fe_backbone_bn', 'root_1_blocks_2_bn2.running_var',
     'router.backbone.norms.stages.0.2.bn2.running_var', (8, )),
    ('prototyper_fe_bn', 'root_0_bn.num_batches_tracked',
     'glyph_encoder.norms.stem.num_batches_tracked', ()),
    ('hori_fe_bn', 'root_4_blocks_0_downsample_bn.running_mean',
     'experts.hori.norms.stages.3.0.shortcut.running_mean', (64, )),
    ('router_attention', 'se_engine.param', 'router.pool.pos', (1, 4, 16, 16)),
    ('router_attention', 'core.2.running_mean', 'router.pool.score.2.running_mean', (12, )),
    ('proto_att', 'core.3.weight', 'glyph_encoder.pool.score.3.weight', (1, 12, 1, 1)),
    ('router_command', 'layer.0.weight', 'router.command.0.weight', (3, 64)),
    ('router_command', 'layer.1.running_var', 'router.command.1.running_var', (3, )),
    ('vert_spatial_embedding', 'se_0.param', 'experts.vert.spatial_embedding.grids.0',
     (1, 4, 64, 16)),
    ('rect_temporal_fe', 'fpn.1.0.weight', 'experts.rect.temporal.fpn.1.0.weight',
     (68, 36, 3, 3)),
    ('rect_temporal_fe', 'convs.0.0.weight', 'experts.rect.temporal.encoder.0.0.weight',
     (8, 68, 3, 3)),
    # deconvs are built from the last encoder stride back: (4, 4) kernels first, (1, 4) last.
    ('hori_temporal_fe', 'deconvs.0.0.weight', 'experts.hori.temporal.decoder.0.0.weight',
     (8, 8, 4, 4)),
    ('hori_temporal_fe', 'deconvs.3.0.weight', 'experts.hori.temporal.decoder.3.0.weight',
     (8, 8, 1, 4)),
    ('hori_temporal_fe', 'deconvs.3.1.running_var',
     'experts.hori.temporal.decoder.3.1.running_var', (8, )),
    ('hori_main_word_len_pred', 'lenpred.weight', 'experts.hori.length_head.weight', (33, 40)),
    ('vert_main_att_mod', 'conv.0.bias', 'experts.vert.attention.bias', (32, )),
    ('classifier', 'UNK_SCR', 'classifier.tau', (1, )),
]


@pytest.fixture(scope='module')
def narrow_model():
    return build_model(NARROW_CONFIG)


@pytest.fixture(scope='module')
def layout(narrow_model):
    return upstream_layout(narrow_model)


def upstream_like(layout, value_of) -> dict[str, dict[str, torch.Tensor]]:
    """A complete upstream module set: ``value_of(index, slot)`` per tensor, plus the
    parameter-free modules and the ignored special-token embedding (width 64)."""
    modules: dict[str, dict[str, torch.Tensor]] = {
        name: {} for name in parameter_free_modules(e.rstrip('_') for e in EXPERTS)}
    index = 0
    for module, slots in layout.items():
        modules[module] = {}
        for key, slot in slots.items():
            modules[module][key] = value_of(index, slot)
            index += 1
    modules['sp_token_embedding'] = {'emb': torch.rand(2, 1, 64)}
    return modules


def constant_tensors(layout):
    """Every upstream tensor filled with its own constant (index + 1)."""
    def value(index, slot):
        dtype = torch.long if slot.wna_key.endswith('num_batches_tracked') else torch.float
        return torch.full(slot.shape, index + 1, dtype=dtype)
    return upstream_like(layout, value)


def save_upstream(folder, modules, iter_key='_E2') -> str:
    """Write ``modules`` as upstream's saver does, next to files the converter must skip."""
    os.makedirs(folder, exist_ok=True)
    for name, state in modules.items():
        torch.save(state, os.path.join(folder, f'{name}{iter_key}.pth'))
    junk = {'state': {}, 'param_groups': []}
    torch.save(junk, os.path.join(folder, f'fe_fe_core{iter_key}_opt.pth'))
    torch.save(junk, os.path.join(folder, f'fe_fe_core{iter_key}_opt_sched.pth'))
    torch.save({'junk': torch.zeros(1)}, os.path.join(folder, 'fe_fe_core_E1_I20000.pth'))
    torch.save({'junk': torch.zeros(1)}, os.path.join(folder, 'fe_fe_corelatest.pth'))
    return str(folder)


def test_name_table_matches_upstream_names(narrow_model, layout):
    assert set(layout) == UPSTREAM_MODULES
    for module, key, wna_key, shape in LITERAL_NAMES:
        assert layout[module][key] == (wna_key, shape), (module, key)
    wna_keys = [slot.wna_key for slots in layout.values() for slot in slots.values()]
    assert sorted(wna_keys) == sorted(narrow_model.state_dict())  # each key exactly once
    assert parameter_free_modules(['hori', 'vert', 'rect']) == {
        'prototyper_aggr', 'meta_sampler', 'hori_main_DTD', 'vert_main_DTD', 'rect_main_DTD'}
    assert set(IGNORED_TENSORS) == {('sp_token_embedding', 'emb')}


@pytest.mark.parametrize('config,total', [('tiny_nedmix.py', 64_403_334),
                                          ('xl_nedmix.py', 64_413_254),
                                          ('wna-xl_resnet45_700k_mjst.py', 64_413_254)])
def test_paper_size_layouts_hold_the_upstream_parameter_count(config, total):
    """MODEL.md 10: upstream's trainable parameters = wna's + the unused [2, 1, 512]
    special-token embedding."""
    with torch.device('meta'):
        model = build_model(os.path.join(CONFIGS, config))
    params = dict(model.named_parameters())
    layout = upstream_layout(model)
    counted = sum(params[s.wna_key].numel() for slots in layout.values()
                  for s in slots.values() if s.wna_key in params)
    assert counted + 2 * 1 * 512 == total
    assert sum(len(slots) for slots in layout.values()) == len(model.state_dict()) == 1106


def test_cli_puts_every_upstream_tensor_into_its_key(tmp_path, layout, narrow_model, capsys):
    src = save_upstream(tmp_path / 'run', constant_tensors(layout))
    out = tmp_path / 'ckpt' / 'wna.pth'
    assert convert_tool.main([src, '--iter', '_E2', '--config', NARROW_CONFIG,
                              '--out', str(out)]) == 0
    printed = capsys.readouterr().out
    assert '1106 tensors from 23 upstream modules' in printed
    assert 'ignored sp_token_embedding/emb [2, 1, 64]' in printed

    ckpt = torch.load(out, map_location='cpu', weights_only=True)
    state = ckpt['state_dict']
    expected = narrow_model.state_dict()
    assert list(state) == list(expected)
    index = 0
    for slots in layout.values():
        for key, slot in slots.items():
            value = state[slot.wna_key]
            assert value.dtype == expected[slot.wna_key].dtype
            assert value.shape == expected[slot.wna_key].shape
            assert torch.all(value == index + 1), (key, slot.wna_key)
            index += 1
    upstream = ckpt['meta']['upstream']
    assert upstream['iter_key'] == '_E2'
    assert upstream['ignored'] == ['sp_token_embedding/emb']
    assert upstream['tensors']['hori_temporal_fe'] == 70
    assert upstream['tensors']['router_command'] == 4  # Linear weight + BN1d statistics
    assert "type='WnARecognizer'" in ckpt['meta']['cfg']


def randomise_norm_statistics(model):
    g = torch.Generator().manual_seed(3)
    for name, buf in model.named_buffers():
        if name.endswith('running_mean'):
            buf.copy_(torch.rand(buf.shape, generator=g) * 0.2 - 0.1)
        elif name.endswith('running_var'):
            buf.copy_(torch.rand(buf.shape, generator=g) + 0.5)
        elif name.endswith('num_batches_tracked'):
            buf.fill_(400_000)


def run_eval(model, charset):
    """Raw test-routing outputs and decoded predictions of a fixed batch."""
    model.eval()
    with torch.no_grad():
        data = model.data_preprocessor(make_batch(), False)
        raw = model._forward(data['inputs'])
        tensors = [raw['route_logits'], raw['chosen']]
        for idx, out in raw['experts'].values():
            tensors += [torch.tensor(idx), out.feat, out.att, out.len_logits]
        preds = [(ds.pred_text.item, ds.pred_text.score, ds.pred_route.probs)
                 for ds in model.predict(**model.data_preprocessor(make_batch(), False),
                                         charset=charset)]
    return tensors, preds


def test_converted_checkpoint_reproduces_its_source_model(tmp_path, layout):
    torch.manual_seed(1)
    source = build_model(NARROW_CONFIG)
    randomise_norm_statistics(source)
    weights = source.state_dict()
    src = save_upstream(tmp_path / 'run',
                        upstream_like(layout, lambda _, slot: weights[slot.wna_key].clone()))
    ckpt = tmp_path / 'wna.pth'
    convert_upstream(src, NARROW_CONFIG, ckpt)

    torch.manual_seed(2)
    model = build_model(NARROW_CONFIG)  # different initial weights
    load_checkpoint(model, str(ckpt), map_location='cpu', strict=True)
    charset = make_charset()
    tensors, preds = run_eval(model, charset)
    again_tensors, again_preds = run_eval(model, charset)
    source_tensors, source_preds = run_eval(source, charset)
    assert len(tensors) > 2 and all(torch.isfinite(t.float()).all() for t in tensors)
    assert all(torch.equal(a, b) for a, b in zip(tensors, again_tensors))
    assert preds == again_preds
    assert all(torch.equal(a, b) for a, b in zip(tensors, source_tensors))
    assert preds == source_preds


def without(modules, module, key=None):
    if key is None:
        del modules[module]
    else:
        del modules[module][key]
    return modules


def plus(modules, module, key, value):
    modules.setdefault(module, {})[key] = value
    return modules


@pytest.mark.parametrize('corrupt,messages', [
    (lambda m: without(m, 'hori_main_att_mod', 'conv.0.weight'),
     ['missing upstream tensor hori_main_att_mod/conv.0.weight (for wna '
      'experts.hori.attention.weight)']),
    (lambda m: without(m, 'vert_temporal_fe'),
     ['missing upstream module vert_temporal_fe (70 tensors for wna '
      'experts.vert.temporal)']),
    (lambda m: plus(m, 'router_command', 'layer.2.weight', torch.zeros(3)),
     ['unexpected upstream tensor router_command/layer.2.weight']),
    (lambda m: plus(m, 'meta_sampler', 'protos', torch.zeros(3)),
     ['unexpected upstream tensor meta_sampler/protos']),
    (lambda m: plus(m, 'hori_main_glp', 'weight', torch.zeros(3)),
     ['unexpected upstream module hori_main_glp (1 tensors)']),
    (lambda m: plus(m, 'fe_fe_core', 'root_0_conv.weight', torch.zeros(6, 3, 3, 3)),
     ['shape mismatch: upstream fe_fe_core/root_0_conv.weight [6, 3, 3, 3] vs wna '
      'backbone.stem.weight [4, 3, 3, 3]']),
    (lambda m: plus(without(m, 'classifier', 'UNK_SCR'), 'classifier', 'unk', torch.zeros(1)),
     ['unexpected upstream tensor classifier/unk',
      'missing upstream tensor classifier/UNK_SCR (for wna classifier.tau)']),
])
def test_every_misfit_is_named(layout, narrow_model, corrupt, messages):
    with pytest.raises(UpstreamConversionError) as info:
        convert_state_dict(corrupt(constant_tensors(layout)), narrow_model)
    assert info.value.problems == messages
    assert all(m in str(info.value) for m in messages)


def test_absent_step_counters_and_ignored_tensors_are_tolerated(layout, narrow_model):
    modules = constant_tensors(layout)
    del modules['sp_token_embedding']
    for state in modules.values():
        for key in [k for k in state if k.endswith('num_batches_tracked')]:
            del state[key]
    state, report = convert_state_dict(modules, narrow_model)
    assert report.ignored == {}
    # 5 ResNet norm sets of 50 BNs, 2 attention pools, the command BN, 3 x 10 FPN/CAM BNs
    assert len(report.defaults) == 5 * 50 + 2 + 1 + 3 * 10
    assert all(int(state[k]) == 0 for k in report.defaults)
    assert 'keep their initial value' in report.summary()


def test_cli_reports_misfits_and_missing_files(tmp_path, layout, capsys):
    modules = plus(constant_tensors(layout), 'router_command', 'layer.2.weight', torch.zeros(3))
    src = save_upstream(tmp_path / 'run', modules)
    out = tmp_path / 'wna.pth'
    assert convert_tool.main([src, '--config', NARROW_CONFIG, '--out', str(out)]) == 1
    assert 'unexpected upstream tensor router_command/layer.2.weight' in capsys.readouterr().err
    assert not out.exists()
    with pytest.raises(FileNotFoundError, match=r'\*_E3\.pth'):
        load_upstream_modules(src, '_E3')
    assert set(load_upstream_modules(src, '_E1_I20000')) == {'fe_fe_core'}


#: The English close-set run (upstream XL/..._promelas_mjst_b32): its loadout.py builds the
#: model with the XL run's factories (neko_wna_v6_base_no_pad_promelas, the same agent and
#: anchors), so its module files are those of the XL run; test.py loads "_E3_I100000".
ENGLISH_CONFIG = os.path.join(CONFIGS, 'wna-xl_resnet45_700k_mjst.py')
ENGLISH_NARROW = os.path.join(os.path.dirname(NARROW_CONFIG), 'wna_xl_mjst_narrow.py')
ENGLISH_ITER = '_E3_I100000'


def test_english_run_has_the_xl_module_set():
    with torch.device('meta'):
        english = upstream_layout(build_model(ENGLISH_CONFIG))
        xl = upstream_layout(build_model(os.path.join(CONFIGS, 'xl_nedmix.py')))
    assert set(english) == UPSTREAM_MODULES
    assert english == xl  # every upstream key, wna key and shape
    assert english['fe_fe_core']['root_0_conv.weight'] == ('backbone.stem.weight',
                                                           (64, 3, 3, 3))


def test_cli_converts_the_english_run_at_its_iteration(tmp_path, capsys):
    english = build_model(ENGLISH_NARROW)
    layout = upstream_layout(english)
    src = save_upstream(tmp_path / 'run', constant_tensors(layout), iter_key=ENGLISH_ITER)
    # the 400k files of the same folder are another checkpoint and stay unread
    save_upstream(tmp_path / 'run', without(constant_tensors(layout), 'classifier'))
    out = tmp_path / 'wna_xl_mjst.pth'
    assert convert_tool.main([src, '--iter', ENGLISH_ITER, '--config', ENGLISH_NARROW,
                              '--out', str(out)]) == 0
    assert f'{len(english.state_dict())} tensors from 23 upstream modules' in \
        capsys.readouterr().out
    ckpt = torch.load(out, map_location='cpu', weights_only=True)
    assert ckpt['meta']['upstream']['iter_key'] == ENGLISH_ITER
    state = ckpt['state_dict']
    for index, slot in enumerate(s for slots in layout.values() for s in slots.values()):
        assert torch.all(state[slot.wna_key] == index + 1), slot.wna_key
    # strict as for the other runs: a module missing at that iteration is named
    os.remove(os.path.join(src, f'router_command{ENGLISH_ITER}.pth'))
    assert convert_tool.main([src, '--iter', ENGLISH_ITER, '--config', ENGLISH_NARROW,
                              '--out', str(tmp_path / 'x.pth')]) == 1
    assert 'missing upstream module router_command' in capsys.readouterr().err
