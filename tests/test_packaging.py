"""wna as an installed package: ``pip install`` of the checkout into a temporary target,
used from an unrelated folder by a config that inherits an installed wna config, beside
another project's ``projects.<name>``; and where the configs are found.

The build runs offline on what the environment holds (``--no-build-isolation``: setuptools
from the environment, ``--no-index``, ``--no-deps``: the MMOCR stack is already there).
"""
from __future__ import annotations

import json
import os
import os.path as osp
import shutil
import subprocess
import sys

import pytest
from conftest import ROOT

from projects.wna.apis import config_dir, config_path

#: What a wheel is built from (pyproject.toml, setup.py and MANIFEST.in name the rest).
SOURCES = ('pyproject.toml', 'setup.py', 'MANIFEST.in', 'README.md', 'LICENSE', 'CHANGELOG.md',
           'requirements.txt', 'projects', 'configs')

#: Run with only the installed target (and another project's folder) on the path, from an
#: unrelated working directory.
INSTALLED_USE = r'''
import json, os, sys
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

site, repo = sys.argv[1], sys.argv[2]
import projects.wna
from projects.wna.apis import config_dir
from projects.wna.charset import GlyphCharset

# (a) the installed copy is imported, and the checkout is not on the path
report = dict(wna_file=projects.wna.__file__, repo_on_path=any(
    os.path.realpath(p or os.getcwd()) == os.path.realpath(repo) for p in sys.path))

# (b) a config in this folder inherits an installed wna config (the README's recipe) and
# narrows its widths; MMOCR's registry builds the model, which reads a random crop
os.environ['WNA_CONFIGS'] = config_dir()
with open('my_wna.py', 'w', encoding='utf-8') as f:
    f.write("""_base_ = ['{{$WNA_CONFIGS:}}/tiny_nedmix.py']
__expert = dict(se_channels=4, cam_channels=8)
__pool = dict(pos_channels=4)
model = dict(backbone=dict(channels=[4, 8, 16, 32, 64, 64]), router=dict(pool=__pool),
             experts=dict(hori=__expert, vert=__expert, rect=__expert),
             glyph_encoder=dict(pool=__pool), train_charset=None, default_charset=None)
""")
cfg = Config.fromfile('my_wna.py')
init_default_scope('mmocr')
from mmocr.registry import MODELS
from mmocr.structures import TextRecogDataSample
torch.manual_seed(0)
model = MODELS.build(cfg.model).eval()
sample = TextRecogDataSample(metainfo=dict(img_shape=(24, 80), ori_shape=(24, 80)))
batch = dict(inputs=dict(img=[torch.randint(0, 256, (3, 24, 80), dtype=torch.uint8)],
                         thumb=[torch.randint(0, 256, (3, 32, 32), dtype=torch.uint8)]),
             data_samples=[sample])
charset = GlyphCharset(list('ab'), torch.randint(0, 256, (2, 32, 32), dtype=torch.uint8).numpy())
with torch.no_grad():
    out = model(**model.data_preprocessor(batch, False), mode='predict', charset=charset)
report.update(config_dir=config_dir(), config_file=os.path.abspath(cfg.filename),
              runner_type=cfg.runner_type, model=type(model).__name__,
              text=out[0].pred_text.item, expert=out[0].pred_route.expert)

# (c) another project's package imports beside projects.wna
import projects.other
report.update(other=projects.other.NAME, projects_path=list(projects.__path__))
print(json.dumps(report))
'''


def copy_sources(dest: str) -> str:
    """The checkout's packaging inputs copied to ``dest`` (the build writes its
    ``build/`` and ``*.egg-info`` there, not into the checkout)."""
    os.makedirs(dest)
    ignore = shutil.ignore_patterns('__pycache__', '*.pyc')
    for name in SOURCES:
        src = osp.join(ROOT, name)
        if osp.isdir(src):
            shutil.copytree(src, osp.join(dest, name), ignore=ignore)
        else:
            shutil.copy2(src, dest)
    return dest


