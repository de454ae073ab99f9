"""MMOCR's own recognisers on the same images, for placing WnA among them: each built from
the config MMOCR ships (random weights), its images resized by that config's own test
pipeline, timed as ``predict`` at each batch size."""
from __future__ import annotations

import os.path as osp
from collections.abc import Callable, Sequence

import mmocr
import numpy as np
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmocr.registry import MODELS

from projects.wna.engine.runner_setup import config_test_pipeline

from .inputs import LMDBImages, cycled_batches

#: The recognisers a user would otherwise pick, by the config MMOCR 1.x ships for them.
MMOCR_MODELS = {
    'abinet-vision': 'textrecog/abinet/abinet-vision_20e_st-an_mj.py',
    'satrn': 'textrecog/satrn/satrn_shallow_5e_st_mj.py',
    'crnn': 'textrecog/crnn/crnn_mini-vgg_5e_mj.py',
}


def mmocr_config_path(relative: str) -> str:
    """A config shipped inside the installed ``mmocr`` package (``mmocr/.mim/configs``)."""
    path = osp.join(osp.dirname(mmocr.__file__), '.mim', 'configs', relative)
    if not osp.isfile(path):
        raise FileNotFoundError(f'MMOCR config not found: {path} (is MMOCR installed with '
                                f'its configs, as pip installs it?)')
    return path


def ndarray_pipeline(cfg: Config) -> list[dict]:
    """The config's test pipeline reading decoded images (``LoadImageFromNDArray`` with
    the loader's colour type) instead of files."""
    pipeline = config_test_pipeline(cfg)
    first = pipeline[0]
    if first['type'] != 'LoadImageFromFile':
        raise ValueError(f'unexpected first transform {first["type"]} in the MMOCR config')
    pipeline[0] = dict(type='LoadImageFromNDArray', color_type=first.get('color_type', 'color'))
    return pipeline


@torch.inference_mode()
def benchmark_mmocr_model(name: str, lmdb_path: str, batch_sizes: Sequence[int],
                          repeats: int, warmup: int, device: torch.device,
                          clock: Callable[[], float]) -> dict:
    """Model img/s (``predict`` on preprocessed batches, as WnA's model figure) of one
    MMOCR recogniser at each batch size, on the test LMDB's images."""
    cfg = Config.fromfile(mmocr_config_path(MMOCR_MODELS[name]))
    model = MODELS.build(cfg.model).to(device).eval()
    source = LMDBImages(lmdb_path, ndarray_pipeline(cfg))
    results = dict(config=MMOCR_MODELS[name],
                   params=sum(p.numel() for p in model.parameters()))
    for batch in batch_sizes:
        seconds = []
        for k, indices in enumerate(cycled_batches(len(source), batch, warmup + repeats)):
            data = model.data_preprocessor(pseudo_collate([source[i] for i in indices]),
                                           False)
            start = clock()
            model(**data, mode='predict')
            if k >= warmup:
                seconds.append(clock() - start)
        results[f'batch_{batch}'] = dict(model_img_per_s=batch / float(np.median(seconds)))
    return results
