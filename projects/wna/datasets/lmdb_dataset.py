"""``WnALMDBDataset``: text-recognition LMDBs in the upstream (OSOCR / MOOSTR) layout.

Records are ``image-%09d`` (encoded image), ``label-%09d`` (UTF-8, read in Unicode NFC),
optional ``lang-%09d`` (ignored) and ``num-samples``; ids start at 0 (NG sets) or 1 (older
sets, MMOCR), detected per LMDB. Images are decoded by
:func:`~projects.wna.datasets.decode_image` (OpenCV, else Pillow for formats OpenCV lacks
such as GIF; BGR, 3 channels, uint8; transparency composited onto white) without EXIF
rotation, so the pixels are the stored ones and match the header
sizes used for bucketing. A damaged LMDB (truncated ``data.mdb``, not an LMDB, unusable
``num-samples``) raises :class:`~projects.wna.datasets.lmdb_io.CorruptLMDBError`, and a set
without any usable record a ``ValueError`` naming it.

Which records are used:

* **labels** are checked when the dataset is built: a record whose label or image key is
  missing, or whose label is not UTF-8, empty or whitespace only, is skipped. Training sets
  also skip labels longer than ``max_label_len`` grapheme clusters.
* **images** in **test mode** are all decoded once when the dataset is built, so a record
  whose image cannot be decoded is skipped there (and counted) instead of crashing or
  vanishing during evaluation; every other record is used, whatever its size.
* **images** in **training** are only checked on access: an undecodable image or one whose
  shorter side is below ``min_side`` makes :meth:`prepare_data` return ``None``, and
  MMEngine's ``BaseDataset`` then draws another sample (each such event is logged with its
  running count). The bucket sampler already leaves out records whose header is unreadable
  or too small, so this only happens for images with a valid header but broken pixel data.

Every skip is counted, and each dataset logs one summary line.
"""
from __future__ import annotations

import io
import logging
import os
from collections import Counter
from typing import Any

import lmdb
import numpy as np
from mmengine.dataset import BaseDataset
from mmengine.logging import print_log
from mmocr.registry import DATASETS
from PIL import Image
from tqdm import tqdm

from projects.wna.charset import grapheme_len, normalize_text, resolve_data_path

from .image_decoding import decode_image
from .lmdb_io import detect_index_base, open_lmdb_readonly, read_num_samples
from .sample_meta import WnAPathlessSampleMixin


def image_header_size(data: bytes | memoryview) -> tuple[int, int] | None:
    """``(W, H)`` read from an encoded image's header without decoding pixels, or ``None``."""
    try:
        with Image.open(io.BytesIO(data)) as im:
            return im.size
    except Exception:  # PIL raises many types for non-image bytes
        return None


