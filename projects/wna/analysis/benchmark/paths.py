"""The fast test-time path against exact float32, technique by technique, in one run:
reading per batch size and glyph encoding per dictionary; the mixed-precision optimiser
wrapper for the training step; and the ratios (``speedup``)."""
from __future__ import annotations

import copy
from collections.abc import Callable, Mapping

import numpy as np
import torch
from mmengine.config import Config
from mmengine.optim import OptimWrapper, build_optim_wrapper

from projects.wna.charset import GlyphCharset
from projects.wna.engine.runner_setup import enable_amp
from projects.wna.models import WnAFastInference, WnAPrototypeBank, WnARecognizer

from .measure import latency_stats

#: The test-time paths compared: exact float32, each technique alone, the fast path
#: (``WnAFastInference`` defaults, what ``--fast`` selects) and the fast path with the
#: opt-in int8 glyph encoding. ``None``: float32.
PATHS: dict[str, dict | None] = {
    'fp32': None,
    'fold_norms': dict(dtype=None, fold_norms=True, channels_last=False, int8_glyphs=False),
    'channels_last': dict(dtype=None, fold_norms=False, channels_last=True, int8_glyphs=False),
    'reduced_precision': dict(dtype='auto', fold_norms=False, channels_last=False,
                              int8_glyphs=False),
    'int8_glyphs': dict(dtype=None, fold_norms=True, channels_last=False, int8_glyphs=True),
    'fast': dict(),
    'fast_int8': dict(int8_glyphs=True),
}
#: Paths timed on the large dictionaries (encoding them takes a while).
LARGE_DICT_PATHS = ('fp32', 'fast', 'fast_int8')


def build_paths(names: tuple[str, ...] = tuple(PATHS)) -> dict[str, WnAFastInference | bool]:
    """``False`` (exact float32) or a ``WnAFastInference`` per path name."""
    return {name: False if PATHS[name] is None else WnAFastInference(**PATHS[name])
            for name in names}


def describe_paths(paths: Mapping[str, WnAFastInference | bool],
                   device: torch.device) -> dict[str, str]:
    """What each path is, with the dtype it uses on ``device``."""
    return {name: 'exact float32' if fast is False else
            f'{fast!r} -> {fast.dtype_on(device) or torch.float32}'
            for name, fast in paths.items()}


# ---------------------------------------------------------------------------- reading
@torch.inference_mode()
def benchmark_reading(predict: Callable, batches: Mapping[int, list[dict]],
                      paths: Mapping[str, WnAFastInference | bool]) -> dict:
    """Model img/s of every path on the same preprocessed batches per batch size, and
    the share of strings identical to float32's.

    ``predict(data, fast) -> (samples, seconds)``. Each path first reads one batch
    untimed (it builds the path's inference copies); then every batch is read by every
    path in turn, so that a change of machine load affects all paths alike."""
    results: dict[str, dict] = {name: {} for name in paths}
    for size, data in batches.items():
        for fast in paths.values():
            predict(data[0], fast)
        seconds: dict[str, list[float]] = {name: [] for name in paths}
        texts: dict[str, list[str]] = {name: [] for name in paths}
        for d in data:
            for name, fast in paths.items():
                samples, spent = predict(d, fast)
                seconds[name].append(spent)
                texts[name] += [s.pred_text.item for s in samples]
        reference = texts[next(iter(paths))]
        for name in paths:
            same = [a == b for a, b in zip(texts[name], reference, strict=True)]
            results[name][f'batch_{size}'] = dict(
                model_img_per_s=size / float(np.median(seconds[name])),
                latency=latency_stats(seconds[name]), identical_to_fp32=float(np.mean(same)))
    return results


