"""MMOCR's own text-recognition datasets, as wna's pipelines and bucket sampler use them.

``WnAOCRDataset`` is MMOCR's ``OCRDataset`` (``textrecog_<split>.json`` annotations written
by MMOCR's dataset preparer, image files under the dataset root) and
``WnARecogLMDBDataset`` MMOCR's ``RecogLMDBDataset`` (``textrecog_<split>.lmdb`` as MMOCR's
``TextRecogLMDBDumper`` and ``lmdb_converter.py`` write it: ``image-%09d`` / ``label-%09d``
from 1, ``num-samples``). MMOCR reads the annotations; wna adds what its pipelines need of
a sample, the same as :class:`~projects.wna.datasets.WnALMDBDataset` gives:

* ``img``: the image decoded by :func:`~projects.wna.datasets.decode_image` (BGR uint8,
  3 channels), so wna's pipelines start with ``LoadImageFromNDArray`` for every layout;
  unusable training images are redrawn and test images must all be readable
  (:class:`~projects.wna.datasets.sample_meta.WnASampleMixin`);
* labels in Unicode NFC, and the per-test metainfo keys (``test_key``, ``dict_path``,
  ``has_unk``, ``train_dict_path``) in each sample;
* ``get_sizes()`` and ``cache_identity()`` for the
  :class:`~projects.wna.datasets.WnAAspectRatioBucketBatchSampler` (sizes from image
  headers, lengths in grapheme clusters; the sampler filters lengths and sizes).
"""
from __future__ import annotations

import os
import os.path as osp
from typing import Any

import numpy as np
from mmocr.datasets import OCRDataset, RecogLMDBDataset
from mmocr.registry import DATASETS
from tqdm import tqdm

from projects.wna.charset import grapheme_len, normalize_text, resolve_data_path

from .lmdb_dataset import image_header_size
from .sample_meta import WnASampleMixin


class _MMOCRSampleMixin(WnASampleMixin):
    """The wna additions shared by both MMOCR datasets. A subclass defines
    ``image_bytes(info) -> bytes | None`` (the encoded image of a sample, ``None`` when
    absent) and ``records_file`` (the file whose size and time stamp change when the
    records do)."""

    def __init__(self, *args: Any, min_side: int = 5, **kwargs: Any) -> None:
        self.min_side = min_side
        self._bad_access = 0
        super().__init__(*args, **kwargs)

    def _join_prefix(self) -> None:
        """MMEngine's prefix join, then the annotation looked up from any working directory
        (:func:`~projects.wna.charset.resolve_data_path`)."""
        super()._join_prefix()
        self.ann_file = resolve_data_path(self.ann_file)
        if 'img_path' in self.data_prefix:
            self.data_prefix['img_path'] = resolve_data_path(self.data_prefix['img_path'])

    def get_data_info(self, idx: int) -> dict:
        """MMOCR's data info with an NFC label and the per-test metainfo keys."""
        info = super().get_data_info(idx)
        info['instances'] = [dict(inst, text=normalize_text(inst['text']))
                             for inst in info['instances']]
        return self.add_sample_meta(info)

    def prepare_data(self, idx: int) -> Any:
        """Decode the image of sample ``idx`` and run the pipeline (``None`` = draw another)."""
        info = self.get_data_info(idx)
        where = f'sample {idx} ({info.get("img_path") or info.get("img_key")}) of {self.ann_file}'
        return self.prepare_with_image(info, self.image_bytes(info), where)

    def get_sizes(self, progress: bool = True) -> np.ndarray:
        """Per sample ``(W, H, label grapheme length)`` as int64 ``[len(self), 3]`` from the
        image headers; ``0, 0`` marks an image that is missing or whose header is unreadable."""
        sizes = np.zeros((len(self), 3), dtype=np.int64)
        for i in tqdm(range(len(self)), desc=f'image sizes of {self.ann_file}',
                      disable=not progress, mininterval=2.0):
            info = self.get_data_info(i)
            data = self.image_bytes(info)
            size = None if data is None else image_header_size(data)
            if size is not None:
                sizes[i, :2] = size
            sizes[i, 2] = grapheme_len(info['instances'][0]['text'])
        return sizes

    def cache_identity(self) -> dict:
        """What identifies this dataset's records for a cached bucket index."""
        length = len(self)  # also completes a lazy init
        stat = os.stat(self.records_file)
        return dict(type=type(self).__name__, path=osp.abspath(self.ann_file), length=length,
                    test_mode=self.test_mode, size=stat.st_size, mtime_ns=stat.st_mtime_ns)


@DATASETS.register_module()
class WnAOCRDataset(_MMOCRSampleMixin, OCRDataset):
    """MMOCR's ``OCRDataset`` (text-recognition JSON) for wna's pipelines and sampler.

    Each data info holds ``img`` (BGR uint8 ``[H, W, 3]``, set on access), ``img_path``
    (the image file), ``instances=[{'text': label}]``, ``sample_idx`` and the per-test
    metainfo keys.

    Config (MMOCR's dataset preparer output for IIIT5K)::

        dict(type='WnAOCRDataset', data_root='data/iiit5k', ann_file='textrecog_test.json',
             test_mode=True, metainfo=dict(test_key='IIIT5k-close', dict_path=..., has_unk=False))

    Args:
        min_side: training only: images whose shorter side is below this are redrawn.
        *args, **kwargs: MMOCR's ``OCRDataset`` arguments (``ann_file``, ``data_root``,
            ``data_prefix``, ``metainfo``, ``test_mode``, ``pipeline``, ...).
    """

    def image_bytes(self, info: dict) -> bytes | None:
        try:
            with open(info['img_path'], 'rb') as f:
                return f.read()
        except OSError:
            return None

    @property
    def records_file(self) -> str:
        return self.ann_file


@DATASETS.register_module()
class WnARecogLMDBDataset(_MMOCRSampleMixin, RecogLMDBDataset):
    """MMOCR's ``RecogLMDBDataset`` (``textrecog_<split>.lmdb``) for wna's pipelines and
    sampler.

    Each data info holds ``img`` (BGR uint8 ``[H, W, 3]``, set on access), ``img_key``
    (``'image-%09d'``), ``img_path`` (``None``), ``instances=[{'text': label}]``,
    ``sample_idx`` and the per-test metainfo keys. The LMDB environment is opened by
    MMOCR's dataset and reopened in each data-loader process.

    Args:
        min_side: training only: images whose shorter side is below this are redrawn.
        *args, **kwargs: MMOCR's ``RecogLMDBDataset`` arguments.
    """

    def get_data_info(self, idx: int) -> dict:
        info = super().get_data_info(idx)
        info['img_path'] = None
        return info

    def image_bytes(self, info: dict) -> bytes | None:
        if getattr(self, '_env_pid', None) != os.getpid():
            self.close()  # an environment inherited through fork is not used
            self._make_env()
            self._env_pid = os.getpid()
        with self.env.begin(write=False) as txn:
            data = txn.get(info['img_key'].encode('utf-8'))
        return None if data is None else bytes(data)

    @property
    def records_file(self) -> str:
        return osp.join(self.ann_file, 'data.mdb')
