"""``WnAAspectRatioBucketBatchSampler``: WnA's balanced aspect-ratio buckets (72 images a step).

Each sample joins every bucket whose closed W/H interval and label-length interval contain it
(W/H = 2 or 0.5 joins two buckets); samples in no bucket, and images whose header cannot be
read or whose shorter side is below ``min_side``, are left out (counted in the log). Each
batch then draws exactly ``count`` samples per bucket, uniformly with replacement, in bucket
order, forever: uniformly over the bucket's members, or, with ``dataset_weights``, first a
child dataset of a concatenation by its weight (which may change with the step: a curriculum)
and then uniformly over its members in the bucket. The bucket index is built once from
image headers and cached; a cached index that cannot be read (or does not fit the dataset)
is rebuilt, with a warning.

:data:`DEFAULT_BUCKETS` is the one bucket table of wna: the training configs, the demo data
(:mod:`projects.wna.datasets.synthesis`) and the benchmark's training batch use it. A dataset
serves the sampler when it has what :class:`BucketSamplerDataset` describes.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Protocol

import numpy as np
from mmengine.dist import get_dist_info, sync_random_seed
from mmengine.logging import print_log
from mmocr.registry import DATA_SAMPLERS
from torch.utils.data import Sampler

#: The WnA bucket table (``get_wna_v6_dcfg_1h1v1r_2_05_smol``, 24 per bucket).
DEFAULT_BUCKETS = (
    dict(name='hori', ratio=(2.0, 9999.0), count=24),
    dict(name='rect', ratio=(0.5, 2.0), count=24),
    dict(name='vert', ratio=(-100.0, 0.5), count=24),
)
DEFAULT_LENGTH = (1, 32)


class BucketSamplerDataset(Protocol):
    """What :class:`WnAAspectRatioBucketBatchSampler` needs of a dataset (e.g.
    :class:`~projects.wna.datasets.WnALMDBDataset`), or of every child of a concatenation
    (a dataset with a ``datasets`` list, such as MMOCR's ``ConcatDataset``)."""

    #: The dataset's folder (or annotation file); the first dataset's folder holds the
    #: cached bucket index unless the sampler is given a ``cache_dir``.
    ann_file: str

    def __len__(self) -> int:
        """The number of samples."""

    def get_sizes(self) -> np.ndarray:
        """Per sample ``(W, H, label length in grapheme clusters)`` as an int array
        ``[len(self), 3]``; ``W = H = 0`` marks an image whose size cannot be read."""

    def cache_identity(self) -> Any:
        """A JSON-serialisable value that changes whenever the records (and so the sizes)
        may change, e.g. path, sample count and file stamp; part of the cache key."""


def in_ratio_range(ratio: np.ndarray | float, bucket: Mapping) -> np.ndarray | bool:
    """Whether W/H ``ratio`` lies in the closed ``bucket['ratio']`` interval."""
    lo, hi = bucket['ratio']
    return (ratio >= lo) & (ratio <= hi)


def buckets_of(width: int, height: int, buckets: Sequence[Mapping] = DEFAULT_BUCKETS
               ) -> list[str]:
    """The names of the buckets (closed W/H ranges) an image of this size joins."""
    return [b['name'] for b in buckets if in_ratio_range(width / height, b)]


def _child_datasets(dataset: Any) -> list[BucketSamplerDataset]:
    """The datasets behind ``dataset`` (the children of a ConcatDataset, else itself)."""
    children = list(getattr(dataset, 'datasets', [dataset]))
    for child in children:
        if not (hasattr(child, 'get_sizes') and hasattr(child, 'cache_identity')):
            raise TypeError(f'WnAAspectRatioBucketBatchSampler needs datasets with get_sizes() '
                            f'and cache_identity() (a BucketSamplerDataset, e.g. '
                            f'WnALMDBDataset), got {type(child).__name__}')
    return children


def _default_cache_dir(first_ann_file: str) -> str:
    """``<first LMDB>/wna_buckets`` (``<folder of the first annotation file>/wna_buckets``
    for a JSON annotation) if that folder is writable, else ``~/.cache/wna/buckets``."""
    folder = first_ann_file if os.path.isdir(first_ann_file) else os.path.dirname(
        os.path.abspath(first_ann_file))
    if os.access(folder, os.W_OK):
        return os.path.join(folder, 'wna_buckets')
    return os.path.join(os.path.expanduser('~'), '.cache', 'wna', 'buckets')


@DATA_SAMPLERS.register_module()
class WnAAspectRatioBucketBatchSampler(Sampler):
    """Infinite batch sampler yielding ``sum(count)`` dataset indices per batch.

    A batch is the concatenation, in table order, of ``count`` indices drawn uniformly with
    replacement from each bucket (default: 24 hori + 24 rect + 24 vert = 72).

    Config (the demo's 8 + 8 + 8 images a step from the default table)::

        train_dataloader = dict(batch_size=24, sampler=dict(type='InfiniteSampler'),
                                batch_sampler=dict(type='WnAAspectRatioBucketBatchSampler',
                                                   count=8), ...)

    Args:
        sampler: MMEngine's ``sampler`` (e.g. ``InfiniteSampler``); only its ``dataset`` and
            ``seed`` are used.
        batch_size: MMEngine's ``batch_size``; must equal the sum of the bucket counts.
        buckets: the bucket table (default :data:`DEFAULT_BUCKETS`), dicts ``name``,
            ``ratio=(lo, hi)`` (closed W/H interval), ``count`` and optionally
            ``length=(lo, hi)`` (grapheme clusters, default 1..32).
        min_side: images with a shorter side below this (or an unreadable header) are left out.
        seed: the sampling seed; default: the sampler's seed, else ``sync_random_seed()``.
        rank: the stream index; default: this process's distributed rank. Each rank draws a
            different stream.
        cache_dir: where the bucket index is cached; default ``<first LMDB>/wna_buckets`` if
            writable, else ``~/.cache/wna/buckets``.
        dataset: the dataset (a :class:`BucketSamplerDataset` or a concatenation of them),
            when there is no ``sampler`` to take it from.
        count: images drawn from every bucket, replacing the table's counts (an int >= 1;
            default: the counts of ``buckets``).
        dataset_weights: the share of every child dataset (of a concatenation, in its order)
            in each bucket's draws, renormalised over the children that have members in
            the bucket: a list of non-negative weights, or a schedule, a list of
            ``(step, weights)`` pairs with increasing steps (batches since the start),
            interpolated linearly between them and held before the first and after the
            last. Default: none, every member of a bucket equally likely. E.g. plain crops
            only for 600 steps, then a linear ramp to half augmented ones at step 1500::

                dataset_weights=[(600, [1, 0]), (1500, [1, 1])]
    """

    def __init__(self, sampler: Any = None, batch_size: int | None = None,
                 buckets: Sequence[dict] = DEFAULT_BUCKETS, min_side: int = 5,
                 seed: int | None = None, rank: int | None = None, cache_dir: str | None = None,
                 dataset: Any = None, count: int | None = None,
                 dataset_weights: Sequence | None = None) -> None:
        self.sampler = sampler  # MMEngine's DistSamplerSeedHook looks for batch_sampler.sampler
        dataset = dataset if dataset is not None else getattr(sampler, 'dataset', None)
        if dataset is None:
            raise ValueError('WnAAspectRatioBucketBatchSampler needs a dataset (or a sampler '
                             'with a .dataset)')
        if count is not None:
            if isinstance(count, bool) or not isinstance(count, int) or count < 1:
                raise ValueError(f'count must be an int >= 1 (images per bucket), got {count!r}')
            buckets = [dict(b, count=count) for b in buckets]
        self.buckets = [self._check_bucket(b) for b in buckets]
        names = [b['name'] for b in self.buckets]
        if not names or len(set(names)) != len(names):
            raise ValueError(f'bucket names must be distinct and non-empty, got {names}')
        self.counts = [b['count'] for b in self.buckets]
        self.batch_size = sum(self.counts)
        if batch_size is not None and batch_size != self.batch_size:
            raise ValueError(f'train_dataloader.batch_size is {batch_size} but the buckets give '
                             f'{self.batch_size} per batch ({self.counts}); make them agree')
        self.min_side = min_side
        if seed is None:
            seed = getattr(sampler, 'seed', None)
        self.seed = sync_random_seed() if seed is None else int(seed)
        self.rank = get_dist_info()[0] if rank is None else int(rank)
        children = _child_datasets(dataset)
        self.cache_dir = cache_dir or _default_cache_dir(children[0].ann_file)
        self.indices = self._load_or_build(children)
        self.schedule = None if dataset_weights is None else \
            self._check_schedule(dataset_weights, len(children))
        if self.schedule is not None:
            self.child_pools = self._split_by_child(np.cumsum([len(c) for c in children]))
            self._check_weighted_buckets()

    @staticmethod
    def _check_bucket(bucket: dict) -> dict:
        missing = {'name', 'ratio', 'count'} - set(bucket)
        if missing:
            raise ValueError(f'bucket {bucket} lacks {sorted(missing)}')
        lo, hi = bucket['ratio']
        length = tuple(bucket.get('length', DEFAULT_LENGTH))
        if lo > hi or length[0] > length[1] or int(bucket['count']) < 1:
            raise ValueError(f'bucket {bucket} needs lo <= hi ranges and a count >= 1')
        return dict(name=str(bucket['name']), ratio=(float(lo), float(hi)),
                    length=(int(length[0]), int(length[1])), count=int(bucket['count']))

    @staticmethod
    def _check_schedule(dataset_weights: Sequence, num_children: int
                        ) -> tuple[np.ndarray, np.ndarray]:
        """``(steps [P], weights [P, num_children])`` from a weight list or schedule."""
        points = list(dataset_weights)
        if points and all(isinstance(w, (int, float)) for w in points):
            points = [(0, points)]
        try:
            steps = np.array([int(step) for step, _ in points], dtype=np.int64)
            weights = np.array([[float(w) for w in ws] for _, ws in points], dtype=np.float64)
        except (TypeError, ValueError) as e:
            raise ValueError(f'dataset_weights must be a list of weights or of (step, weights) '
                             f'pairs, got {dataset_weights!r}') from e
        if not len(points) or weights.shape[1:] != (num_children,):
            raise ValueError(f'dataset_weights needs one weight per child dataset '
                             f'({num_children}) at every step, got {dataset_weights!r}')
        if (np.diff(steps) <= 0).any() or not np.isfinite(weights).all() or \
                (weights < 0).any():
            raise ValueError(f'dataset_weights needs increasing steps and finite weights '
                             f'>= 0, got {dataset_weights!r}')
        return steps, weights

    def _split_by_child(self, bounds: np.ndarray) -> list[list[np.ndarray]]:
        """Every bucket's members split by child dataset (``bounds``: cumulative child
        lengths): ``[bucket][child] -> indices``."""
        return [[pool[(pool >= lo) & (pool < hi)] for lo, hi in zip(np.r_[0, bounds[:-1]], bounds)]
                for pool in (self.indices[b['name']] for b in self.buckets)]

    def _check_weighted_buckets(self) -> None:
        """Check that every bucket has a child with members and a positive weight at every
        point of the schedule (between points the weights are mixtures of theirs)."""
        for b, pools in zip(self.buckets, self.child_pools):
            present = np.array([len(p) > 0 for p in pools])
            starved = [int(step) for step, w in zip(*self.schedule) if not (w * present).any()]
            if starved:
                raise ValueError(f'bucket {b["name"]!r} has no member in the child datasets '
                                 f'weighted > 0 at step(s) {starved}; check dataset_weights')

    def weights_at(self, step: int) -> np.ndarray:
        """The child datasets' weights at ``step`` (requires ``dataset_weights``)."""
        steps, weights = self.schedule
        return np.array([np.interp(step, steps, column) for column in weights.T])

    # --- the bucket index -------------------------------------------------------------------

    def _cache_path(self, children: Sequence[BucketSamplerDataset]) -> str:
        table = [dict(name=b['name'], ratio=b['ratio'], length=b['length']) for b in self.buckets]
        identity = dict(datasets=[c.cache_identity() for c in children], buckets=table,
                        min_side=self.min_side)
        digest = hashlib.sha1(json.dumps(identity, sort_keys=True).encode()).hexdigest()[:20]
        return os.path.join(self.cache_dir, f'buckets_{digest}.npz')

    def _load_or_build(self, children: Sequence[BucketSamplerDataset]
                       ) -> dict[str, np.ndarray]:
        path = self._cache_path(children)
        indices = self._read_cache(path, sum(len(c) for c in children))
        if indices is None:
            sizes = np.concatenate([c.get_sizes() for c in children])
            indices = self.assign(sizes)
            self._write_cache(path, indices)
        empty = [name for name, idx in indices.items() if len(idx) == 0]
        if empty:
            raise ValueError(f'bucket(s) {empty} hold no sample of the training set; check the '
                             'data or the bucket table')
        return indices

    def _read_cache(self, path: str, num_samples: int) -> dict[str, np.ndarray] | None:
        """The cached index at ``path``; ``None`` when there is none, or (with a warning) when
        it is unreadable or does not fit the ``num_samples`` samples, so that it is rebuilt."""
        if not os.path.isfile(path):
            return None
        try:
            with np.load(path) as cached:
                indices = {b['name']: cached[b['name']] for b in self.buckets}
        except Exception as e:  # a damaged .npz raises many types
            problem = f'is unreadable ({type(e).__name__}: {e})'
        else:
            bad = [name for name, idx in indices.items()
                   if idx.ndim != 1 or idx.dtype.kind not in 'iu'
                   or (idx.size and (idx.min() < 0 or idx.max() >= num_samples))]
            if not bad:
                print_log(f'bucket index read from {path}: {self._describe(indices)}',
                          logger='current')
                return indices
            problem = f'holds invalid indices for bucket(s) {bad}'
        print_log(f'the cached bucket index {path} {problem}; rebuilding it', logger='current',
                  level=logging.WARNING)
        return None

    def assign(self, sizes: np.ndarray) -> dict[str, np.ndarray]:
        """Bucket -> sorted int64 dataset indices, from ``sizes`` rows ``(W, H, label length)``."""
        w, h, length = sizes[:, 0], sizes[:, 1], sizes[:, 2]
        usable = np.minimum(w, h) >= self.min_side
        ratio = np.where(usable, w / np.maximum(h, 1), np.nan)
        indices = {}
        in_any = np.zeros(len(sizes), dtype=bool)
        for b in self.buckets:
            sel = usable & in_ratio_range(ratio, b) & \
                (length >= b['length'][0]) & (length <= b['length'][1])
            indices[b['name']] = np.flatnonzero(sel).astype(np.int64)
            in_any |= sel
        print_log(f'bucket index built over {len(sizes)} samples: {self._describe(indices)}; '
                  f'left out {int((~usable).sum())} with an unreadable header or a side < '
                  f'{self.min_side} px and {int((usable & ~in_any).sum())} in no bucket',
                  logger='current',
                  level=logging.WARNING if not in_any.all() else logging.INFO)
        return indices

    @staticmethod
    def _describe(indices: dict[str, np.ndarray]) -> str:
        return ', '.join(f'{name} {len(idx)}' for name, idx in indices.items())

    def _write_cache(self, path: str, indices: dict[str, np.ndarray]) -> None:
        """Write atomically (several ranks may build the same index)."""
        try:
            os.makedirs(self.cache_dir, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.cache_dir, suffix='.npz.tmp')
            with os.fdopen(fd, 'wb') as f:
                np.savez(f, **indices)
            os.replace(tmp, path)
        except OSError as e:
            print_log(f'could not cache the bucket index at {path}: {e}', logger='current',
                      level=logging.WARNING)
            return
        print_log(f'bucket index cached at {path}', logger='current')

    # --- sampling ---------------------------------------------------------------------------

    def __iter__(self) -> Iterator[list[int]]:
        # the same stream on every __iter__, so a resumed run replays the batches it skips
        rng = np.random.default_rng([self.seed % 2**32, self.rank])
        if self.schedule is None:
            pools = [self.indices[b['name']] for b in self.buckets]
            while True:
                yield np.concatenate([pool[rng.integers(0, len(pool), count)]
                                      for pool, count in zip(pools, self.counts)]).tolist()
        step = 0
        while True:
            weights = self.weights_at(step)
            yield np.concatenate([self._draw_weighted(rng, pools, weights, count)
                                  for pools, count in zip(self.child_pools, self.counts)]
                                 ).tolist()
            step += 1

    @staticmethod
    def _draw_weighted(rng: np.random.Generator, pools: Sequence[np.ndarray],
                       weights: np.ndarray, count: int) -> np.ndarray:
        """``count`` members of one bucket: a child by weight, then a member of it."""
        share = weights * np.array([len(p) > 0 for p in pools])
        children = rng.choice(len(pools), count, p=share / share.sum())
        return np.array([pools[c][rng.integers(len(pools[c]))] for c in children],
                        dtype=np.int64)

    def __len__(self) -> int:
        """A nominal epoch: enough batches to cover the indexed samples once (it never stops)."""
        indexed = sum(len(idx) for idx in self.indices.values())
        return max(1, -(-indexed // self.batch_size))
