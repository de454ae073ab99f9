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
