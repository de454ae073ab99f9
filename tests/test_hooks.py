"""The evaluation hooks inside a real MMEngine Runner (tiny fake model, two test sets), the
``--show-dir`` drawing of LMDB records, and the stop on a non-finite loss in a real
training run of the demo twin."""
import json
import os
import time
from types import SimpleNamespace

import cv2
import numpy as np
import pytest
import torch
from conftest import CONFIGS, DEFAULT_SAMPLES, DEMO_CONFIG, build_model, make_charset, make_sample
from mmengine.config import Config
from mmengine.dataset import BaseDataset, pseudo_collate
from mmengine.model import BaseModel
from mmengine.registry import init_default_scope
from mmengine.runner import Runner
from mmengine.structures import LabelData
from mmocr.datasets import ConcatDataset
from mmocr.structures import TextRecogDataSample

from projects.wna.charset import GlyphCharset
from projects.wna.datasets import WnALMDBDataset
from projects.wna.datasets.lmdb_io import write_lmdb
from projects.wna.engine.hooks import WnAFPSHook, WnANonFiniteLossHook, WnAVisualizationHook
from projects.wna.engine.runner_setup import enable_amp
from projects.wna.evaluation.ablation_log import (
    append_lines,
    checkpoint_iteration,
    config_variant,
)
from projects.wna.evaluation.report import group_metrics_by_test
from projects.wna.visualization import WnATextRecogVisualizer, draw_prediction_panel
from projects.wna.visualization import panel as p

SLEEP = 0.02  # seconds per sample spent in the fake model


class LineDataset(BaseDataset):
    """Lines given as (gt, pred, (H, W)); the fake model predicts ``pred``."""

    def __init__(self, lines, **kwargs):
        self._lines = lines
        super().__init__(pipeline=[pack], serialize_data=False, **kwargs)

    @classmethod
    def _load_metainfo(cls, metainfo=None):
        # BaseDataset would try to read string values naming existing files (dict_path).
        return dict(metainfo or {})

    def load_data_list(self):
        return [dict(gt=g, pred=p, shape=s, **self.metainfo) for g, p, s in self._lines]


def pack(info):
    sample = TextRecogDataSample(metainfo=dict(
        ori_shape=info['shape'], sample_idx=info['sample_idx'], fake_pred=info['pred'],
        **{k: info[k] for k in ('test_key', 'dict_path', 'has_unk')}))
    sample.gt_text = LabelData(item=info['gt'])
    return dict(inputs=torch.zeros(1), data_samples=sample)


class FakeRecognizer(BaseModel):
    """Predicts each sample's ``fake_pred`` metainfo, with a route and scores."""

    def __init__(self):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.zeros(1))

    def forward(self, inputs, data_samples=None, mode='predict'):
        time.sleep(SLEEP * len(data_samples))
        for s in data_samples:
            pred = s.metainfo['fake_pred']
            s.pred_text = LabelData(item=pred, score=[0.5] * len(pred))
            s.pred_route = LabelData(expert='hori', index=0, probs=[0.7, 0.2, 0.1])
        return data_samples


@pytest.fixture
def suite(tmp_path):
    chars = ['a', 'b', '日']
    dict_path = tmp_path / 'd.npz'
    GlyphCharset(chars, np.zeros((3, 32, 32), np.uint8)).save(dict_path)
    meta = lambda key, unk: dict(test_key=key, dict_path=str(dict_path), has_unk=unk)  # noqa: E731
    gzsl = LineDataset([('ab', 'ab', (32, 64)), ('ba', 'b', (64, 32)), ('日', '日', (32, 32))],
                       metainfo=meta('T-GZSL', False))
    osr = LineDataset([('ax', 'a⑨', (32, 64)), ('ab', 'ab', (32, 64))],
                      metainfo=meta('T-OSR', True))
    return ConcatDataset([gzsl, osr], verify_meta=False)


def make_runner(tmp_path, suite, hooks, work_dir='run1', **cfg):
    init_default_scope('mmocr')
    model = FakeRecognizer()
    checkpoint = tmp_path / 'iter_220000.pth'
    torch.save(dict(state_dict=model.state_dict(), meta=dict(iter=220000)), checkpoint)
    return Runner(
        model=model,
        work_dir=str(tmp_path / work_dir),
        test_dataloader=dict(dataset=suite, batch_size=2, num_workers=0,
                             sampler=dict(type='DefaultSampler', shuffle=False)),
        test_evaluator=dict(type='MultiDatasetsEvaluator', metrics=[dict(type='WnAMetric')],
                            dataset_prefixes=['T-GZSL', 'T-OSR']),
        test_cfg=dict(type='TestLoop'),
        custom_hooks=hooks,
        load_from=str(checkpoint),
        default_scope='mmocr',
        cfg=Config(dict(load_from=str(checkpoint), **cfg)))


