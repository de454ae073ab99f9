"""Inference inputs: image files, folders of images and LMDBs, decoded one by one.

Every input yields a :class:`LoadedImage`. An input that cannot be read or decoded
(missing permission, empty file, corrupt or non-image bytes, an LMDB record without image)
yields one with ``image=None`` and a human-readable ``error`` instead of raising, so that
callers can report it and go on with the rest. A damaged LMDB (truncated ``data.mdb``, not
an LMDB, unusable ``num-samples``: a
:class:`~projects.wna.datasets.lmdb_io.CorruptLMDBError`) is one such input, with the
LMDB folder as its source; its records are not read.

Both kinds of input are decoded by :func:`~projects.wna.datasets.decode_image`, the decoder
of the training and test paths (OpenCV, else Pillow for formats such as GIF, first frame;
transparency composited onto white; 16-bit, grey and CMYK images converted): image files
with their EXIF orientation applied, as MMOCR's ``LoadImageFromFile`` does, LMDB records as
:class:`~projects.wna.datasets.WnALMDBDataset` reads them (stored pixels, no EXIF rotation).
Both give BGR uint8 ``[H, W, 3]`` arrays.
"""
from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from typing import NamedTuple

import lmdb
import numpy as np

from projects.wna.datasets import decode_image
from projects.wna.datasets.lmdb_io import (
    CorruptLMDBError,
    detect_index_base,
    open_lmdb_readonly,
    read_num_samples,
)


class LoadedImage(NamedTuple):
    """One decoded input.

    Attributes:
        source: the file path, or ``<lmdb folder>#image-<9-digit id>`` for an LMDB record.
        image: BGR uint8 ``[H, W, 3]``, or ``None`` when the input could not be decoded.
        error: why ``image`` is ``None`` (``None`` on success).
        label: the transcription stored with an LMDB record (``None`` for files).
    """
    source: str
    image: np.ndarray | None
    error: str | None = None
    label: str | None = None


def is_lmdb(path: str | os.PathLike) -> bool:
    """Whether ``path`` is an LMDB folder (holds ``data.mdb``)."""
    return os.path.isfile(os.path.join(path, 'data.mdb'))


def _folder_inputs(folder: str, recursive: bool) -> list[str]:
    """The files of ``folder`` sorted by name, then (``recursive``) those of its sub-folders,
    where an LMDB sub-folder is one entry; names starting with a dot are skipped."""
    found: list[str] = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith('.')) if recursive else []
        lmdbs = [d for d in dirs if is_lmdb(os.path.join(root, d))]
        dirs[:] = [d for d in dirs if d not in lmdbs]
        names = [f for f in files if not f.startswith('.')] + lmdbs
        found += [os.path.join(root, name) for name in sorted(names)]
    return found


def expand_inputs(paths: Sequence[str | os.PathLike], recursive: bool = False) -> list[str]:
    """The image files and LMDB folders named by ``paths``, in order.

    A folder holding ``data.mdb`` is an LMDB. Any other folder contributes every file
    directly inside it (whatever its extension: files that are not images are reported when
    decoded), sorted by name; with ``recursive`` its sub-folders are walked too, and LMDB
    folders found on the way are read as LMDBs. Names starting with a dot are skipped.

    Raises:
        FileNotFoundError: a path does not exist.
    """
    inputs: list[str] = []
    for path in map(os.fspath, paths):
        if not os.path.exists(path):
            raise FileNotFoundError(f'input not found: {path}')
        if os.path.isdir(path) and not is_lmdb(path):
            inputs += _folder_inputs(path, recursive)
        else:
            inputs.append(path)
    return inputs


def _open_records(path: str) -> tuple[lmdb.Environment, range]:
    """An LMDB opened for reading and its record ids.

    Raises:
        CorruptLMDBError: the LMDB is damaged (it is closed again).
    """
    env = open_lmdb_readonly(path)
    try:
        with env.begin() as txn:
            num_samples = read_num_samples(txn, path)
            base = detect_index_base(txn, num_samples, path)
    except BaseException:
        env.close()
        raise
    return env, range(base, base + num_samples)


def lmdb_size(path: str) -> int:
    """How many entries :func:`iter_lmdb_images` yields: the ``num-samples`` of an LMDB, or 1
    (the error) for a damaged one."""
    try:
        env, keys = _open_records(path)
    except CorruptLMDBError:
        return 1
    env.close()
    return len(keys)


def count_images(inputs: Sequence[str]) -> int:
    """How many images :func:`iter_images` yields for ``inputs`` (LMDB records included, a
    damaged LMDB counted once)."""
    return sum(lmdb_size(p) if is_lmdb(p) else 1 for p in inputs)


def load_image_file(path: str) -> LoadedImage:
    """Read and decode one image file (EXIF orientation applied, alpha composited onto white)."""
    try:
        with open(path, 'rb') as f:
            data = f.read()
    except OSError as e:
        return LoadedImage(path, None, f'unreadable file ({e.strerror or e})')
    if not data:
        return LoadedImage(path, None, 'empty file')
    image = decode_image(data, exif_orientation=True)
    if image is None:
        return LoadedImage(path, None, 'not a decodable image')
    return LoadedImage(path, image)


def iter_lmdb_images(path: str) -> Iterator[LoadedImage]:
    """Every record of an LMDB (0- or 1-based ids) in id order; for a damaged LMDB, one
    entry with the folder as ``source`` and the :class:`CorruptLMDBError` as ``error``."""
    try:
        env, keys = _open_records(path)
    except CorruptLMDBError as e:
        yield LoadedImage(path, None, str(e))
        return
    try:
        with env.begin(buffers=True) as txn:  # images are decoded in place, not copied
            for key in keys:
                source = f'{path}#image-{key:09d}'
                raw_label = txn.get(b'label-%09d' % key)
                label = None if raw_label is None else bytes(raw_label).decode('utf-8', 'replace')
                data = txn.get(b'image-%09d' % key)
                if data is None:
                    yield LoadedImage(source, None, 'no image in the record', label)
                    continue
                image = decode_image(data)
                error = None if image is not None else 'not a decodable image'
                yield LoadedImage(source, image, error, label)
    finally:
        env.close()


def iter_images(inputs: Sequence[str]) -> Iterator[LoadedImage]:
    """Decode ``inputs`` (from :func:`expand_inputs`) one image at a time."""
    for path in inputs:
        if is_lmdb(path):
            yield from iter_lmdb_images(path)
        else:
            yield load_image_file(path)
