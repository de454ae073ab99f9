"""Importing upstream WnA / OSOCR glyph dictionaries (``vismeta.pt``).

A ``vismeta.pt`` is a ``torch.save``d dict (see DATA_AND_EVAL 4.1): ``chars``,
``sp_tokens`` (``['[s]']``), ``achars`` (= ``sp_tokens + chars + ['[UNK]']``),
``label_dict`` (char -> id in ``achars``), ``protos`` (aligned with ``achars``: a float
tensor ``[1, 1, 32, 32]`` with values 0..255 per character, ``None`` for the special
tokens), ``master`` (id -> master id), ``servants``, ``foes`` and ``relationships``.
Only ``chars``, ``achars``, ``label_dict``, ``protos`` and ``master`` carry information
the charset needs; the others are checked for presence only.
"""
from __future__ import annotations

import os
from collections.abc import Mapping

import numpy as np

from .charset import GLYPH_SIZE, GlyphCharset

REQUIRED_KEYS = ('chars', 'sp_tokens', 'achars', 'label_dict', 'protos', 'master', 'servants',
                 'foes', 'relationships')


def _proto_to_glyph(proto, char: str, path: str) -> np.ndarray:
    if proto is None:
        if char.isspace():
            return np.zeros((GLYPH_SIZE, GLYPH_SIZE), np.uint8)
        raise ValueError(f'{path}: character {char!r} has no glyph (protos entry is None)')
    array = np.asarray(proto.detach().cpu().numpy() if hasattr(proto, 'detach') else proto,
                       dtype=np.float32)
    if array.size != GLYPH_SIZE * GLYPH_SIZE:
        raise ValueError(f'{path}: glyph of {char!r} has shape {list(array.shape)}, '
                         f'expected [1, 1, {GLYPH_SIZE}, {GLYPH_SIZE}]')
    return np.clip(np.rint(array.reshape(GLYPH_SIZE, GLYPH_SIZE)), 0, 255).astype(np.uint8)


def _master_of(master, uid: int, path: str) -> int:
    try:
        value = master.get(uid, uid) if isinstance(master, Mapping) else master[uid]
    except (IndexError, KeyError, TypeError):
        raise ValueError(f'{path}: master table has no entry for id {uid}') from None
    return int(value)


def load_vismeta(path: str | os.PathLike) -> GlyphCharset:
    """Read an upstream ``vismeta.pt`` into a :class:`GlyphCharset`.

    Characters keep the upstream order of ``chars``; each character's master comes from
    the ``master`` table (upper-case letters are servants of their lower-case letters).
    The special tokens ``[s]`` and ``[UNK]`` are not characters and are dropped.
    """
    import torch  # lazily: the charset package does not need torch otherwise

    path = os.fspath(path)
    data = torch.load(path, map_location='cpu', weights_only=False)
    if not isinstance(data, Mapping):
        raise ValueError(f'{path} is not a vismeta dictionary (got {type(data).__name__})')
    absent = [k for k in REQUIRED_KEYS if k not in data]
    if absent:
        raise ValueError(f'{path} is not a vismeta dictionary: missing keys {absent}')
    chars = [str(c) for c in data['chars']]
    achars = [str(c) for c in data['achars']]
    protos = list(data['protos'])
    label_dict = data['label_dict']
    if len(set(chars)) != len(chars):
        dup = sorted({c for c in chars if chars.count(c) > 1})
        raise ValueError(f'{path}: duplicate characters {dup[:10]}')
    if len(protos) != len(achars):
        raise ValueError(f'{path}: {len(protos)} protos for {len(achars)} achars; they must '
                         'be aligned')
    uid_of = {}
    for char in chars:
        uid = label_dict.get(char)
        if uid is None or not 0 <= int(uid) < len(achars) or achars[int(uid)] != char:
            raise ValueError(f'{path}: label_dict id of {char!r} does not point at it in '
                             'achars')
        uid_of[char] = int(uid)
    ours = {uid: i for i, uid in enumerate(uid_of.values())}
    masters = []
    for char, uid in uid_of.items():
        muid = _master_of(data['master'], uid, path)
        if muid not in ours:
            raise ValueError(f'{path}: master of {char!r} is id {muid}, which is not a '
                             'character')
        if _master_of(data['master'], muid, path) != muid:
            raise ValueError(f'{path}: master of {char!r} ({achars[muid]!r}) is itself a '
                             'servant')
        masters.append(ours[muid])
    glyphs = np.stack([_proto_to_glyph(protos[uid], c, path) for c, uid in uid_of.items()]) \
        if chars else np.zeros((0, GLYPH_SIZE, GLYPH_SIZE), np.uint8)
    return GlyphCharset(chars, glyphs, masters,
                        meta={'source': 'vismeta', 'path': os.path.abspath(path)})
