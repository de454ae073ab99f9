"""Loading a glyph dictionary from any of its on-disk forms."""
from __future__ import annotations

import os
import pickle
import struct
import zipfile

from .charset import GlyphCharset
from .data_paths import missing_data_hint, resolve_data_path
from .vismeta import load_vismeta

#: What reading a damaged ``.npz`` / ``torch.save`` file raises (truncated or zero-byte
#: files, foreign bytes); torch reports a damaged zip archive as a ``RuntimeError``.
READ_ERRORS = (zipfile.BadZipFile, EOFError, pickle.UnpicklingError, struct.error,
               RuntimeError, ValueError)


def read_error_reason(err: BaseException) -> str:
    """A short, one-line reason for a read error: its type and the first sentence of its
    message (torch's are paragraphs)."""
    first = str(err).strip().splitlines()[0] if str(err).strip() else ''
    first = first.split('. ')[0].rstrip('.')
    if len(first) > 120:
        first = first[:117] + '...'
    return f'{type(err).__name__}: {first}' if first else type(err).__name__


def load_charset(path: str | os.PathLike) -> GlyphCharset:
    """Load a charset: a wna ``.npz`` file, an upstream ``vismeta.pt`` file, or a folder
    holding ``vismeta.pt`` (the upstream ``dictsv2/<name>/`` layout). A path that does not
    exist is also tried with ``.npz`` appended, so a config naming ``dictsv2/<name>`` reads
    upstream's folder or a ``dictsv2/<name>.npz`` built by ``tools/build_charset.py``. A
    relative path is looked up as :func:`~projects.wna.charset.data_paths.resolve_data_path`
    says.

    Raises:
        FileNotFoundError: no such file (or the folder holds no ``vismeta.pt``).
        ValueError: the file cannot be read as a charset; the message starts with its
            path (a truncated or foreign file: ``'<path>: not a readable charset
            (BadZipFile: ...)'``).
    """
    path = resolve_data_path(path)
    if not os.path.exists(path) and os.path.isfile(resolve_data_path(f'{path}.npz')):
        path = resolve_data_path(f'{path}.npz')
    if os.path.isdir(path):
        candidate = os.path.join(path, 'vismeta.pt')
        if not os.path.isfile(candidate):
            raise FileNotFoundError(f'charset folder {path} holds no vismeta.pt')
        path = candidate
    if not os.path.isfile(path):
        raise FileNotFoundError(f'charset file not found: {path} {missing_data_hint(path)}')
    try:
        if path.endswith('.pt') or path.endswith('.pth'):
            return load_vismeta(path)
        return GlyphCharset.from_npz(path)
    except READ_ERRORS as err:
        if isinstance(err, ValueError) and path in str(err):
            raise  # already a charset-content error naming the file
        raise ValueError(f'{path}: not a readable charset ({read_error_reason(err)})') \
            from err