def test_hooks_in_runner(tmp_path, suite):
    runner = make_runner(tmp_path, suite,
                         [dict(type='WnAFPSHook'), dict(type='WnAPredictionDumpHook'),
                          dict(type='WnAAblationHook')], variant='wna_s')
    metrics = runner.test()

    # metric keys and FPS/batch size per test
    assert metrics['T-GZSL/acr'] == pytest.approx(2 / 3)
    assert metrics['T-OSR/kacr'] == 1.0 and metrics['T-OSR/r'] == 1.0
    for test in ('T-GZSL', 'T-OSR'):
        assert metrics[f'{test}/batch_size'] == 2
        assert 0.3 / SLEEP < metrics[f'{test}/fps'] < 1.05 / SLEEP
    # the FPS keys reached the message hub, so LoggerHook and friends saw them
    assert runner.message_hub.get_scalar('test/T-OSR/fps').current() == metrics['T-OSR/fps']

    # one prediction file per test, in dataset order
    pred_dir = tmp_path / 'run1' / 'predictions'
    gzsl = [json.loads(line) for line in (pred_dir / 'T-GZSL.jsonl').read_text().splitlines()]
    osr = [json.loads(line) for line in (pred_dir / 'T-OSR.jsonl').read_text().splitlines()]
    assert [r['index'] for r in gzsl] == [0, 1, 2] and [r['index'] for r in osr] == [0, 1]
    assert osr[0] == dict(index=0, test='T-OSR', text='a⑨', gt='ax', scores=[0.5, 0.5],
                          expert='hori', router_probs=[0.7, 0.2, 0.1], ori_shape=[32, 64])
    assert gzsl[1]['text'] == 'b' and gzsl[1]['gt'] == 'ba'

    # one ablation line per test
    lines = (tmp_path / 'run1' / 'ablation.jsonl').read_text().splitlines()
    records = {r['test']: r for r in map(json.loads, lines)}
    assert set(records) == {'T-GZSL', 'T-OSR'}
    rec = records['T-GZSL']
    assert (rec['variant'], rec['run'], rec['checkpoint'], rec['iter']) == (
        'wna_s', 'run1', 'iter_220000.pth', 220000)
    assert rec['metrics']['acr'] == pytest.approx(2 / 3)
    assert rec['metrics']['fps'] == pytest.approx(metrics['T-GZSL/fps'])
    assert rec['metrics']['batch_size'] == 2.0

    # a second evaluation appends to the ablation log and rewrites the predictions
    runner.test()
    assert len((tmp_path / 'run1' / 'ablation.jsonl').read_text().splitlines()) == 4
    assert len((pred_dir / 'T-OSR.jsonl').read_text().splitlines()) == 2


def test_fps_splits_a_straddling_batch():
    hook = WnAFPSHook()
    hook.before_test_epoch(None)
    hook.before_test_iter(None, 0)
    hook._last -= 3.0  # pretend the first batch took 3 s
    outputs = [TextRecogDataSample(metainfo=dict(test_key=k)) for k in ('A', 'A', 'B')]
    hook.after_test_iter(None, 0, outputs=outputs)
    assert hook._seconds['A'] == pytest.approx(2.0, abs=0.05)
    assert hook._seconds['B'] == pytest.approx(1.0, abs=0.05)

    class Loader:
        batch_size = 3

    metrics = {}
    hook._report(Loader(), metrics)
    assert metrics['A/fps'] == pytest.approx(1.0, rel=0.05)
    assert metrics['B/fps'] == pytest.approx(1.0, rel=0.05)
    assert metrics['A/batch_size'] == 3


def test_config_variant_and_checkpoint_name(tmp_path):
    cfg_file = tmp_path / 'r2_s.py'
    cfg_file.write_text('a = 1\n')
    assert config_variant(Config.fromfile(str(cfg_file))) == 'r2_s'
    assert config_variant(Config(dict(variant='wna'))) == 'wna'
    assert checkpoint_iteration('/x/iter_380000.pth') == 380000
    assert checkpoint_iteration('/x/best.pth') is None
    assert checkpoint_iteration(None) is None


def test_group_metrics_by_test():
    groups, skipped = group_metrics_by_test(
        {'A/acr': 0.5, 'A/n': 3, 'B/f': np.float64(0.25), 'B/t': torch.tensor(1.5),
         'loss': 2.0, 'A/list': [1, 2], 'A/flag': True})
    assert groups == {'A': {'acr': 0.5, 'n': 3.0}, 'B': {'f': 0.25, 't': 1.5},
                      '': {'loss': 2.0}}
    assert sorted(skipped) == ['A/flag', 'A/list']


def test_append_lines_keeps_every_line(tmp_path):
    path = str(tmp_path / 'log.jsonl')
    for i in range(3):
        append_lines(path, [f'{{"i": {i}}}', f'{{"j": {i}}}'])
    assert [json.loads(x) for x in open(path)] == [
        {'i': 0}, {'j': 0}, {'i': 1}, {'j': 1}, {'i': 2}, {'j': 2}]


