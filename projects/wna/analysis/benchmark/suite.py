"""The benchmark itself: inference speed per batch size with a per-phase split, routing
variants on the same inputs, the training step, FLOPs and peak memory."""
from __future__ import annotations

import math
import os
import random
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass

import numpy as np
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.optim import OptimWrapper, build_optim_wrapper

from projects.wna.charset import GlyphCharset
from projects.wna.models import (
    WnAFastInference,
    WnALearnedRouting,
    WnARecognizer,
    WnARoutingPolicy,
    WnARuleBasedRouting,
)

from .demo_accuracy import compare_accuracy
from .flops import component_flops, count_flops
from .inputs import (
    ImageSource,
    LMDBImages,
    bucketed_batch,
    cycled_batches,
    describe_source,
    random_charset,
    synthetic_charset,
)
from .measure import (
    ModuleTimer,
    PeakMemory,
    environment,
    latency_stats,
    make_clock,
    matmul_flops_per_s,
)
from .mmocr_models import MMOCR_MODELS, benchmark_mmocr_model
from .paths import (
    benchmark_glyph_encoding,
    benchmark_reading,
    build_paths,
    describe_paths,
    mmocr_ratios,
    speedups,
)

#: Phases of a test batch: LMDB read + decode + pipeline + collate + data_preprocessor;
#: the router network; the experts (stretch, shared backbone, temporal branch, heads); the
#: rest of ``predict`` (routing-policy selection, DTD, classifier, greedy decoding, text).
PHASES = ('data', 'router', 'experts', 'decoding')
MODEL_PHASES = PHASES[1:]
#: Upstream's optimiser (MODEL.md 9), used when the config has no ``optim_wrapper``.
PLAIN_ADADELTA = dict(lr=0.1, rho=0.9, eps=1e-6, weight_decay=5e-4)
#: Reference matrix product sizes: large enough to reach the device's practical peak.
MATMUL_SIZES = dict(cpu=1024, cuda=4096)
PROTOTYPE_NOTE = ('test prototypes are encoded once by model.prototypes_for before any '
                  'timing and cached; no figure includes glyph encoding')


@dataclass
class BenchmarkSettings:
    """What to measure and how often.

    Attributes:
        batch_sizes: inference batch sizes.
        repeats: timed batches per batch size and per routing variant, and timed
            matrix products; medians are reported.
        warmup: untimed batches, steps or products before the timed ones.
        train_batch: training batch (the paper's 72 = 24 hori + 24 rect + 24 vert).
        train_repeats: timed training steps.
        matmul_size: side of the reference float32 matrix product (default per device:
            :data:`MATMUL_SIZES`).
        large_dicts: extra dictionaries whose encoding is timed on the float32 and fast
            paths: ``'dab3791MC'`` (the training dictionary's composition, 3817 glyphs)
            or a number of glyphs (random CJK characters); random glyph images.
        mmocr_models: MMOCR recognisers timed on the same images
            (:data:`~projects.wna.analysis.benchmark.mmocr_models.MMOCR_MODELS`; LMDB
            inputs only).
    """
    batch_sizes: tuple[int, ...] = (1, 16, 32)
    repeats: int = 20
    warmup: int = 3
    train_batch: int = 72
    train_repeats: int = 10
    matmul_size: int | None = None
    large_dicts: tuple[str | int, ...] = ('dab3791MC', 5000)
    mmocr_models: tuple[str, ...] = tuple(MMOCR_MODELS)

    def __post_init__(self) -> None:
        if not self.batch_sizes or min(self.batch_sizes) < 1:
            raise ValueError('batch sizes must be positive')
        if min(self.repeats, self.train_repeats) < 1 or self.warmup < 0:
            raise ValueError('repeats must be positive and warmup non-negative')
        unknown = set(self.mmocr_models) - set(MMOCR_MODELS)
        if unknown:
            raise ValueError(f'unknown MMOCR models {sorted(unknown)}; known: '
                             f'{sorted(MMOCR_MODELS)}')


#: ``--tiny``: a smoke run for tests.
TINY_SETTINGS = BenchmarkSettings(batch_sizes=(1, 4), repeats=2, warmup=1, train_batch=6,
                                  large_dicts=(48,), mmocr_models=('crnn',),
                                  train_repeats=2, matmul_size=256)


