"""Shared helpers of the tests: tiny charsets, packed batches, narrow configs, PNG images
and the tools' command lines.

Imported by the test modules (``from conftest import ...``); pytest also loads it first.
"""
from __future__ import annotations

import importlib.util
import os
from functools import cache
from types import ModuleType

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.structures import LabelData
from mmocr.structures import TextRecogDataSample

import projects.wna  # noqa: F401  (registers the wna components)
from projects.wna.charset import GlyphCharset, GlyphRenderer

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONFIGS = os.path.join(ROOT, 'configs', 'wna')
DEMO_CONFIG = os.path.join(CONFIGS, 'demo', 'wna-s_resnet45-narrow_1.8k_wna-demo.py')
#: WnA-S at paper depth with widths / 8 (every upstream tensor, small and fast).
NARROW_CONFIG = os.path.join(ROOT, 'tests', 'configs', 'wna_s_narrow.py')

#: Latin pairs (case clusters), digits and CJK: 30 characters.
TEST_CHARS = list('abcdefABCDEF0123') + list('一二三四五六七八九十口日月山')

init_default_scope('mmocr')


def make_charset(chars=TEST_CHARS, seed: int = 0) -> GlyphCharset:
    """A charset with random (but fixed) glyphs; upper case letters are servants."""
    rng = np.random.default_rng(seed)
    glyphs = rng.integers(0, 256, (len(chars), 32, 32), dtype=np.uint8)
    return GlyphCharset(chars, glyphs)


def make_sample(text: str | None, h: int, w: int, seed: int, **meta):
    """One packed sample as ``PackWnAInputs`` produces it: ``(img, thumb, data_sample)``."""
    g = torch.Generator().manual_seed(seed)
    img = torch.randint(0, 256, (3, h, w), dtype=torch.uint8, generator=g)
    thumb = torch.randint(0, 256, (3, 32, 32), dtype=torch.uint8, generator=g)
    ds = TextRecogDataSample()
    if text is not None:
        ds.gt_text = LabelData(item=text)
    ds.set_metainfo(dict(img_shape=(h, w), ori_shape=(h, w), **meta))
    return img, thumb, ds


#: (text, H, W): wide, tall, square and in-between images; unknown characters ('x', 'é').
DEFAULT_SAMPLES = [
    ('abc', 16, 80), ('一二三', 80, 16), ('Ab', 30, 30), ('十口0', 20, 50),
    ('dEf1', 50, 20), ('xy山', 24, 100), ('月', 40, 35), ('é2c', 12, 60),
]


def make_batch(samples=DEFAULT_SAMPLES, **meta) -> dict:
    """A ``pseudo_collate``-d batch of packed samples."""
    packed = [make_sample(t, h, w, seed=i, **meta) for i, (t, h, w) in enumerate(samples)]
    return dict(inputs=dict(img=[p[0] for p in packed], thumb=[p[1] for p in packed]),
                data_samples=[p[2] for p in packed])


def narrow_model_cfg(cfg: Config) -> dict:
    """``cfg.model`` with the widths of ``NARROW_CONFIG`` (depth and canvases are kept)."""
    demo = Config.fromfile(NARROW_CONFIG).model
    model = cfg.model.to_dict()
    model['backbone']['channels'] = demo.backbone.channels
    model['router']['pool'].update(demo.router.pool)
    model['glyph_encoder']['pool'].update(demo.glyph_encoder.pool)
    for name, expert in model['experts'].items():
        expert.update(se_channels=demo.experts[name].se_channels,
                      cam_channels=demo.experts[name].cam_channels)
    model['train_charset'] = model['default_charset'] = None
    return model


def build_model(config: str, charset: GlyphCharset | None = None, narrow: bool = True,
                default_charset: GlyphCharset | str | None = None):
    """Build ``model`` of a config file (narrow widths unless ``narrow`` is False) with
    ``charset`` as its training and (unless ``default_charset`` is given) default
    dictionary."""
    from mmocr.registry import MODELS
    cfg = Config.fromfile(config)
    model_cfg = narrow_model_cfg(cfg) if narrow else cfg.model.to_dict()
    model_cfg['train_charset'] = charset
    model_cfg['default_charset'] = charset if default_charset is None else default_charset
    return MODELS.build(model_cfg)


def encode_png(w: int, h: int, seed: int = 0, dtype=np.uint8, channels: int = 3) -> bytes:
    """PNG bytes of a random BGR (or grey / 16-bit) image of size ``w`` x ``h``."""
    rng = np.random.default_rng(seed)
    shape = (h, w) if channels == 1 else (h, w, channels)
    img = rng.integers(0, np.iinfo(dtype).max, shape, dtype=dtype, endpoint=True)
    ok, buf = cv2.imencode('.png', img)
    assert ok
    return buf.tobytes()


@cache
def load_tool(name: str) -> ModuleType:
    """``tools/<name>.py`` loaded by path, as a module (not run as ``__main__``), so that a
    test can call its ``main(argv)`` in-process; the ``tools`` folder is not a package."""
    path = os.path.join(ROOT, 'tools', f'{name}.py')
    spec = importlib.util.spec_from_file_location(f'wna_tool_{name}', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_tool_main(name: str, argv: list[str]) -> int:
    """The exit code of ``python tools/<name>.py ARGV``, run in this process: the tool's
    ``main`` through :func:`run_main`, as the script's last line runs it (every script
    does, ``test_every_tool_script_exits_through_run_main``). Saves a test the ~11 s a
    fresh process spends importing the MMOCR stack."""
    from projects.wna.apis.cli import run_main
    return run_main(load_tool(name).main, argv)


#: The rendered base dictionary of the inference tests.
BASE_CHARS = list('abcdeABC一二三口日月')


@pytest.fixture(scope='module')
def model_files(tmp_path_factory):
    """A random-weight demo-width checkpoint and a rendered base dictionary."""
    from projects.wna.apis import load_recognizer
    root = tmp_path_factory.mktemp('infer_model')
    torch.manual_seed(0)
    model = load_recognizer(DEMO_CONFIG, checkpoint=None)
    checkpoint = str(root / 'random.pth')
    torch.save({'state_dict': model.state_dict(), 'meta': {'note': 'random weights'}},
               checkpoint)
    charset, missing = GlyphRenderer().build_charset(BASE_CHARS)
    assert not missing
    dictionary = str(root / 'base.npz')
    charset.save(dictionary)
    return dict(checkpoint=checkpoint, dict=dictionary)


def write_web_demo_setup(root, model_files: dict) -> tuple[str, object]:
    """Under ``root``: a dictionary folder ``dicts/`` holding the test checkpoint's base
    dictionary (``base.npz``) and a Latin one (``latin.npz``), and a child of the demo
    config whose default dictionary is ``base.npz``. Returns the config path and the
    folder."""
    import shutil
    dicts = root / 'dicts'
    dicts.mkdir()
    shutil.copy(model_files['dict'], dicts / 'base.npz')
    latin, _ = GlyphRenderer().build_charset(list('xyz'))
    latin.save(str(dicts / 'latin.npz'))
    config = root / 'wna_child.py'
    config.write_text(f'_base_ = [{DEMO_CONFIG!r}]\n'
                      f'model = dict(default_charset={str(dicts / "base.npz")!r})\n')
    return str(config), dicts