@pytest.fixture(scope='module')
def installed(tmp_path_factory):
    """The checkout, built and installed with pip into a temporary target folder."""
    root = tmp_path_factory.mktemp('packaging')
    source = copy_sources(str(root / 'source'))
    site = str(root / 'site')
    proc = subprocess.run(
        [sys.executable, '-m', 'pip', 'install', '--no-deps', '--no-build-isolation',
         '--no-index', '--no-cache-dir', '--disable-pip-version-check', '--quiet',
         '--target', site, source],
        capture_output=True, text=True, timeout=300, cwd=str(root),
        env=dict(os.environ, PIP_NO_INPUT='1'))
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    return site


def test_wheel_carries_the_package_data_and_configs_and_no_projects_init(installed):
    package = osp.join(installed, 'projects', 'wna')
    assert not osp.exists(osp.join(installed, 'projects', '__init__.py'))
    assert osp.isfile(osp.join(package, 'charset', 'data', 'hiragana.txt'))
    packaged = osp.join(package, '.mim', 'configs')
    for folder, _, files in os.walk(osp.join(ROOT, 'configs', 'wna')):
        if '__pycache__' in folder:
            continue
        rel = osp.relpath(folder, osp.join(ROOT, 'configs', 'wna'))
        for name in files:
            assert osp.isfile(osp.join(packaged, rel, name)), osp.join(rel, name)
    metadata, = [osp.join(installed, d, 'METADATA') for d in os.listdir(installed)
                 if d.startswith('wna-') and d.endswith('.dist-info')]
    with open(metadata, encoding='utf-8') as f:
        lines = f.read().splitlines()
    requires = {line.split(': ', 1)[1] for line in lines if line.startswith('Requires-Dist: ')}
    assert {'mmocr<1.1,>=1.0.1', 'mmcv<2.2.0,>=2.0.0rc4', 'mmengine<1.1.0,>=0.7.1',
            'mmdet<3.2.0,>=3.0.0rc5', 'numpy<2,>=1.22'} <= requires
    assert {'Provides-Extra: demo', 'Provides-Extra: tensorboard'} <= set(lines)
    assert 'License-Expression: Apache-2.0' in lines
    assert any(r.startswith('wordfreq') and 'extra == "demo"' in r for r in requires)


def test_installed_package_from_another_folder_beside_another_project(installed, tmp_path):
    other = tmp_path / 'other_repo' / 'projects' / 'other'
    other.mkdir(parents=True)
    (other / '__init__.py').write_text("NAME = 'other'\n")
    work = tmp_path / 'work'
    work.mkdir()
    script = tmp_path / 'use_installed.py'
    script.write_text(INSTALLED_USE)
    env = {k: v for k, v in os.environ.items() if k != 'PYTHONPATH'}
    env.update(PYTHONPATH=os.pathsep.join([installed, str(tmp_path / 'other_repo')]),
               OMP_NUM_THREADS='1')
    proc = subprocess.run([sys.executable, str(script), installed, ROOT], cwd=str(work),
                          env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    packaged = osp.join(installed, 'projects', 'wna', '.mim', 'configs')
    assert report['wna_file'] == osp.join(installed, 'projects', 'wna', '__init__.py')
    assert not report['repo_on_path']
    assert report['config_dir'] == packaged
    assert report['config_file'] == str(work / 'my_wna.py')
    assert report['runner_type'] == 'WnARunner'  # from the installed _base_/default_runtime
    assert report['model'] == 'WnARecognizer'
    assert set(report['text']) <= {'a', 'b', '⑨'} and report['expert'] in ('hori', 'vert', 'rect')
    assert report['other'] == 'other'
    assert set(report['projects_path']) == {osp.join(installed, 'projects'),
                                            str(tmp_path / 'other_repo' / 'projects')}


def test_checkout_configs_are_found():
    assert config_dir() == osp.join(ROOT, 'configs', 'wna')
    assert config_path('ablation/r1.py') == osp.join(ROOT, 'configs', 'wna', 'ablation', 'r1.py')
    with pytest.raises(FileNotFoundError, match="no wna config 'nope.py'"):
        config_path('nope.py')
