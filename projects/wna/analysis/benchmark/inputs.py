"""Benchmark inputs: test images read from an LMDB or synthesised, the synthetic
dictionary, and the paper's bucketed training batch."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from mmengine.dataset import Compose

from projects.wna.charset import GLYPH_SIZE, GlyphCharset, grapheme_len, load_char_list
from projects.wna.datasets import DEFAULT_BUCKETS, WnALMDBDataset, in_ratio_range

#: Aspect-ratio (W/H) mix of the demo test set (``tools/make_demo_data.py``, seed 0, 600
#: crops) in the routing policy's bands, as ``(share, lowest AR, highest AR)``; synthetic
#: crops draw their AR log-uniformly inside a band.
DEMO_AR_MIX = ((0.315, 3.0, 6.0), (0.312, 1.0, 3.0), (0.212, 0.3, 1.0), (0.152, 0.15, 0.3))
#: Shorter side of the synthetic crops in pixels (the demo test crops: 32-56 px mostly).
SHORT_SIDE = (32, 56)
#: Composition of the largest dictionary of the protocol, the training dictionary
#: ``dab3791MC``: GB2312 level 1 plus latin62 (3817 characters, 3791 labels).
SYNTHETIC_DICT_LISTS = ('gb2312_level1', 'latin62')


class LMDBImages:
    """Test samples of a ``WnALMDBDataset``: ``source[i]`` reads record ``i`` from the
    LMDB, decodes it and runs ``pipeline`` (every image is decoded once at construction,
    as test-mode datasets do).

    Attributes:
        texts: the label of every sample.
        aspect_ratios: float ``[N]`` W/H from the image headers.
    """

    def __init__(self, lmdb_path: str, pipeline: Sequence[dict]) -> None:
        self.dataset = WnALMDBDataset(ann_file=lmdb_path, pipeline=list(pipeline),
                                      test_mode=True)
        if len(self.dataset) == 0:
            raise ValueError(f'no usable test record in {lmdb_path}')
        self.texts = [self.dataset.get_data_info(i)['instances'][0]['text']
                      for i in range(len(self.dataset))]
        sizes = self.dataset.get_sizes(progress=False)
        self.aspect_ratios = sizes[:, 0] / np.maximum(sizes[:, 1], 1)
        self.description = dict(source='lmdb', lmdb=lmdb_path)

    def __len__(self) -> int:
        return len(self.dataset)

    def __getitem__(self, index: int) -> dict:
        return self.dataset[index]


class SyntheticImages:
    """Random-pixel BGR crops with the demo's aspect-ratio mix and random texts of the
    dictionary; ``source[i]`` runs ``pipeline`` on crop ``i`` (no LMDB read or decode).

    A text has as many characters as the crop's long side holds squares of its short
    side (1 to 32).

    Args:
        count: number of crops.
        charset: dictionary whose characters make the texts.
        pipeline: the test pipeline (starting with ``LoadImageFromNDArray``).
        seed: random seed.
    """

    def __init__(self, count: int, charset: GlyphCharset, pipeline: Sequence[dict],
                 seed: int = 0) -> None:
        if count < 1:
            raise ValueError('count must be positive')
        rng = np.random.default_rng(seed)
        shares = np.array([share for share, _, _ in DEMO_AR_MIX])
        bands = rng.choice(len(DEMO_AR_MIX), size=count, p=shares / shares.sum())
        lows = np.log([DEMO_AR_MIX[b][1] for b in bands])
        highs = np.log([DEMO_AR_MIX[b][2] for b in bands])
        ratios = np.exp(rng.uniform(lows, highs))
        short = rng.integers(SHORT_SIDE[0], SHORT_SIDE[1] + 1, size=count)
        self.images = [self._crop(rng, int(s), float(r)) for s, r in zip(short, ratios)]
        self.aspect_ratios = np.array([img.shape[1] / img.shape[0] for img in self.images])
        self.texts = [''.join(rng.choice(charset.chars, size=self._length(img)))
                      for img in self.images]
        self.pipeline = Compose(list(pipeline))
        self.description = dict(source='synthetic', seed=seed)

    @staticmethod
    def _crop(rng: np.random.Generator, short: int, ratio: float) -> np.ndarray:
        long = max(1, round(short * max(ratio, 1 / ratio)))
        h, w = (short, long) if ratio >= 1 else (long, short)
        return rng.integers(0, 256, (h, w, 3), dtype=np.uint8)

    @staticmethod
    def _length(img: np.ndarray) -> int:
        h, w = img.shape[:2]
        return int(np.clip(round(max(h, w) / min(h, w)), 1, 32))

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, index: int) -> dict:
        return self.pipeline(dict(img=self.images[index], sample_idx=index,
                                  instances=[dict(text=self.texts[index])]))


ImageSource = LMDBImages | SyntheticImages


def synthetic_charset(seed: int = 0) -> GlyphCharset:
    """A dictionary with ``dab3791MC``'s composition and random glyph images."""
    chars = [c for name in SYNTHETIC_DICT_LISTS for c in load_char_list(name)]
    rng = np.random.default_rng(seed)
    glyphs = rng.integers(0, 256, (len(chars), GLYPH_SIZE, GLYPH_SIZE), dtype=np.uint8)
    return GlyphCharset(chars, glyphs, meta=dict(source='benchmark, random glyphs'))


def random_charset(size: int, seed: int = 0) -> GlyphCharset:
    """``size`` CJK characters from U+4E00 on with random glyph images."""
    rng = np.random.default_rng(seed)
    glyphs = rng.integers(0, 256, (size, GLYPH_SIZE, GLYPH_SIZE), dtype=np.uint8)
    return GlyphCharset([chr(0x4E00 + i) for i in range(size)], glyphs,
                        meta=dict(source='benchmark, random glyphs'))


def describe_source(source: ImageSource) -> dict:
    """Size, label lengths and aspect-ratio bands of a source, for the report."""
    ar = source.aspect_ratios
    bands = {f'{lo:g}-{hi:g}': float(np.mean((ar >= lo) & (ar <= hi)))
             for _, lo, hi in DEMO_AR_MIX}
    return dict(source.description, num_images=len(source),
                mean_label_len=float(np.mean([grapheme_len(t) for t in source.texts])),
                aspect_ratio_bands=bands)


def bucketed_batch(source: ImageSource, size: int) -> tuple[list[int], dict[str, int]]:
    """Indices of a training batch of ``size`` images, an equal share from each bucket of
    the training sampler (``DEFAULT_BUCKETS``: the paper's 24 hori + 24 rect + 24 vert for
    72, closed W/H ranges), repeating a bucket's images if it has too few; and the count
    per bucket."""
    buckets = DEFAULT_BUCKETS
    if size < len(buckets) or size % len(buckets):
        raise ValueError(f'the training batch must be a positive multiple of {len(buckets)}, '
                         f'got {size}')
    per_bucket = size // len(buckets)
    members = {b['name']: np.flatnonzero(in_ratio_range(source.aspect_ratios, b))
               for b in buckets}
    empty = [name for name, idx in members.items() if len(idx) == 0]
    if empty:
        raise ValueError(f'the inputs have no image in the training buckets {empty}')
    indices = [int(idx[k % len(idx)]) for idx in members.values() for k in range(per_bucket)]
    return indices, {name: per_bucket for name in members}


def cycled_batches(num_images: int, batch: int, count: int) -> list[list[int]]:
    """``count`` consecutive batches of indices, wrapping around the inputs."""
    return [[(k * batch + j) % num_images for j in range(batch)] for k in range(count)]
