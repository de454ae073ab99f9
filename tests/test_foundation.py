"""The stack installs and works: imports, registry builds, checkpoint save/resume, and
importing wna changes nothing global about checkpoint loading."""
import json
import os
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest
import torch
from conftest import ROOT
from mmengine.config import Config
from mmengine.model import BaseModel
from torch import nn


def test_mmocr_stack_imports():
    import mmcv
    import mmdet
    import mmengine
    import mmocr
    import mmocr.datasets  # noqa: F401  (imports torchvision and imgaug)
    import mmocr.evaluation  # noqa: F401
    import mmocr.models  # noqa: F401
    from mmcv.ops import nms

    assert (mmcv.__version__, mmdet.__version__, mmengine.__version__, mmocr.__version__) == \
        ('2.0.1', '3.1.0', '0.10.7', '1.0.1')
    assert np.__version__.startswith('1.')
    boxes = torch.tensor([[0., 0., 10., 10.], [1., 1., 10., 10.], [20., 20., 30., 30.]])
    _, keep = nms(boxes, torch.tensor([0.9, 0.8, 0.7]), iou_threshold=0.5)
    assert keep.tolist() == [0, 2]


def test_mmocr_model_from_mmocr_config_runs_on_cpu(tmp_path):
    """``mmocr::`` base configs resolve (pkg_resources) and a CRNN predicts on CPU."""
    from mmocr.registry import MODELS
    from mmocr.structures import TextRecogDataSample
    from mmocr.utils import register_all_modules

    register_all_modules()
    child = tmp_path / 'crnn_child.py'
    child.write_text("_base_ = ['mmocr::textrecog/crnn/crnn_mini-vgg_5e_mj.py']\n")
    cfg = Config.fromfile(str(child))
    model = MODELS.build(cfg.model).eval()
    sample = TextRecogDataSample(metainfo=dict(valid_ratio=1.0, img_shape=(32, 100)))
    data = dict(inputs=[torch.randint(0, 255, (1, 32, 100), dtype=torch.uint8)],
                data_samples=[sample])
    with torch.no_grad():
        out = model.test_step(data)
    assert len(out) == 1 and isinstance(out[0].pred_text.item, str)


class _ToyModel(BaseModel):
    """A regressor with BatchNorm buffers (running statistics must survive resume)."""

    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.Linear(8, 1))

    def forward(self, inputs, data_samples=None, mode='tensor'):
        out = self.net(torch.stack(inputs)).squeeze(1)
        if mode == 'loss':
            return dict(loss=((out - torch.stack(data_samples)) ** 2).mean())
        return out


def _toy_runner(work_dir, max_iters, resume=False):
    from projects.wna.engine.runner import WnARunner
    rng = np.random.default_rng(0)
    data = [(torch.tensor(rng.normal(size=4), dtype=torch.float32),
             torch.tensor(float(rng.normal()))) for _ in range(64)]
    return WnARunner(
        model=_ToyModel(),
        work_dir=str(work_dir),
        train_dataloader=dict(dataset=data, sampler=dict(type='InfiniteSampler', shuffle=True),
                              batch_size=8, collate_fn=dict(type='pseudo_collate')),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.05)),
        train_cfg=dict(by_epoch=False, max_iters=max_iters),
        default_hooks=dict(checkpoint=dict(type='CheckpointHook', interval=4, by_epoch=False),
                           logger=dict(type='LoggerHook', interval=1)),
        randomness=dict(seed=7),
        resume=resume,
        default_scope='mmengine')


