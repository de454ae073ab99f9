"""Loading MMEngine checkpoints under torch >= 2.6.

torch 2.6 changed ``torch.load``'s default to ``weights_only=True``. MMEngine 0.10.7's
local-file loader calls ``torch.load`` without that argument, so checkpoints that pickle
the message hub, numpy values or metadata (every checkpoint MMEngine writes) fail to load
with ``UnpicklingError: Weights only load failed``. Importing :mod:`projects.wna`
re-registers MMEngine's local-file scheme with :func:`load_from_trusted_local`, which
passes ``weights_only=False`` explicitly; this covers ``--resume``, ``load_from``,
``tools/test.py`` and MMOCR's inferencers. Only load checkpoints you trust.
"""
from __future__ import annotations

import os.path as osp

import torch
from mmengine.runner.checkpoint import CheckpointLoader


def load_from_trusted_local(filename: str, map_location=None) -> dict:
    """Load a local checkpoint with full unpickling (``weights_only=False``)."""
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'checkpoint not found: {filename}')
    return torch.load(filename, map_location=map_location, weights_only=False)


CheckpointLoader.register_scheme(prefixes='', loader=load_from_trusted_local, force=True)
