"""Writing text-recognition LMDBs in the upstream (OSOCR / MOOSTR) layout.

Keys: ``image-%09d`` (encoded image bytes), ``label-%09d`` (UTF-8), optional
``lang-%09d`` and ``num-samples``. NG sets number records from 0, older sets and MMOCR
from 1; the reader (:class:`~projects.wna.datasets.WnALMDBDataset`) detects either.
"""
from __future__ import annotations

import os
from collections.abc import Iterable
from typing import NamedTuple

import lmdb

from projects.wna.charset import missing_data_hint, resolve_data_path


class CorruptLMDBError(ValueError):
    """An LMDB that cannot be read safely: not an LMDB, a truncated ``data.mdb`` (a partial
    copy, whose pages would fault with SIGBUS when read), or an unusable ``num-samples``.
    The message names the path."""


def open_lmdb_readonly(path: str | os.PathLike) -> lmdb.Environment:
    """Open an LMDB for reading (no lock, no readahead) after checking that it is whole.

    Checked without touching a data page: ``data.mdb`` is an LMDB, it is as long as its
    pages need (``(last_pgno + 1) * psize`` bytes, from the meta page) and its
    ``num-samples`` is an integer >= 0 (see :func:`read_num_samples`).

    A relative ``path`` is looked up as
    :func:`~projects.wna.charset.data_paths.resolve_data_path` says.

    Raises:
        FileNotFoundError: ``path`` holds no ``data.mdb``.
        CorruptLMDBError: any of the checks fails.
    """
    path = resolve_data_path(path)
    data_file = os.path.join(path, 'data.mdb')
    if not os.path.isfile(data_file):
        raise FileNotFoundError(f'no LMDB at {path} (expected {path}/data.mdb) '
                                f'{missing_data_hint(path)}')
    size = os.path.getsize(data_file)
    try:
        env = lmdb.open(path, max_readers=126, readonly=True, lock=False, readahead=False,
                        meminit=False)
    except lmdb.Error as e:
        reason = str(e).removeprefix(f'{path}: ')
        raise CorruptLMDBError(f'{data_file} is not a readable LMDB ({size:,} bytes; '
                               f'{reason})') from None
    try:
        needed = (env.info()['last_pgno'] + 1) * env.stat()['psize']
        if size < needed:
            raise CorruptLMDBError(f'{data_file} is truncated: {size:,} bytes of the '
                                   f'{needed:,} its pages need (a partial copy?)')
        with env.begin() as txn:
            read_num_samples(txn, path)
    except BaseException:
        env.close()
        raise
    return env


def read_num_samples(txn: lmdb.Transaction, path: str) -> int:
    """The ``num-samples`` entry of an LMDB (an integer >= 0), or a
    :class:`CorruptLMDBError` naming ``path``."""
    raw = txn.get(b'num-samples')
    if raw is None:
        raise CorruptLMDBError(f'LMDB {path} has no num-samples key')
    try:
        num_samples = int(bytes(raw).decode().strip())
    except (UnicodeDecodeError, ValueError):
        raise CorruptLMDBError(f'LMDB {path} has an unreadable num-samples value '
                               f'{bytes(raw[:20])!r}') from None
    if num_samples < 0:
        raise CorruptLMDBError(f'LMDB {path} has a negative num-samples value {num_samples}')
    return num_samples


def detect_index_base(txn: lmdb.Transaction, num_samples: int, path: str) -> int:
    """0 for NG sets (ids 0..N-1), 1 for MMOCR/older sets (ids 1..N).

    A set is 0-based when ``image-000000000`` or ``label-000000000`` exists, else
    1-based when record ``N`` exists; anything else is a :class:`CorruptLMDBError`
    naming ``path``.
    """
    if num_samples == 0:
        return 0
    if txn.get(b'image-%09d' % 0) is not None or txn.get(b'label-%09d' % 0) is not None:
        return 0
    if txn.get(b'image-%09d' % num_samples) is not None or \
            txn.get(b'label-%09d' % num_samples) is not None:
        return 1
    raise CorruptLMDBError(f'LMDB {path}: num-samples is {num_samples} but neither record 0 '
                           f'nor record {num_samples} exists; cannot tell its index base')


def read_labels(path: str | os.PathLike) -> list[str | None]:
    """All labels of an LMDB in record order (``None`` where a label is missing or not UTF-8)."""
    env = open_lmdb_readonly(path)
    try:
        with env.begin() as txn:
            n = read_num_samples(txn, os.fspath(path))
            base = detect_index_base(txn, n, os.fspath(path))
            labels: list[str | None] = []
            for key in range(base, base + n):
                raw = txn.get(b'label-%09d' % key)
                try:
                    labels.append(None if raw is None else raw.decode('utf-8'))
                except UnicodeDecodeError:
                    labels.append(None)
            return labels
    finally:
        env.close()


class LMDBRecord(NamedTuple):
    """One record: encoded image bytes, its transcription and an optional language."""
    image: bytes
    label: str
    lang: str | None = None


def write_lmdb(path: str | os.PathLike,
               records: Iterable[LMDBRecord | tuple],
               index_base: int = 0,
               map_size: int = 1 << 34,
               commit_every: int = 500) -> int:
    """Write ``records`` into a new LMDB at ``path`` and return the number written.

    Args:
        path: the LMDB folder (created; must not already hold an LMDB).
        records: ``(image_bytes, label[, lang])`` tuples.
        index_base: 0 for the NG layout (ids 0..N-1), 1 for the MMOCR/older layout.
        map_size: the LMDB map size (virtual; only written pages use disk).
        commit_every: records per write transaction.
    """
    if index_base not in (0, 1):
        raise ValueError(f'index_base must be 0 or 1, got {index_base}')
    path = os.fspath(path)
    if os.path.exists(os.path.join(path, 'data.mdb')):
        raise FileExistsError(f'{path} already holds an LMDB')
    os.makedirs(path, exist_ok=True)
    env = lmdb.open(path, map_size=map_size)
    n = 0
    txn = env.begin(write=True)
    try:
        for n, record in enumerate(records, start=1):
            record = LMDBRecord(*record)
            key = n - 1 + index_base
            txn.put(b'image-%09d' % key, record.image)
            txn.put(b'label-%09d' % key, record.label.encode('utf-8'))
            if record.lang is not None:
                txn.put(b'lang-%09d' % key, record.lang.encode('utf-8'))
            if n % commit_every == 0:
                txn.commit()
                txn = env.begin(write=True)
        txn.put(b'num-samples', str(n).encode())
        txn.commit()
    except BaseException:
        txn.abort()
        raise
    finally:
        env.close()
    return n