# ----------------------------------------------------------------------------- building
def seed_everything(seed: int) -> None:
    """Seed Python's, NumPy's and torch's global generators (weights and inputs)."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def build_train_optim_wrapper(model: WnARecognizer, cfg: Config) -> OptimWrapper:
    """The config's ``optim_wrapper``, else a plain Adadelta (upstream's settings)."""
    if cfg.get('optim_wrapper'):
        return build_optim_wrapper(model, cfg.optim_wrapper)
    return OptimWrapper(torch.optim.Adadelta(model.parameters(), **PLAIN_ADADELTA))


# ---------------------------------------------------------------------------- inference
class InferenceStepper:
    """Runs test batches as ``test_step`` does, timing each phase.

    Args:
        model: the recogniser, in eval mode with its test prototypes cached.
        clock: a clock that synchronises the device.
        timer: a :class:`ModuleTimer` watching the router (``'router'``) and the experts
            (``'experts'``).
    """

    def __init__(self, model: WnARecognizer, clock: Callable[[], float],
                 timer: ModuleTimer) -> None:
        self.model = model
        self.clock = clock
        self.timer = timer

    def load(self, source: ImageSource, indices: Sequence[int]) -> tuple[dict, float]:
        """A preprocessed batch and the seconds it took (read, decode, pipeline, collate,
        ``data_preprocessor``)."""
        start = self.clock()
        data = self.model.data_preprocessor(pseudo_collate([source[i] for i in indices]),
                                            False)
        return data, self.clock() - start

    def predict(self, data: dict, routing: WnARoutingPolicy | None = None,
                fast: WnAFastInference | bool = False) -> tuple[list, dict[str, float]]:
        """The predictions of a preprocessed batch and the seconds of each model phase
        (with ``routing`` instead of the model's routing policy when given, on the
        test-time path ``fast``: exact float32 by default; on a fast path the router's
        and experts' time is counted as decoding)."""
        self.timer.take()
        start = self.clock()
        samples = self.model(**data, mode='predict', routing=routing, fast=fast)
        total = self.clock() - start
        spent = self.timer.take()
        router, experts = spent.get('router', 0.0), spent.get('experts', 0.0)
        return samples, dict(router=router, experts=experts,
                             decoding=total - router - experts)


def summarize_batches(batch: int, records: list[dict[str, float]],
                      samples: list) -> dict:
    """Throughput, per-phase latency, routing shares and decoded lengths of timed
    batches (``records``: seconds per phase of each batch)."""
    phases = [p for p in PHASES if p in records[0]]
    model_s = [sum(r[p] for p in MODEL_PHASES) for r in records]
    latency = {p: latency_stats([r[p] for r in records]) for p in phases}
    latency['model'] = latency_stats(model_s)
    result = dict(batch_size=batch, batches=len(records), latency=latency,
                  model_img_per_s=batch / float(np.median(model_s)),
                  model_seconds=float(sum(model_s)))
    if 'data' in phases:
        e2e = [sum(r[p] for p in phases) for r in records]
        latency['end_to_end'] = latency_stats(e2e)
        result['img_per_s'] = batch / float(np.median(e2e))
    experts = Counter(ds.pred_route.expert for ds in samples)
    result['routed_share'] = {e: n / len(samples) for e, n in sorted(experts.items())}
    result['mean_decoded_len'] = float(np.mean([len(ds.pred_text.item) for ds in samples]))
    return result


@torch.inference_mode()
def benchmark_inference(stepper: InferenceStepper, source: ImageSource, batch: int,
                        settings: BenchmarkSettings, memory: PeakMemory
                        ) -> tuple[dict, list[dict]]:
    """Time ``settings.repeats`` batches of ``batch`` consecutive images after
    ``settings.warmup`` untimed ones (loading inline, as one loader process would);
    then count the FLOPs of the timed batches in an untimed pass.

    Returns the summary and the timed batches' preprocessed inputs.
    """
    memory.reset()
    records, samples, stored = [], [], []
    for k, indices in enumerate(cycled_batches(len(source), batch,
                                               settings.warmup + settings.repeats)):
        data, load_s = stepper.load(source, indices)
        predictions, phases = stepper.predict(data)
        if k >= settings.warmup:
            records.append(dict(data=load_s, **phases))
            samples += predictions
            stored.append(data)
    result = summarize_batches(batch, records, samples)
    result['memory'] = memory.read()
    flops = sum(count_flops(lambda d=d: stepper.model(**d, mode='predict')) for d in stored)
    result['flops_per_image'] = flops / len(samples)
    result['achieved_flops_per_s'] = flops / result.pop('model_seconds')
    return result, stored


# ------------------------------------------------------------------------------ routing
def routing_variants(policy: WnARoutingPolicy, expert_names: Sequence[str]
                     ) -> dict[str, WnARoutingPolicy]:
    """The learned router (WnA), the closest-anchor rule (the BASE ablation) and one
    policy per expert that sends every image to it, all with ``policy``'s ranges."""
    ranges, anchors = policy.ar_ranges.tolist(), policy.anchors.tolist()
    variants = {
        'learned': WnALearnedRouting(ranges, anchors, policy.len_range),
        'rule_based': WnARuleBasedRouting(ranges, anchors, policy.len_range),
    }
    for e, name in enumerate(expert_names):
        only = [(-math.inf, math.inf) if i == e else (math.inf, -math.inf)
                for i in range(len(expert_names))]
        variants[f'single_{name}'] = WnALearnedRouting(only, anchors, policy.len_range)
    return variants


@torch.inference_mode()
def benchmark_routing(stepper: InferenceStepper, batches: list[dict]) -> dict:
    """Model time of each routing variant on the same preprocessed batches (the first
    batch once untimed per variant first). Data loading is identical and left out."""
    model = stepper.model
    results = {}
    for name, policy in routing_variants(model.routing, list(model.experts)).items():
        stepper.predict(batches[0], policy)
        records, samples = [], []
        for data in batches:
            predictions, phases = stepper.predict(data, policy)
            records.append(phases)
            samples += predictions
        summary = summarize_batches(len(batches[0]['data_samples']), records, samples)
        summary.pop('model_seconds')
        results[name] = summary
    return results


# ----------------------------------------------------------------------------- training
def benchmark_training(model: WnARecognizer, source: ImageSource,
                       wrappers: dict[str, OptimWrapper], settings: BenchmarkSettings,
                       clock: Callable[[], float], memory: PeakMemory) -> dict:
    """Full training steps (``train_step``: data_preprocessor, forward with prototype
    sampling and glyph encoding, losses, backward, optimiser step) on one
    bucketed batch packed by the test pipeline beforehand (augmentation and loading, done
    by loader workers in training, are not timed), with each optimiser wrapper of
    ``wrappers`` -- ``'fp32'`` first, then e.g. ``'mixed_precision'`` -- steps interleaved
    so that every wrapper sees the same weights' history; then the FLOPs of one more
    float32 step. The float32 figures are the top level of the result, the others under
    their names.

    The sampler draws at most ``capacity - 1`` (255) prototypes a step from any dictionary
    that large, so the benchmark dictionary (the model's ``train_charset``) stands in for
    the training one."""
    indices, buckets = bucketed_batch(source, settings.train_batch)
    batch = pseudo_collate([source[i] for i in indices])
    model.train()
    seconds: dict[str, list[float]] = {name: [] for name in wrappers}
    last: dict[str, dict] = {}
    for k in range(settings.warmup + settings.train_repeats):
        for name, wrapper in wrappers.items():
            memory.reset()
            start = clock()
            out = model.train_step(batch, wrapper)
            if k >= settings.warmup:
                seconds[name].append(clock() - start)
            last[name] = dict(loss=float(out['loss'].detach()), memory=memory.read())

    def entry(name: str) -> dict:
        wrapper, median = wrappers[name], float(np.median(seconds[name]))
        return dict(optimizer=f'{type(wrapper).__name__}('
                              f'{type(wrapper.optimizer).__name__})',
                    latency=dict(step=latency_stats(seconds[name])), iter_per_s=1 / median,
                    img_per_s=settings.train_batch / median, last_loss=last[name]['loss'],
                    memory=last[name]['memory'])

    fp32_wrapper = wrappers['fp32']
    flops = count_flops(lambda: model.train_step(batch, fp32_wrapper))
    result = dict(batch_size=settings.train_batch, buckets=buckets,
                  steps=settings.train_repeats, **entry('fp32'), flops_per_step=flops)
    result['achieved_flops_per_s'] = flops * result['iter_per_s']
    result.update({name: entry(name) for name in wrappers if name != 'fp32'})
    return result


# -------------------------------------------------------------------------------- suite
def cache_prototypes(model: WnARecognizer, charset: GlyphCharset,
                     clock: Callable[[], float], memory: PeakMemory) -> dict:
    """Cache the prototypes of ``charset``, the model's test dictionary."""
    model.eval()
    memory.reset()
    start = clock()
    space, protos, _ = model.prototypes_for(charset)
    return dict(seconds=clock() - start, num_prototypes=len(protos),
                num_labels=space.num_labels, note=PROTOTYPE_NOTE, memory=memory.read())


def add_matmul_ratios(result: dict) -> None:
    """``ratio_to_matmul`` = achieved FLOP/s / the reference product's FLOP/s."""
    limit = result['matmul']['flops_per_s']
    for entry in [*result['inference'].values(), result['training']]:
        entry['ratio_to_matmul'] = entry['achieved_flops_per_s'] / limit


def large_dictionaries(sizes: Sequence[str | int], seed: int) -> dict[str, GlyphCharset]:
    """The :attr:`BenchmarkSettings.large_dicts` by name."""
    return {f'{size}' if isinstance(size, str) else f'random_{size}':
            synthetic_charset(seed) if size == 'dab3791MC' else random_charset(int(size), seed)
            for size in sizes}


def run_benchmark(model: WnARecognizer, source: ImageSource, charset: GlyphCharset,
                  optim_wrappers: dict[str, OptimWrapper], settings: BenchmarkSettings,
                  accuracy: tuple[str, str, str] | None = None) -> dict:
    """Every measurement, as a JSON-ready dict (seconds, FLOPs, MiB, fractions).

    Order: prototype caching, the reference matrix product, static FLOPs, inference per
    batch size, routing variants at the largest batch size, every test-time path
    (:data:`~projects.wna.analysis.benchmark.paths.PATHS`) on the same batches, glyph
    encoding per path, MMOCR's recognisers on the same images, the accuracy of the fast
    path (``accuracy``: a trained checkpoint's config, the checkpoint and a work dir),
    training with each of ``optim_wrappers`` (``'fp32'`` and e.g. ``'mixed_precision'``;
    last: it changes the weights), and the ratios (``speedup``). ``model`` reads and
    trains with ``charset``: build it with ``load_recognizer(..., charset=charset)``.
    """
    if model.default_charset is not charset or model.train_charset is not charset:
        raise ValueError('the benchmarked model must read and train with the benchmark '
                         'dictionary: build it with load_recognizer(..., charset=charset)')
    if model.fast_inference is not None:
        raise ValueError('benchmark a model without fast_inference (the benchmark runs '
                         'every path itself)')
    device = model.device
    clock, memory = make_clock(device), PeakMemory(device)
    result = dict(environment=environment(device), settings=asdict(settings),
                  inputs=describe_source(source))
    result['prototype_cache'] = cache_prototypes(model, charset, clock, memory)
    result['matmul'] = matmul_flops_per_s(settings.matmul_size or MATMUL_SIZES[device.type],
                                          device, settings.repeats, settings.warmup)
    space, protos, proto_labels = model.prototypes_for(charset)
    glyph = charset.glyphs[:1]
    result['flops'] = component_flops(model, protos, proto_labels, space.num_labels, glyph,
                                      result['inputs']['mean_label_len'])
    paths = build_paths()
    result['paths'] = describe_paths(paths, device)
    with ModuleTimer(clock) as timer:
        timer.watch(model.router, 'router')
        for expert in model.experts.values():
            timer.watch(expert, 'experts')
        stepper = InferenceStepper(model, clock, timer)
        result['inference'], stored = {}, {}
        for batch in sorted(settings.batch_sizes):
            result['inference'][str(batch)], stored[batch] = benchmark_inference(
                stepper, source, batch, settings, memory)
        result['routing'] = dict(batch_size=max(settings.batch_sizes),
                                 variants=benchmark_routing(stepper, stored[batch]))

        def predict(data: dict, fast: WnAFastInference | bool) -> tuple[list, float]:
            samples, phases = stepper.predict(data, fast=fast)
            return samples, sum(phases.values())

        reading = benchmark_reading(predict, stored, paths)
    large = large_dictionaries(settings.large_dicts, 0)
    glyphs = benchmark_glyph_encoding(model, dict(benchmark=charset, **large), paths, clock,
                                      model.prototype_bank.chunk, tuple(large))
    result['fast_paths'] = dict(reading=reading, glyph_encoding=glyphs)
    if settings.mmocr_models and isinstance(source, LMDBImages):
        result['mmocr_models'] = {
            name: benchmark_mmocr_model(name, source.description['lmdb'], settings.batch_sizes,
                                        settings.repeats, settings.warmup, device, clock)
            for name in settings.mmocr_models}
    if accuracy is not None:
        result['accuracy'] = compare_accuracy(*accuracy)
    result['training'] = benchmark_training(model, source, optim_wrappers, settings, clock,
                                            memory)
    add_matmul_ratios(result)
    result['speedup'] = speedups(reading, glyphs, result['training'])
    if 'mmocr_models' in result:
        result['speedup'].update(mmocr_ratios(reading, result['mmocr_models']))
    result['environment']['load_average_1min_end'] = os.getloadavg()[0]
    return result