def test_default_runtime_stops_on_a_non_finite_loss():
    hooks = Config.fromfile(os.path.join(CONFIGS, '_base_', 'default_runtime.py')).custom_hooks
    assert [h['type'] for h in hooks] == ['WnAPrototypeWarmupHook', 'WnAFPSHook',
                                          'WnANonFiniteLossHook']
    assert WnANonFiniteLossHook.priority == 'VERY_HIGH'


@pytest.mark.parametrize('amp', [False, True])
def test_training_stops_at_the_first_non_finite_loss(tmp_path, amp):
    init_default_scope('mmocr')
    torch.manual_seed(0)
    model = build_model(DEMO_CONFIG, make_charset())
    calls = []

    def nan_at_the_second_iteration(module, args, losses):
        calls.append(1)
        if len(calls) == 2:
            return dict(losses, loss_vert=losses['loss_vert'] * float('nan'))

    model.loss_module.register_forward_hook(nan_at_the_second_iteration)
    samples = [make_sample(t, h, w, seed=i) for i, (t, h, w) in enumerate(DEFAULT_SAMPLES)]
    loader = torch.utils.data.DataLoader(
        [dict(inputs=dict(img=img, thumb=thumb), data_samples=ds) for img, thumb, ds in samples],
        batch_size=len(samples), collate_fn=pseudo_collate)
    cfg = Config.fromfile(DEMO_CONFIG)
    if amp:
        enable_amp(cfg, 'cpu')
    runner = Runner(
        model=model, work_dir=str(tmp_path), train_dataloader=loader,
        optim_wrapper=cfg.optim_wrapper,
        train_cfg=dict(type='IterBasedTrainLoop', max_iters=4, val_interval=100),
        default_hooks=dict(checkpoint=dict(type='CheckpointHook', interval=1, by_epoch=False)),
        custom_hooks=[dict(type='WnANonFiniteLossHook')], default_scope='mmocr')
    with pytest.raises(FloatingPointError) as error:
        runner.train()
    message = str(error.value)
    assert message.startswith('non-finite training loss at iteration 2 of 4: loss=nan;')
    assert 'loss_vert=nan' in message and 'loss_hori=' not in message
    assert ('without --amp' in message) == amp
    assert ('WnAGroupClipAutocastOptimWrapper' in message) == amp
    assert runner.iter == 1 and len(calls) == 2  # no third iteration
    assert (tmp_path / 'iter_1.pth').is_file() and not (tmp_path / 'iter_2.pth').exists()


def test_visualization_hook_draws_lmdb_ground_truth_with_marked_characters(tmp_path):
    """``tools/test.py --show-dir``: the hook draws each LMDB record of the test pipeline
    with its stored label as ground truth, the wrong characters of the reading marked."""
    crop = np.full((32, 80, 3), 220, np.uint8)
    crop[8:24, 10:70] = 30
    png = cv2.imencode('.png', crop)[1].tobytes()
    write_lmdb(tmp_path / 'lmdb', [(png, 'abcd'), (png, '日本')])
    dataset = WnALMDBDataset(ann_file=str(tmp_path / 'lmdb'), test_mode=True,
                             metainfo=dict(test_key='T-GZSL'),
                             pipeline=Config.fromfile(DEMO_CONFIG).test_pipeline)
    batch = pseudo_collate([dataset[0], dataset[1]])
    outputs = batch['data_samples']
    for sample, pred in zip(outputs, ('axd', '日本')):
        sample.pred_text = LabelData(item=pred, score=[0.5] * len(pred))
        sample.pred_route = LabelData(expert='hori', index=0, probs=[0.7, 0.2, 0.1])
    visualizer = WnATextRecogVisualizer.get_instance('lmdb_show_dir')
    hook = WnAVisualizationHook(enable=True, test_out_dir='vis')
    runner = SimpleNamespace(work_dir=str(tmp_path / 'work'), timestamp='t0', iter=0)
    hook.after_test_iter(runner, 0, batch, outputs)

    drawn = {i: cv2.imread(str(tmp_path / 'work' / 't0' / 'vis' / f'T-GZSL_{i}.png'))[..., ::-1]
             for i in (0, 1)}
    image = batch['inputs']['img'][0].permute(1, 2, 0).numpy()
    expected = draw_prediction_panel(image, visualizer.font_path, pred='axd', gt='abcd',
                                     expert='hori', probs=[0.7, 0.2, 0.1])
    assert (drawn[0] == expected).all()
    mark = lambda panel, colour: (panel[:, 156:] == colour).all(axis=2).any()  # noqa: E731
    assert mark(drawn[0], p.MISSING_SLOT) and not mark(drawn[1], p.MISSING_SLOT)
    near = lambda panel, colour: (  # noqa: E731
        np.abs(panel[:, 156:].astype(int) - colour).max(axis=2) < 40).any()
    assert near(drawn[0], p._GT) and near(drawn[1], p._GT)  # the stored labels
    assert near(drawn[0], p._PRED_BAD) and not near(drawn[1], p._PRED_BAD)
