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
    WnALearnedRouting,
    WnARecognizer,
    WnARoutingPolicy,
    WnARuleBasedRouting,
)

from .flops import component_flops, count_flops
from .inputs import ImageSource, bucketed_batch, describe_source
from .measure import (
    ModuleTimer,
    PeakMemory,
    environment,
    latency_stats,
    make_clock,
    matmul_flops_per_s,
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
    """
    batch_sizes: tuple[int, ...] = (1, 16, 32)
    repeats: int = 20
    warmup: int = 3
    train_batch: int = 72
    train_repeats: int = 10
    matmul_size: int | None = None

    def __post_init__(self) -> None:
        if not self.batch_sizes or min(self.batch_sizes) < 1:
            raise ValueError('batch sizes must be positive')
        if min(self.repeats, self.train_repeats) < 1 or self.warmup < 0:
            raise ValueError('repeats must be positive and warmup non-negative')


#: ``--tiny``: a smoke run for tests.
TINY_SETTINGS = BenchmarkSettings(batch_sizes=(1, 4), repeats=2, warmup=1, train_batch=6,
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
def cycled_batches(num_images: int, batch: int, count: int) -> list[list[int]]:
    """``count`` consecutive batches of indices, wrapping around the inputs."""
    return [[(k * batch + j) % num_images for j in range(batch)] for k in range(count)]


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

    def predict(self, data: dict, routing: WnARoutingPolicy | None = None
                ) -> tuple[list, dict[str, float]]:
        """The predictions of a preprocessed batch and the seconds of each model phase
        (with ``routing`` instead of the model's routing policy when given)."""
        self.timer.take()
        start = self.clock()
        samples = self.model(**data, mode='predict', routing=routing)
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
def benchmark_training(model: WnARecognizer, source: ImageSource, optim_wrapper: OptimWrapper,
                       settings: BenchmarkSettings,
                       clock: Callable[[], float], memory: PeakMemory) -> dict:
    """Full training steps (``train_step``: data_preprocessor, forward with prototype
    sampling and glyph encoding, losses, backward, optimiser step) on one
    bucketed batch packed by the test pipeline beforehand (augmentation and loading, done
    by loader workers in training, are not timed); then the FLOPs of one more step.

    The sampler draws at most ``capacity - 1`` (255) prototypes a step from any dictionary
    that large, so the benchmark dictionary (the model's ``train_charset``) stands in for
    the training one."""
    indices, buckets = bucketed_batch(source, settings.train_batch)
    batch = pseudo_collate([source[i] for i in indices])
    model.train()
    memory.reset()
    seconds = []
    for k in range(settings.warmup + settings.train_repeats):
        start = clock()
        model.train_step(batch, optim_wrapper)
        if k >= settings.warmup:
            seconds.append(clock() - start)
    reading = memory.read()
    flops = count_flops(lambda: model.train_step(batch, optim_wrapper))
    median = float(np.median(seconds))
    return dict(batch_size=settings.train_batch, buckets=buckets, steps=len(seconds),
                optimizer=f'{type(optim_wrapper).__name__}('
                          f'{type(optim_wrapper.optimizer).__name__})',
                latency=dict(step=latency_stats(seconds)), iter_per_s=1 / median,
                img_per_s=settings.train_batch / median, flops_per_step=flops,
                achieved_flops_per_s=flops / median, memory=reading)


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


def run_benchmark(model: WnARecognizer, source: ImageSource, charset: GlyphCharset,
                  optim_wrapper: OptimWrapper, settings: BenchmarkSettings) -> dict:
    """Every measurement, as a JSON-ready dict (seconds, FLOPs, MiB, fractions).

    Order: prototype caching, the reference matrix product, static FLOPs, inference per
    batch size, routing variants at the largest batch size, training (last: it changes
    the weights). ``model`` reads and trains with ``charset``: build it with
    ``load_recognizer(..., charset=charset)``.
    """
    if model.default_charset is not charset or model.train_charset is not charset:
        raise ValueError('the benchmarked model must read and train with the benchmark '
                         'dictionary: build it with load_recognizer(..., charset=charset)')
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
    with ModuleTimer(clock) as timer:
        timer.watch(model.router, 'router')
        for expert in model.experts.values():
            timer.watch(expert, 'experts')
        stepper = InferenceStepper(model, clock, timer)
        result['inference'] = {}
        for batch in sorted(settings.batch_sizes):
            result['inference'][str(batch)], stored = benchmark_inference(
                stepper, source, batch, settings, memory)
        result['routing'] = dict(batch_size=max(settings.batch_sizes),
                                 variants=benchmark_routing(stepper, stored))
    result['training'] = benchmark_training(model, source, optim_wrapper, settings, clock,
                                            memory)
    add_matmul_ratios(result)
    result['environment']['load_average_1min_end'] = os.getloadavg()[0]
    return result
