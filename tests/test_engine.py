"""Engine pieces used by the tools: config setup, AMP switch, reports, warm-up, drawing."""
import json
import os
import os.path as osp
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from conftest import CONFIGS, DEMO_CONFIG, build_model, make_charset
from mmengine.config import Config

import projects.wna  # noqa: F401  (registers everything)
from projects.wna.charset.render import default_font_path
from projects.wna.engine.hooks.prototype_warmup_hook import (
    WnAPrototypeWarmupHook,
    dataset_dict_paths,
)
from projects.wna.engine.runner import WnARunner
from projects.wna.engine.runner_setup import build_runner, enable_amp, load_config
from projects.wna.evaluation.report import format_metrics_table, save_metrics_json


def test_load_config_work_dir_and_cpu_backend(tmp_path):
    cfg = load_config(DEMO_CONFIG, {'train_cfg.max_iters': 7}, launcher='pytorch')
    assert cfg.work_dir == osp.join('./work_dirs', 'wna-s_resnet45-narrow_1.8k_wna-demo')
    assert cfg.train_cfg.max_iters == 7
    assert cfg.env_cfg.dist_cfg.backend == ('nccl' if torch.cuda.is_available() else 'gloo')
    assert load_config(DEMO_CONFIG, work_dir=str(tmp_path)).work_dir == str(tmp_path)
    with pytest.raises(FileNotFoundError, match='config file not found'):
        load_config(str(tmp_path / 'missing.py'))


def test_build_runner_builds_the_configs_runner_type(tmp_path):
    """wna configs name WnARunner (it reads checkpoints with wna's trusted loader);
    build_runner builds it, also for a config without runner_type, and any other
    registered runner a config names."""
    from mmengine.runner import Runner
    for runner_type, expected in (('WnARunner', WnARunner), (None, WnARunner),
                                  ('Runner', Runner)):
        cfg = load_config(DEMO_CONFIG, work_dir=str(tmp_path / str(runner_type)))
        assert cfg.runner_type == 'WnARunner'
        if runner_type is None:
            cfg.pop('runner_type')
        else:
            cfg.runner_type = runner_type
        assert type(build_runner(cfg)) is expected, runner_type
    cfg.runner_type = 'NoSuchRunner'
    with pytest.raises(ValueError, match="runner_type 'NoSuchRunner' is not registered"):
        build_runner(cfg)


def test_amp_switch_keeps_per_group_clipping():
    from mmengine.optim import AmpOptimWrapper
    from mmocr.registry import OPTIM_WRAPPERS

    from projects.wna.engine.optim import (
        PerGroupClipMixin,
        WnAGroupClipAmpOptimWrapper,
        WnAGroupClipAutocastOptimWrapper,
    )
    cfg = Config.fromfile(DEMO_CONFIG)
    enable_amp(cfg, 'cuda')
    assert cfg.optim_wrapper.type == 'WnAGroupClipAmpOptimWrapper'
    assert cfg.optim_wrapper.loss_scale == 'dynamic'
    wrapper = OPTIM_WRAPPERS.get(cfg.optim_wrapper.type)
    assert wrapper is WnAGroupClipAmpOptimWrapper
    assert issubclass(wrapper, AmpOptimWrapper) and issubclass(wrapper, PerGroupClipMixin)
    cfg.optim_wrapper.type = 'SomeOtherWrapper'
    with pytest.raises(ValueError, match='no mixed-precision counterpart on GPUs'):
        enable_amp(cfg, 'cuda')

    cfg = Config.fromfile(DEMO_CONFIG)
    enable_amp(cfg, 'cpu')  # without CUDA: bfloat16 autocast, no loss scale
    assert cfg.optim_wrapper.type == 'WnAGroupClipAutocastOptimWrapper'
    assert 'loss_scale' not in cfg.optim_wrapper
    assert OPTIM_WRAPPERS.get(cfg.optim_wrapper.type) is WnAGroupClipAutocastOptimWrapper


def test_demo_config_adds_the_weight_average_to_the_default_hooks():
    """A list in a child config replaces its base's: the demo states the base's hooks
    (test-prototype warm-up, FPS, non-finite loss stop) and adds the EMAHook."""
    base = Config.fromfile(osp.join(CONFIGS, '_base_', 'default_runtime.py')).custom_hooks
    hooks = Config.fromfile(DEMO_CONFIG).custom_hooks
    assert [h['type'] for h in hooks] == [h['type'] for h in base] + ['EMAHook']


def test_metrics_table_and_json(tmp_path):
    metrics = {'DEMO-GZSL/acr': 0.4515, 'DEMO-GZSL/fps': 97.25, 'DEMO-GZSL/batch_size': 32,
               'DEMO-OSR/kacr': 0.76, 'DEMO-OSR/f': 0.8098}
    table = format_metrics_table(metrics).splitlines()
    assert table[0] == '| test | acr | fps | batch_size | kacr | f |'
    assert table[2] == '| DEMO-GZSL | 45.15 | 97.2 | 32 |  |  |'
    assert table[3] == '| DEMO-OSR |  |  |  | 76.00 | 80.98 |'
    path = save_metrics_json(metrics, str(tmp_path), checkpoint='iter_1.pth')
    record = json.loads(open(path, encoding='utf-8').read())
    assert record['checkpoint'] == 'iter_1.pth' and record['metrics'] == metrics