def test_checkpoint_save_and_resume_under_torch_weights_only_default(tmp_path):
    """WnARunner resumes from an MMEngine checkpoint that torch's and MMEngine's default
    loaders refuse (they stay as they are)."""
    from mmengine.runner.checkpoint import CheckpointLoader

    runner = _toy_runner(tmp_path, max_iters=4)
    runner.train()
    ckpt = osp.join(tmp_path, 'iter_4.pth')
    assert osp.isfile(ckpt)
    # MMEngine checkpoints hold numpy objects: torch >= 2.6's default loader refuses them.
    with pytest.raises(Exception, match='[Ww]eights only load failed'):
        torch.load(ckpt)
    with pytest.raises(Exception, match='[Ww]eights only load failed'):
        CheckpointLoader.load_checkpoint(ckpt)
    saved = torch.load(ckpt, weights_only=False)

    resumed = _toy_runner(tmp_path, max_iters=8, resume=True)
    resumed.load_or_resume()
    # The resumed runner continues from iteration 4 with the saved weights and buffers.
    assert resumed.iter == 4
    for name, value in resumed.model.state_dict().items():
        assert torch.equal(value, saved['state_dict'][name]), name
    resumed.train()
    final = torch.load(osp.join(tmp_path, 'iter_8.pth'), weights_only=False)
    assert final['meta']['iter'] == 8 and saved['meta']['iter'] == 4


#: Run in a fresh interpreter: the global state of checkpoint loading before and after
#: importing wna (``projects.wna``, and ``projects.wna.apis`` with the inferencer), and
#: whether the default loaders still refuse an MMEngine-style checkpoint afterwards.
GLOBAL_STATE = r'''
import inspect, json, os, pickle, sys
import torch
from mmengine.logging import HistoryBuffer
from mmengine.runner import Runner
from mmengine.runner import checkpoint as mmengine_checkpoint
from mmengine.runner.checkpoint import CheckpointLoader

def name(obj):
    return f'{obj.__module__}.{obj.__qualname__}#{id(obj)}'

def state():
    return dict(
        schemes={prefix: name(loader) for prefix, loader in CheckpointLoader._schemes.items()},
        torch_load=[name(torch.load), name(torch.serialization.load),
                    str(inspect.signature(torch.load))],
        # torch registers its own types when its submodules load (torch._dynamo, ...)
        safe_globals=sorted(g for g in map(str, torch.serialization.get_safe_globals())
                            if not g.startswith("<class 'torch.")),
        runner_load=name(Runner.load_checkpoint),
        mmengine_load=[name(mmengine_checkpoint.load_checkpoint),
                       name(mmengine_checkpoint._load_checkpoint)],
        environ={k: v for k, v in os.environ.items() if 'TORCH' in k or 'WEIGHTS' in k})

def refused(path):
    """Whether torch.load and MMEngine's loader refuse the file (weights only)."""
    outcome = []
    for load in (torch.load, CheckpointLoader.load_checkpoint):
        try:
            load(path)
            outcome.append(False)
        except pickle.UnpicklingError:
            outcome.append(True)
    return outcome

path = sys.argv[1]
torch.save(dict(state_dict={}, message_hub=dict(log_scalars=dict(loss=HistoryBuffer([1.0], [1])))),
           path)
before = state(), refused(path)
import projects.wna  # noqa: E402
import projects.wna.apis  # noqa: E402
after = state(), refused(path)
print(json.dumps(dict(before=before, after=after)))
'''


def test_importing_wna_leaves_checkpoint_loading_unchanged(tmp_path):
    """``import projects.wna`` in a fresh process registers no checkpoint loader, patches
    neither ``torch.load`` nor MMEngine's loaders, adds no safe globals and sets no
    environment variable; both default loaders still refuse an MMEngine-style checkpoint
    (numpy inside a ``HistoryBuffer``) under torch's ``weights_only`` default."""
    script = tmp_path / 'global_state.py'
    script.write_text(GLOBAL_STATE)
    env = dict(os.environ, PYTHONPATH=ROOT, OMP_NUM_THREADS='1')
    proc = subprocess.run([sys.executable, str(script), str(tmp_path / 'mmengine_like.pth')],
                          cwd=str(tmp_path), env=env, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    (state_before, refused_before), (state_after, refused_after) = (
        report['before'], report['after'])
    assert state_after == state_before
    assert state_before['schemes'][''].startswith('mmengine.runner.checkpoint.load_from_local')
    assert refused_before == refused_after == [True, True]
