"""What every wna text-recognition dataset adds to MMEngine's ``BaseDataset``: metainfo taken
as given, the per-test keys copied into each sample, and the decode-or-redraw rule for
images (:class:`WnASampleMixin`)."""
from __future__ import annotations

import copy
import logging
from collections.abc import Mapping
from typing import Any

import numpy as np
from mmengine.logging import print_log

from .image_decoding import decode_image

#: Dataset metainfo keys copied into every data info (the per-test keys of the suite).
META_KEYS_TO_INFO = ('test_key', 'dict_path', 'has_unk', 'train_dict_path')


class WnASampleMixin:
    """Mixed in before an MMEngine ``BaseDataset`` subclass.

    * ``metainfo`` is kept as given (MMEngine's ``_load_metainfo`` would read every string
      value naming an existing file, such as ``dict_path``, as that file's lines);
    * :meth:`add_sample_meta` copies :data:`META_KEYS_TO_INFO` from the metainfo into a
      data info;
    * :meth:`decoded_image` decodes image bytes with
      :func:`~projects.wna.datasets.decode_image` (BGR uint8 ``[H, W, 3]``) and says
      whether the sample is usable: in training, an undecodable image or one whose shorter
      side is below ``self.min_side`` gives ``None`` (MMEngine then draws another sample;
      each event is logged with its running count); in test mode it is an error naming
      the sample.
    """

    min_side: int = 5
    _bad_access: int = 0

    @classmethod
    def _load_metainfo(cls, metainfo: Mapping | None = None) -> dict:
        """Metainfo as given (see the class docstring)."""
        if metainfo is not None and not isinstance(metainfo, Mapping):
            raise TypeError(f'metainfo should be a mapping, got {type(metainfo).__name__}')
        return {**copy.deepcopy(cls.METAINFO), **(metainfo or {})}

    def add_sample_meta(self, info: dict) -> dict:
        """``info`` with the per-test metainfo keys that this dataset has."""
        for key in META_KEYS_TO_INFO:
            if key in self._metainfo:
                info[key] = self._metainfo[key]
        return info

    def decoded_image(self, data: bytes | memoryview | None, where: str) -> np.ndarray | None:
        """The decoded image of one sample (``where`` names it in messages), or ``None`` when
        a training sample has to be redrawn."""
        img = None if data is None else decode_image(data)
        if img is not None and (self.test_mode or min(img.shape[:2]) >= self.min_side):
            return img
        problem = ('is missing' if data is None else 'cannot be decoded' if img is None
                   else f'is {img.shape[1]}x{img.shape[0]}')
        if self.test_mode:
            raise RuntimeError(f'{type(self).__name__}: image of {where} {problem}; a test '
                               'set must have every image readable')
        self._bad_access += 1
        print_log(f'{type(self).__name__}: image of {where} {problem}; drawing another '
                  f'sample ({self._bad_access} so far in this process)', logger='current',
                  level=logging.WARNING)
        return None

    def prepare_with_image(self, info: dict, data: bytes | memoryview | None, where: str
                           ) -> Any:
        """Run the pipeline on ``info`` with its decoded image (``None``: draw another)."""
        img = self.decoded_image(data, where)
        if img is None:
            return None
        info['img'] = img
        return self.pipeline(info)


class WnAPathlessSampleMixin(WnASampleMixin):
    """:class:`WnASampleMixin` for datasets whose images are not files (LMDB records, glyph
    arrays): every data info has ``img_path=None`` and the per-test metainfo keys."""

    def get_data_info(self, idx: int) -> dict:
        """The data info of sample ``idx`` (without the image), with the per-test meta keys."""
        info = super().get_data_info(idx)
        info['img_path'] = None
        return self.add_sample_meta(info)
