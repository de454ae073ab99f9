"""Checkpoint files: trusted loading, fit checks, atomic writes and the resume choice.

torch 2.6 changed ``torch.load``'s default to ``weights_only=True``. MMEngine 0.10.7's
local-file loader calls ``torch.load`` without that argument, so checkpoints that pickle
the message hub, numpy values or metadata (every checkpoint MMEngine writes) fail to load
with ``UnpicklingError: Weights only load failed``. wna does not change that default for
the process: importing :mod:`projects.wna` leaves ``torch.load`` and MMEngine's
``CheckpointLoader`` as they are. Only wna's own loading paths read local checkpoints
with :func:`load_from_trusted_local` (``weights_only=False``): :func:`read_checkpoint` /
:func:`load_trusted_checkpoint`, which ``WnARunner`` (``--resume``, ``load_from``,
``tools/test.py``), ``load_recognizer`` and ``WnATextRecInferencer`` use. Only load
checkpoints you trust. An empty, truncated or non-checkpoint file raises
:class:`CheckpointReadError` naming the file.

(A ``torch.serialization.safe_globals`` allow-list was not enough: MMEngine's
``HistoryBuffer`` pickles its statistics methods through ``builtins.getattr``, and allowing
``getattr`` next to numpy's reconstructors would make ``weights_only`` meaningless.)

:func:`check_checkpoint_fits` compares a checkpoint with a model (missing and unexpected
keys, shape mismatches) and raises :class:`CheckpointMismatchError`; ``WnAStrictLoadHook``
runs it while the runner loads. Checkpoints written through the ``wna_atomic_local`` file
backend (``WnACheckpointHook``) appear under their final name only once complete.
:func:`find_resume_checkpoint` picks the checkpoint a ``--resume`` continues from.
"""
from __future__ import annotations

import glob
import logging
import os
import os.path as osp
import pickle
import re
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import torch
from mmengine.fileio import LocalBackend, register_backend
from mmengine.logging import print_log
from mmengine.runner.checkpoint import CheckpointLoader, _load_checkpoint_to_model

#: The file in a work dir naming the last checkpoint written (MMEngine's name).
LAST_CHECKPOINT = 'last_checkpoint'
#: The file backend writing checkpoints atomically (``backend_args=dict(backend=...)``).
ATOMIC_BACKEND = 'wna_atomic_local'
#: Keys named in a mismatch summary, per kind.
SHOWN_KEYS = 3

#: torch's RuntimeError messages for files that are not (whole) torch archives.
_UNREADABLE = re.compile(r'PytorchStreamReader|zip archive|magic number|unexpected EOF')
_STEP_FILE = re.compile(r'^(?:iter|epoch)_(\d+)\.pth$')
#: A checkpoint address with a scheme (``http://``, ``s3://``, ``open-mmlab://`` ...).
_SCHEME = re.compile(r'^[A-Za-z][\w+.-]*://')
#: MMEngine's default key revision: the ``module.`` prefix of wrapped models removed.
MODULE_PREFIX = ((r'^module\.', ''),)


class CheckpointReadError(ValueError):
    """A checkpoint file that is empty, truncated or not a checkpoint at all."""


class CheckpointMismatchError(ValueError):
    """A checkpoint whose weights do not fit the model of the config."""


MapLocation = str | torch.device | Callable | dict | None


def load_from_trusted_local(filename: str | os.PathLike,
                            map_location: MapLocation = None) -> dict:
    """Load a local checkpoint with full unpickling (``weights_only=False``).

    Raises:
        FileNotFoundError: no such file.
        CheckpointReadError: the file is empty, truncated, not a torch file, or holds
            something other than a dict.
    """
    filename = osp.expanduser(os.fspath(filename))
    if not osp.isfile(filename):
        raise FileNotFoundError(f'checkpoint not found: {filename}')
    if osp.getsize(filename) == 0:
        raise CheckpointReadError(f'checkpoint {filename} is an empty file')
    with open(filename, 'rb') as f:
        legacy = f.read(1) == b'\x80'  # a pickle: torch's pre-1.6 format
    if not legacy and not zipfile.is_zipfile(filename):
        raise CheckpointReadError(f'checkpoint {filename} is not a PyTorch checkpoint (nor '
                                  'a whole one: truncated files lack the zip directory)')
    try:
        checkpoint = torch.load(filename, map_location=map_location, weights_only=False)
    except (EOFError, pickle.UnpicklingError, zipfile.BadZipFile, RuntimeError) as err:
        if isinstance(err, RuntimeError) and not _UNREADABLE.search(str(err)):
            raise
        reason = str(err).strip().split('. ')[0] or type(err).__name__
        raise CheckpointReadError(f'checkpoint {filename} cannot be read (truncated or '
                                  f'not a PyTorch checkpoint): {reason}') from err
    if not isinstance(checkpoint, dict):
        raise CheckpointReadError(f'checkpoint {filename} holds a {type(checkpoint).__name__}'
                                  ', not a checkpoint dict')
    return checkpoint