@DATASETS.register_module()
class WnALMDBDataset(WnAPathlessSampleMixin, BaseDataset):
    """A text-recognition LMDB (0- or 1-based ids) as an MMEngine dataset.

    Each data info holds ``img`` (BGR uint8 ``[H, W, 3]`` ndarray, set on access),
    ``img_path`` (``None``), ``instances=[{'text': label}]``, ``sample_idx`` and, when they
    are in the dataset metainfo, ``test_key``, ``dict_path``, ``has_unk`` and ``train_dict_path``.

    Args:
        ann_file: the LMDB folder (joined with ``data_root`` if relative).
        max_label_len: training only: labels with more grapheme clusters are skipped
            (``None`` keeps all). Test mode keeps every length.
        min_side: training only: images whose shorter side is below this are redrawn.
        **kwargs: the other :class:`mmengine.dataset.BaseDataset` arguments
            (``metainfo``, ``data_root``, ``pipeline``, ``test_mode``, ``indices``, ...).
    """

    def __init__(self, ann_file: str = '', max_label_len: int | None = 32, min_side: int = 5,
                 **kwargs: Any) -> None:
        self.max_label_len = max_label_len
        self.min_side = min_side
        self.num_samples = 0
        self.index_base = 0
        self.skip_counts: Counter[str] = Counter()
        self._env: lmdb.Environment | None = None
        self._env_pid = -1
        self._bad_access = 0
        super().__init__(ann_file=ann_file, **kwargs)

    def _join_prefix(self) -> None:
        """MMEngine's prefix join, then the LMDB folder looked up from any working
        directory (:func:`~projects.wna.charset.resolve_data_path`)."""
        super()._join_prefix()
        self.ann_file = resolve_data_path(self.ann_file)

    # --- LMDB handle (never shared across processes) -----------------------------------------

    def _txn(self) -> lmdb.Transaction:
        """A read transaction on this process's own environment (reopened after a fork)."""
        if self._env is None or self._env_pid != os.getpid():
            self._env = open_lmdb_readonly(self.ann_file)
            self._env_pid = os.getpid()
        return self._env.begin(buffers=True)

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state['_env'] = None
        state['_env_pid'] = -1
        return state

    def close(self) -> None:
        """Close this process's LMDB environment (it is reopened on the next access)."""
        if self._env is not None and self._env_pid == os.getpid():
            self._env.close()
        self._env = None
        self._env_pid = -1

    # --- annotations ---------------------------------------------------------------------------

    def load_data_list(self) -> list[dict]:
        """Read every label (and, in test mode, decode every image) and build the data list."""
        path = self.ann_file
        if not path:
            raise ValueError('WnALMDBDataset needs ann_file (the LMDB folder)')
        env = open_lmdb_readonly(path)
        counts: Counter[str] = Counter()
        data_list: list[dict] = []
        try:
            with env.begin() as txn:
                self.num_samples = read_num_samples(txn, path)
                self.index_base = detect_index_base(txn, self.num_samples, path)
            with env.begin(buffers=True) as txn:  # images are looked at, not copied
                for key in range(self.index_base, self.index_base + self.num_samples):
                    reason, label = self._check_record(txn, key)
                    if reason:
                        counts[reason] += 1
                    else:
                        data_list.append(dict(img_key=key, instances=[dict(text=label)]))
        finally:
            env.close()
        self.skip_counts = counts
        self._log_summary(len(data_list))
        if not data_list:
            raise ValueError(f'WnALMDBDataset {path} ({self._mode}) has no usable record among '
                             f'its {self.num_samples}: {self._describe_skips()}')
        return data_list

    def _check_record(self, txn: lmdb.Transaction, key: int) -> tuple[str, str]:
        """``(skip reason or '', label)`` for record ``key``."""
        raw_label = txn.get(b'label-%09d' % key)
        if raw_label is None:
            return 'missing label', ''
        try:
            label = normalize_text(bytes(raw_label).decode('utf-8'))
        except UnicodeDecodeError:
            return 'non-UTF-8 label', ''
        if not label.strip():
            return 'empty or whitespace label', ''
        image = txn.get(b'image-%09d' % key)
        if image is None:
            return 'missing image', ''
        if self.test_mode:
            if decode_image(image) is None:
                return 'undecodable image', ''
        elif self.max_label_len is not None and grapheme_len(label) > self.max_label_len:
            return self._length_skip, ''
        return '', label

    @property
    def _mode(self) -> str:
        return 'test' if self.test_mode else 'train'

    def _describe_skips(self) -> str:
        """``skipped N (reason: n, ...)``: the records :meth:`load_data_list` left out."""
        reasons = ', '.join(f'{reason}: {n}' for reason, n in sorted(self.skip_counts.items()))
        return f'skipped {sum(self.skip_counts.values())}' + (f' ({reasons})' if reasons else '')

    def _log_summary(self, kept: int) -> None:
        """One log line of what was kept; a warning when a record was unusable (labels over
        ``max_label_len`` are left out by choice, not for a fault)."""
        faults = [r for r in self.skip_counts if r != self._length_skip]
        print_log(f'WnALMDBDataset {self.ann_file} ({self._mode}, ids from {self.index_base}): '
                  f'kept {kept} of {self.num_samples} records; {self._describe_skips()}',
                  logger='current', level=logging.WARNING if faults else logging.INFO)

    @property
    def _length_skip(self) -> str:
        """The skip reason of a label over ``max_label_len``."""
        return f'label longer than {self.max_label_len} graphemes'

    # --- images --------------------------------------------------------------------------------

    def prepare_data(self, idx: int) -> Any:
        """Decode the image of sample ``idx`` and run the pipeline (``None`` = draw another)."""
        info = self.get_data_info(idx)
        with self._txn() as txn:
            data = txn.get(b'image-%09d' % info['img_key'])
            data = None if data is None else bytes(data)
        return self.prepare_with_image(info, data, f'record {info["img_key"]} of {self.ann_file}')

    # --- bucketing support ---------------------------------------------------------------------

    def get_sizes(self, progress: bool = True) -> np.ndarray:
        """Per sample ``(W, H, label grapheme length)`` as int64 ``[len(self), 3]``.

        ``W`` and ``H`` come from image headers (no pixel decode); ``0, 0`` marks an image
        whose header cannot be read.
        """
        sizes = np.zeros((len(self), 3), dtype=np.int64)
        env = open_lmdb_readonly(self.ann_file)
        try:
            with env.begin(buffers=True) as txn:
                for i in tqdm(range(len(self)), desc=f'image sizes of {self.ann_file}',
                              disable=not progress, mininterval=2.0):
                    info = super().get_data_info(i)
                    data = txn.get(b'image-%09d' % info['img_key'])
                    size = None if data is None else image_header_size(data)
                    if size is not None:
                        sizes[i, :2] = size
                    sizes[i, 2] = grapheme_len(info['instances'][0]['text'])
        finally:
            env.close()
        return sizes

    def cache_identity(self) -> dict:
        """What identifies this dataset's records for a cached index (path, counts, file stamp)."""
        length = len(self)  # also completes a lazy init
        stat = os.stat(os.path.join(self.ann_file, 'data.mdb'))
        return dict(path=os.path.abspath(self.ann_file), num_samples=self.num_samples,
                    length=length, test_mode=self.test_mode,
                    max_label_len=self.max_label_len, size=stat.st_size,
                    mtime_ns=stat.st_mtime_ns)