def test_prototype_warmup_hook_caches_every_test_dictionary(tmp_path):
    paths = []
    for name, chars in (('a', 'abc一二'), ('b', 'abc三四五')):
        charset = make_charset(list(chars))
        paths.append(str(tmp_path / f'{name}.npz'))
        charset.save(paths[-1])
    datasets = [SimpleNamespace(metainfo=dict(dict_path=p)) for p in paths + paths[:1]]
    concat = SimpleNamespace(datasets=datasets)
    assert dataset_dict_paths(concat) == paths  # distinct, in order
    model = build_model(DEMO_CONFIG)
    model.train()
    runner = SimpleNamespace(model=model, test_dataloader=SimpleNamespace(dataset=concat))
    WnAPrototypeWarmupHook().before_test_epoch(runner)
    assert not model.training
    for path in paths:
        cached = model.prototypes_for(path)
        assert model.prototypes_for(path)[1] is cached[1]  # served from the cache
    assert model.prototypes_for(paths[1])[1].shape[0] == 6  # a b c 三 四 五


def test_evaluation_after_an_ema_swap_reads_the_averaged_weights_prototypes(tmp_path):
    """EMAHook swaps the averaged weights in (and out) through ``.data``, which the bank's
    version check cannot see; the warm-up hook runs after it, at both ends, and re-encodes."""
    from mmengine.hooks import EMAHook
    from mmengine.runner import get_priority
    path = str(tmp_path / 'd.npz')
    make_charset(list('abc一二')).save(path)
    torch.manual_seed(0)
    model = build_model(DEMO_CONFIG)
    runner = SimpleNamespace(model=model, val_dataloader=SimpleNamespace(
        dataset=SimpleNamespace(metainfo=dict(dict_path=path))))
    ema = EMAHook()
    ema.before_run(runner)
    with torch.no_grad():  # averaged weights that differ from the raw ones
        for p in ema.ema_model.module.parameters():
            p.add_(0.1 * torch.randn_like(p))
    model.eval()
    raw = model.prototypes_for(path).protos.clone()  # cached, as training's last use leaves it
    # the runner's order: by priority, then registration (the demo adds EMAHook last)
    hooks = sorted([WnAPrototypeWarmupHook(), ema], key=lambda h: get_priority(h.priority))
    assert [type(h) for h in hooks] == [EMAHook, WnAPrototypeWarmupHook]
    for hook in hooks:
        hook.before_val_epoch(runner)
    averaged = model.prototypes_for(path).protos
    assert not torch.allclose(averaged, raw, atol=1e-3)
    model.prototype_bank.clear()
    assert torch.equal(model.prototypes_for(path).protos, averaged)  # encoded afresh: same
    for hook in hooks:
        hook.after_val_epoch(runner)
    assert torch.allclose(model.prototypes_for(path).protos, raw, atol=1e-6)  # raw again


@pytest.mark.parametrize('shape', [(40, 300), (300, 40), (50, 50)])
def test_visualizer_draws_any_orientation_with_route(tmp_path, shape):
    from mmengine.structures import LabelData
    from mmocr.structures import TextRecogDataSample

    from projects.wna.visualization import WnATextRecogVisualizer
    sample = TextRecogDataSample()
    sample.gt_text = LabelData(item='日本語テキスト')
    sample.pred_text = LabelData(item='日本語⑨キスト', score=[0.9] * 7)
    sample.pred_route = LabelData(expert='vert', index=1, probs=[0.1, 0.8, 0.1])
    image = np.random.default_rng(0).integers(0, 255, (*shape, 3), dtype=np.uint8)
    vis = WnATextRecogVisualizer(name=f'vis_{shape[0]}_{shape[1]}', panel_width=360)
    out = tmp_path / 'panel.png'
    vis.add_datasample('x', image, sample, out_file=str(out))
    import cv2
    panel = cv2.imread(str(out))
    assert panel.shape[1] == 360 and panel.shape[0] >= 120
    # the image keeps its orientation inside the 140 x 120 box
    box = panel[:, :150]
    ink = np.argwhere((box != 255).any(axis=2))
    h, w = ink.max(axis=0) - ink.min(axis=0) + 1
    assert (h > w) == (shape[0] > shape[1]) or shape[0] == shape[1]
    # texts were drawn (dark pixels right of the image box)
    assert ((panel[:, 160:] < 128).any(axis=2)).sum() > 200
    assert os.path.isfile(default_font_path())


# ------------------------------------------------------ characters marked against the GT