def read_checkpoint(filename: str | os.PathLike, map_location: MapLocation = None,
                    logger: str = 'current') -> dict:
    """Read a checkpoint for wna's own loading paths.

    A local file is read with :func:`load_from_trusted_local` (full unpickling, one-line
    :class:`CheckpointReadError` for damaged files); an address with a scheme
    (``http://``, ``s3://``, ``open-mmlab://`` ...) goes to MMEngine's
    ``CheckpointLoader`` unchanged. Nothing is registered anywhere.
    """
    filename = os.fspath(filename)
    if _SCHEME.match(filename):
        return CheckpointLoader.load_checkpoint(filename, map_location, logger)
    return load_from_trusted_local(filename, map_location)


@dataclass
class StateMismatch:
    """How a checkpoint's state dict differs from a model's."""

    missing: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    #: ``(key, shape in the checkpoint, shape in the model)``.
    shapes: list[tuple[str, tuple, tuple]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.missing or self.unexpected or self.shapes)

    def summary(self) -> str:
        """One line: the counts and the first :data:`SHOWN_KEYS` keys of each kind."""
        def first(keys: list[str]) -> str:
            return ', '.join(keys[:SHOWN_KEYS]) + (', ...' if len(keys) > SHOWN_KEYS else '')

        parts = []
        if self.missing:
            parts.append(f'{len(self.missing)} missing keys ({first(self.missing)})')
        if self.unexpected:
            parts.append(f'{len(self.unexpected)} unexpected ({first(self.unexpected)})')
        if self.shapes:
            shown = [f'{k}: {tuple(c)} vs {tuple(m)}' for k, c, m in self.shapes]
            parts.append(f'{len(self.shapes)} shape mismatches ({first(shown)})')
        return ', '.join(parts)


def checkpoint_state_dict(checkpoint: dict) -> dict:
    """The model weights of a loaded checkpoint as MMEngine loads them: its
    ``state_dict`` (else the dict itself) with the ``module.`` prefix removed."""
    state = checkpoint.get('state_dict', checkpoint)
    return {re.sub(r'^module\.', '', k): v for k, v in state.items()}


def state_mismatch(model: torch.nn.Module, state: dict) -> StateMismatch:
    """Compare ``state`` (see :func:`checkpoint_state_dict`) with ``model.state_dict()``."""
    own = model.state_dict()
    shapes = [(k, tuple(state[k].shape), tuple(v.shape)) for k, v in own.items()
              if k in state and isinstance(state[k], torch.Tensor)
              and state[k].shape != v.shape]
    return StateMismatch(missing=[k for k in own if k not in state],
                         unexpected=[k for k in state if k not in own], shapes=shapes)


def require_model_weights(checkpoint: dict, filename: str) -> dict:
    """``checkpoint``'s weights (see :func:`checkpoint_state_dict`); raise
    :class:`CheckpointMismatchError` naming its top-level keys when it holds none."""
    state = checkpoint_state_dict(checkpoint)
    if not any(isinstance(v, torch.Tensor) for v in state.values()):
        raise CheckpointMismatchError(
            f'checkpoint {filename} holds no model weights (top-level keys: '
            f'{", ".join(map(str, list(checkpoint)[:SHOWN_KEYS])) or "none"})')
    return state


def check_checkpoint_fits(model: torch.nn.Module, checkpoint: dict, filename: str,
                          config: str | None = None) -> StateMismatch:
    """Raise :class:`CheckpointMismatchError` unless ``checkpoint`` holds exactly the
    weights of ``model`` (same keys, same shapes); returns the (empty) mismatch."""
    state = require_model_weights(checkpoint, filename)
    mismatch = state_mismatch(model, state)
    if mismatch:
        target = f'config {config}' if config else 'the model'
        raise CheckpointMismatchError(
            f'checkpoint {filename} does not fit {target}: {mismatch.summary()}')
    return mismatch


