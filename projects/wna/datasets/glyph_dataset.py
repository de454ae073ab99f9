"""``WnAGlyphDataset``: the glyph images of a charset as single-character training crops.

A staged schedule can show the network the glyph images themselves before (or beside) the
scene-text crops: each character of a glyph dictionary becomes a 32 x 32 crop labelled with
that character, as stored (white on black) and inverted (black on white). Mixed into a
``ConcatDataset`` with :class:`~projects.wna.datasets.WnAAspectRatioBucketBatchSampler`'s
``dataset_weights``, the glyphs fill the square bucket only (W/H = 1); the other buckets keep
drawing from the crop sets.
"""
from __future__ import annotations

import hashlib
from typing import Any

import numpy as np
from mmengine.dataset import BaseDataset
from mmengine.logging import print_log
from mmocr.registry import DATASETS

from projects.wna.charset import GLYPH_SIZE, load_charset, resolve_data_path

from .sample_meta import WnAPathlessSampleMixin

#: How each glyph may be drawn: as stored in the charset, or with its values inverted.
POLARITIES = ('white_on_black', 'black_on_white')


@DATASETS.register_module()
class WnAGlyphDataset(WnAPathlessSampleMixin, BaseDataset):
    """Every character of a glyph dictionary, drawn from its glyph image.

    Each data info holds ``img`` (BGR uint8 ``[32, 32, 3]``), ``img_path`` (``None``),
    ``instances=[{'text': char}]`` and ``sample_idx``; sample ``i`` is character
    ``i // len(polarities)`` in polarity ``polarities[i % len(polarities)]``. Whitespace
    characters and characters whose glyph is blank (no pixel above the charset's blank
    threshold: a character the font lacks) are skipped and counted (``num_skipped``).

    Args:
        ann_file: the glyph dictionary (``.npz``, or any form
            :func:`~projects.wna.charset.load_charset` reads).
        polarities: a non-empty subset of :data:`POLARITIES`.
        **kwargs: the other :class:`mmengine.dataset.BaseDataset` arguments
            (``pipeline``, ``test_mode``, ``metainfo``, ...).
    """

    def __init__(self, ann_file: str = '', polarities: tuple[str, ...] | list[str] = POLARITIES,
                 **kwargs: Any) -> None:
        polarities = tuple(polarities)
        if not polarities or any(p not in POLARITIES for p in polarities) or \
                len(set(polarities)) != len(polarities):
            raise ValueError(f'polarities must be distinct values of {POLARITIES}, got '
                             f'{polarities!r}')
        self.polarities = polarities
        self.glyphs = np.zeros((0, GLYPH_SIZE, GLYPH_SIZE), dtype=np.uint8)
        self.num_skipped = 0
        super().__init__(ann_file=ann_file, **kwargs)

    def load_data_list(self) -> list[dict]:
        """One data info per (non-blank character, polarity)."""
        if not self.ann_file:
            raise ValueError('WnAGlyphDataset needs ann_file (a glyph dictionary)')
        self.ann_file = resolve_data_path(self.ann_file)
        charset = load_charset(self.ann_file)
        blank = set(charset.blank_chars())
        kept = [i for i, c in enumerate(charset.chars) if c not in blank and not c.isspace()]
        self.num_skipped = len(charset) - len(kept)
        if not kept:
            raise ValueError(f'WnAGlyphDataset {self.ann_file}: no character with a visible '
                             f'glyph among its {len(charset)}')
        self.glyphs = charset.glyphs[kept]
        print_log(f'WnAGlyphDataset {self.ann_file}: {len(kept)} characters x '
                  f'{len(self.polarities)} polarities; skipped {self.num_skipped} blank or '
                  'whitespace',
                  logger='current')
        return [dict(glyph=g, polarity=p, instances=[dict(text=charset.chars[i])])
                for g, i in enumerate(kept) for p in self.polarities]

    def prepare_data(self, idx: int) -> Any:
        """The pipeline's output for the glyph image of sample ``idx``."""
        info = self.get_data_info(idx)
        glyph = self.glyphs[info['glyph']]
        if info['polarity'] == 'black_on_white':
            glyph = 255 - glyph
        info['img'] = np.repeat(glyph[:, :, None], 3, axis=2)
        return self.pipeline(info)

    # --- bucketing support (BucketSamplerDataset) ----------------------------------------------

    def get_sizes(self, progress: bool = True) -> np.ndarray:
        """``(32, 32, 1)`` for every sample, int64 ``[len(self), 3]``."""
        return np.tile(np.array([GLYPH_SIZE, GLYPH_SIZE, 1], dtype=np.int64), (len(self), 1))

    def cache_identity(self) -> dict:
        """The dictionary's path and glyph content, and the polarities."""
        length = len(self)  # also completes a lazy init
        return dict(type=type(self).__name__, path=self.ann_file, length=length,
                    polarities=list(self.polarities),
                    glyphs=hashlib.sha1(self.glyphs.tobytes()).hexdigest())