@pytest.mark.parametrize('gt, pred, expected', [
    ('つかみ', 'つカみ', [('つ', 'つ', 'match'), ('か', 'カ', 'substitution'),
                          ('み', 'み', 'match')]),
    ('abcd', 'axd', [('a', 'a', 'match'), ('b', 'x', 'substitution'),
                     ('c', None, 'deletion'), ('d', 'd', 'match')]),
    ('ac', 'abc', [('a', 'a', 'match'), (None, 'b', 'insertion'), ('c', 'c', 'match')]),
    ('日本', '日⑨', [('日', '日', 'match'), ('本', '⑨', 'rejection')]),
    ('Ab', 'aB', [('A', 'a', 'match'), ('b', 'B', 'match')]),  # case-insensitive
    # grapheme clusters in NFC: e + combining acute is one character, equal to é
    ('e\u0301x', 'éy', [('é', 'é', 'match'), ('x', 'y', 'substitution')]),
    ('ab', '', [('a', None, 'deletion'), ('b', None, 'deletion')]),
])
def test_align_reading(gt, pred, expected):
    from projects.wna.charset import align_reading
    assert [(c.gt, c.pred, c.kind) for c in align_reading(gt, pred)] == expected


def colour_columns(panel: np.ndarray, colour, tol: int = 40) -> np.ndarray:
    """x positions (right of the image box) of the pixels within ``tol`` of ``colour``."""
    text = panel[:, 156:].astype(int)
    near = (np.abs(text - np.array(colour)).max(axis=2) <= tol)
    return np.nonzero(near.any(axis=0))[0]


def colour_rows(panel: np.ndarray, colour, tol: int = 40) -> np.ndarray:
    text = panel[:, 156:].astype(int)
    return np.nonzero((np.abs(text - np.array(colour)).max(axis=2) <= tol).any(axis=1))[0]


def test_panel_marks_each_character_against_the_gt():
    from projects.wna.visualization import draw_prediction_panel
    from projects.wna.visualization import panel as p
    image = np.full((32, 96, 3), 200, np.uint8)
    font = default_font_path()

    # 'abcd' read 'axd': a and d blue, x red, a pink slot where c was not read
    drawn = draw_prediction_panel(image, font, pred='axd', gt='abcd')
    blue, red = colour_columns(drawn, p._PRED_OK), colour_columns(drawn, p._PRED_BAD)
    slot = colour_columns(drawn, p.MISSING_SLOT, tol=0)
    assert red.size and slot.size and not colour_columns(drawn, p.EXTRA_SLOT, tol=0).size
    a_d = blue[blue > red.max()]  # right of the label 'Pred'
    assert red.max() < slot.min() and slot.max() < a_d.max()
    assert blue[(blue > blue.min() + 40) & (blue < red.min())].size  # the a
    # the slot sits in the prediction row, below the green ground truth
    assert colour_rows(drawn, p._GT).max() < colour_rows(drawn, p.MISSING_SLOT, 0).min()

    # an inserted b: red in the prediction row, a grey slot above it in the GT row
    drawn = draw_prediction_panel(image, font, pred='abc', gt='ac')
    red, extra = colour_columns(drawn, p._PRED_BAD), colour_columns(drawn, p.EXTRA_SLOT, 0)
    assert extra.size and not colour_columns(drawn, p.MISSING_SLOT, 0).size
    assert extra.min() <= red.mean() <= extra.max()
    assert colour_rows(drawn, p.EXTRA_SLOT, 0).max() < colour_rows(drawn, p._PRED_BAD).min()

    # a rejection is orange, not red; a right reading (any case) has no mark at all
    drawn = draw_prediction_panel(image, font, pred='日⑨', gt='日本')
    assert colour_columns(drawn, p._REJECTED, 30).size
    assert not colour_columns(drawn, p._PRED_BAD, 30).size
    drawn = draw_prediction_panel(image, font, pred='ABC', gt='abc')
    for colour in (p._PRED_BAD, p._REJECTED):
        assert not colour_columns(drawn, colour, 30).size
    assert colour_columns(drawn, p._PRED_OK).size and colour_columns(drawn, p._GT).size


def test_panel_fits_long_lines_by_shrinking_then_wrapping():
    from projects.wna.visualization import draw_prediction_panel
    from projects.wna.visualization import panel as p
    image = np.full((32, 96, 3), 200, np.uint8)
    font = default_font_path()
    short = draw_prediction_panel(image, font, pred='一二三', gt='一二三')
    long_gt = '一二三四五六七八九十' * 3
    wrapped = draw_prediction_panel(image, font, pred=long_gt[:-1] + '口', gt=long_gt)
    assert wrapped.shape[1] == short.shape[1] == 360
    assert wrapped.shape[0] > short.shape[0]  # more rows, not cut off at the edge
    # every character is drawn inside the panel: the last one (wrong) is red
    red = colour_columns(wrapped, p._PRED_BAD)
    assert red.size and red.max() < 360 - 156 - 6
    # the blocks alternate GT / Pred rows: green above blue above green above blue
    green = colour_rows(wrapped, p._GT)
    assert np.diff(green).max() > 20  # green rows in more than one block