def load_trusted_checkpoint(model: torch.nn.Module, filename: str | os.PathLike,
                            map_location: MapLocation = 'cpu', strict: bool = False,
                            logger: str = 'current',
                            revise_keys: Sequence[tuple[str, str]] = MODULE_PREFIX,
                            config: str | None = None) -> dict:
    """MMEngine's ``load_checkpoint`` with the file read by :func:`read_checkpoint`.

    With ``strict``, a checkpoint that does not hold exactly the model's weights raises
    :class:`CheckpointMismatchError` (one line naming ``config`` if given, see
    :func:`check_checkpoint_fits`) before anything is loaded. Returns the loaded
    checkpoint.
    """
    checkpoint = read_checkpoint(filename, map_location, logger)
    if strict:
        check_checkpoint_fits(model, checkpoint, os.fspath(filename), config)
    return _load_checkpoint_to_model(model, checkpoint, strict, logger, list(revise_keys))


def write_atomic(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and
    ``os.replace``: ``path`` holds either its old content or all of ``data``."""
    path = str(path)
    folder, name = osp.split(osp.abspath(path))
    os.makedirs(folder, exist_ok=True)
    tmp = osp.join(folder, f'.{name}.{os.getpid()}.tmp')
    try:
        with open(tmp, 'wb') as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if osp.exists(tmp):
            os.remove(tmp)
        raise


class WnAAtomicLocalBackend(LocalBackend):
    """MMEngine's local file backend whose writes are atomic (:func:`write_atomic`);
    registered as ``wna_atomic_local`` (``backend_args=dict(backend='wna_atomic_local')``),
    without a prefix, so MMEngine's default local backend is unchanged."""

    def put(self, obj: bytes, filepath: str | Path) -> None:
        write_atomic(filepath, obj)

    def put_text(self, obj: str, filepath: str | Path, encoding: str = 'utf-8') -> None:
        write_atomic(filepath, obj.encode(encoding))


register_backend(ATOMIC_BACKEND, WnAAtomicLocalBackend, force=True)


def is_complete_checkpoint(path: str) -> bool:
    """Whether ``path`` is a whole torch zip checkpoint (its archive opens and every
    record passes its CRC check); an empty or truncated file is not."""
    try:
        with zipfile.ZipFile(path) as archive:
            return archive.testzip() is None
    except (OSError, zipfile.BadZipFile):
        return False


def _step(path: str) -> int:
    return int(_STEP_FILE.match(osp.basename(path)).group(1))


def _pointer_target(work_dir: str) -> tuple[str | None, str]:
    """The checkpoint ``<work_dir>/last_checkpoint`` names (relative paths are relative
    to ``work_dir``; an absolute path to a missing file falls back to the file of that
    name in ``work_dir``, for copied work dirs), and what was wrong when it names none."""
    pointer = osp.join(work_dir, LAST_CHECKPOINT)
    if not osp.isfile(pointer):
        return None, f'{pointer} is missing'
    with open(pointer, encoding='utf-8') as f:
        target = f.read().strip()
    if not target:
        return None, f'{pointer} is empty'
    candidates = [osp.join(work_dir, target)]
    if osp.isabs(target):
        candidates.append(osp.join(work_dir, osp.basename(target)))
    for candidate in candidates:
        if osp.isfile(candidate):
            return candidate, ''
    return None, f'{pointer} names a missing file ({target})'


def find_resume_checkpoint(work_dir: str) -> str | None:
    """The checkpoint to resume a run in ``work_dir`` from, or None when it holds none.

    The checkpoint ``last_checkpoint`` names comes first; when that file is missing,
    empty or dangling, or the checkpoint is incomplete, the newest complete
    ``iter_<n>.pth`` / ``epoch_<n>.pth`` is taken instead, with a warning. Incomplete
    (empty, truncated) checkpoints are skipped with a warning.
    """
    target, problem = _pointer_target(work_dir)
    numbered = sorted((p for p in glob.glob(osp.join(glob.escape(work_dir), '*_*.pth'))
                       if _STEP_FILE.match(osp.basename(p))), key=_step, reverse=True)
    candidates = ([target] if target else []) + [p for p in numbered if p != target]
    for path in candidates:
        if not is_complete_checkpoint(path):
            print_log(f'skipping {path}: not a complete checkpoint (empty, truncated or '
                      'corrupt)', logger='current', level=logging.WARNING)
            problem = problem or f'{target} is not a complete checkpoint'
            continue
        if problem:
            print_log(f'{problem}; resuming from the newest complete checkpoint {path}',
                      logger='current', level=logging.WARNING)
        return path
    return None