# --------------------------------------------------------------------- glyph encoding
@torch.inference_mode()
def benchmark_glyph_encoding(model: WnARecognizer, charsets: Mapping[str, GlyphCharset],
                             paths: Mapping[str, WnAFastInference | bool],
                             clock: Callable[[], float], chunk: int,
                             large: tuple[str, ...] = ()) -> dict:
    """Seconds to encode every glyph of each dictionary on each path (a fresh
    ``WnAPrototypeBank``, so nothing is cached), with the largest deviation of the
    prototypes' cosine from float32's. Dictionaries named in ``large`` run only the
    :data:`LARGE_DICT_PATHS`. The first dictionary is also encoded cold
    (``cold_seconds``: the path's copies dropped first, so their making -- folding,
    int8 calibration -- is timed too); the copies it makes serve the timed encodings."""
    model.eval()

    def encode(charset: GlyphCharset, fast: WnAFastInference | bool
               ) -> tuple[torch.Tensor, float]:
        bank = WnAPrototypeBank(chunk)
        start = clock()
        protos = bank.prototypes(charset, model.glyph_encoder, model.backbone,
                                 fast or None).protos
        return protos, clock() - start

    results: dict[str, dict] = {}
    for index, (dict_name, charset) in enumerate(charsets.items()):
        reference = None
        for name, fast in paths.items():
            if dict_name in large and name not in LARGE_DICT_PATHS:
                continue
            cold = None
            if index == 0:
                if fast:
                    fast.clear()
                cold = encode(charset, fast)[1]
            protos, seconds = encode(charset, fast)
            if reference is None:
                reference = protos
            entry = dict(seconds=seconds, cold_seconds=cold, glyphs=len(protos),
                         glyphs_per_s=len(protos) / seconds,
                         max_cosine_deviation=float(
                             (1 - (protos * reference).sum(dim=1)).abs().max()))
            results.setdefault(name, {})[dict_name] = {k: v for k, v in entry.items()
                                                       if v is not None}
    return results


# --------------------------------------------------------------------------- training
def mixed_precision_optim_wrapper(model: WnARecognizer, cfg: Config) -> OptimWrapper:
    """The config's optimiser wrapper switched as ``tools/train.py --amp`` switches it on
    the model's device (bfloat16 autocast on CPU, AMP on GPU)."""
    cfg = copy.deepcopy(cfg)
    enable_amp(cfg, model.device.type)
    return build_optim_wrapper(model, cfg.optim_wrapper)


# ---------------------------------------------------------------------------- ratios
def speedups(reading: dict, glyphs: dict, training: dict) -> dict:
    """``speedup["<path>_vs_fp32"]``: ``batch_<n>`` (model img/s ratio), ``glyphs_<dict>``
    (encoding time ratio per dictionary; ``glyph_encoding``: the benchmark dictionary)
    and, for the fast path, ``train_step`` (mixed-precision vs float32 training step,
    when ``training`` has a ``mixed_precision`` entry)."""
    out: dict[str, dict] = {}
    base = reading['fp32']
    for name, batches in reading.items():
        if name == 'fp32':
            continue
        ratios = {b: v['model_img_per_s'] / base[b]['model_img_per_s']
                  for b, v in batches.items()}
        for dict_name, entry in glyphs.get(name, {}).items():
            ratios[f'glyphs_{dict_name}'] = (glyphs['fp32'][dict_name]['seconds']
                                             / entry['seconds'])
        ratios['glyph_encoding'] = ratios.pop('glyphs_benchmark')
        out[f'{name}_vs_fp32'] = ratios
    if 'mixed_precision' in training:
        out['fast_vs_fp32']['train_step'] = (training['mixed_precision']['img_per_s']
                                             / training['img_per_s'])
    return out


def mmocr_ratios(reading: dict, mmocr: dict) -> dict:
    """``speedup["wna_<path>_vs_<model>"]["batch_<n>"]``: WnA's model img/s (float32 and
    fast path) over each MMOCR recogniser's, at each batch size."""
    return {f'wna_{path}_vs_{name}': {
                b: reading[path][b]['model_img_per_s'] / figures[b]['model_img_per_s']
                for b in reading[path] if b in figures}
            for name, figures in mmocr.items() for path in ('fp32', 'fast')}
