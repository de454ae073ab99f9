"""Loading a glyph dictionary from any of its on-disk forms."""
from __future__ import annotations

import os

from .charset import GlyphCharset
from .vismeta import load_vismeta


def load_charset(path: str | os.PathLike) -> GlyphCharset:
    """Load a charset: a wna ``.npz`` file, an upstream ``vismeta.pt`` file, or a folder
    holding ``vismeta.pt`` (the upstream ``dictsv2/<name>/`` layout)."""
    path = os.fspath(path)
    if os.path.isdir(path):
        candidate = os.path.join(path, 'vismeta.pt')
        if not os.path.isfile(candidate):
            raise FileNotFoundError(f'charset folder {path} holds no vismeta.pt')
        path = candidate
    if not os.path.isfile(path):
        raise FileNotFoundError(f'charset file not found: {path}')
    if path.endswith('.pt') or path.endswith('.pth'):
        return load_vismeta(path)
    return GlyphCharset.from_npz(path)
