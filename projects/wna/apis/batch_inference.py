"""Recognising many inputs in batches, as ``tools/infer.py`` does: the dictionary to read
with, and one JSON line (and optionally one drawing) per recognised image."""
from __future__ import annotations

import json
import os
import os.path as osp
import re
import sys
from collections import Counter
from collections.abc import Callable
from typing import IO

import torch
from PIL import Image
from tqdm import tqdm

from projects.wna.charset import GlyphCharset, default_font_path, requested_chars
from projects.wna.evaluation.predictions import prediction_record
from projects.wna.models import CharsetSource
from projects.wna.visualization import draw_prediction_panel

from .dictionary import register_chars
from .inference import build_inference_pipeline, recognize
from .inputs import LoadedImage, iter_images

UNSAFE = re.compile(r'[^\w.-]+')


def choose_dictionary(model: torch.nn.Module, dict_path: str | None = None,
                      chars: str | None = None, chars_file: str | None = None,
                      font: str | None = None, face_index: int = 0, chars_only: bool = False
                      ) -> tuple[GlyphCharset, dict]:
    """The dictionary to read with and its JSON description.

    The base is ``dict_path`` or else the model's default dictionary (none with
    ``chars_only``). ``chars`` / ``chars_file`` (see
    :func:`~projects.wna.charset.requested_chars`; whitespace dropped) are rendered with
    ``font`` (default Noto Sans CJK, face ``face_index``) and added to the base, or form
    the dictionary alone with ``chars_only``.

    Returns:
        the dictionary and its description: ``source`` and, when characters were
        registered, ``font``, ``face_index`` and the ``added``, ``known`` (already in the
        base: glyph kept) and ``missing`` (not drawable: they stay unknown) characters.

    Raises:
        ValueError: no dictionary at all, or ``chars`` / ``chars_file`` name no character.
        FileNotFoundError: the base dictionary does not exist.
    """
    source = None if chars_only else (dict_path or model.default_charset)
    if source is None and not chars_only:
        raise ValueError('the config sets no model.default_charset; pass --dict, or '
                         '--chars/--chars-file with --chars-only')
    try:
        base = None if source is None else model.prototype_bank.charset(source)
    except FileNotFoundError as e:
        hint = '' if dict_path else ' (the config\'s model.default_charset; pass --dict, ' \
            'fix it with --cfg-options, or use --chars-only)'
        raise FileNotFoundError(f'{e}{hint}') from None
    info = dict(source=None if source is None else os.fspath(source))
    if not (chars or chars_file):
        return base, info
    wanted = requested_chars(chars, chars_file)
    if not wanted:
        raise ValueError('--chars/--chars-file name no character')
    registered = register_chars(wanted, base, font, face_index)
    info.update(font=registered.font, face_index=face_index, added=registered.added,
                known=registered.known, missing=registered.missing)
    return registered.charset, info


def panel_name(index: int, source: str) -> str:
    """``<index>_<file or LMDB key stem>.png`` with unsafe characters replaced."""
    stem = osp.splitext(osp.basename(source.rsplit('#', 1)[-1]))[0]
    return f'{index:06d}_{UNSAFE.sub("_", stem)[:80]}.png'


class PredictionWriter:
    """Recognises pending images batch by batch and writes their records and drawings.

    Args:
        model: the recogniser (from :func:`~projects.wna.apis.load_recognizer`: its
            ``cfg`` gives the test pipeline).
        charset: the dictionary to read with (``None``: the model's default).
        out: where the JSON lines go.
        show_dir: folder for one drawing per image (``None``: no drawings).
        progress: advanced by one per recognised image.

    Attributes:
        experts: how often each expert was chosen.
    """

    def __init__(self, model: torch.nn.Module, charset: CharsetSource | None, out: IO[str],
                 show_dir: str | None, progress: tqdm) -> None:
        self.model = model
        self.charset = charset
        self.pipeline = build_inference_pipeline(model.cfg)
        self.out = out
        self.show_dir = show_dir
        self.progress = progress
        self.experts: Counter[str] = Counter()
        if show_dir:
            os.makedirs(show_dir, exist_ok=True)

    def flush(self, pending: list[tuple[int, LoadedImage]]) -> None:
        """Recognise ``pending`` ``(index, LoadedImage)`` pairs in one batch."""
        if not pending:
            return
        samples = recognize(self.model, self.pipeline, [item.image for _, item in pending],
                            [item.source for _, item in pending], self.charset)
        for (index, item), sample in zip(pending, samples):
            record = dict(index=index, source=item.source, **prediction_record(sample))
            if item.label is not None:
                record['label'] = item.label
            self.out.write(json.dumps(record, ensure_ascii=False) + '\n')
            self.experts[record['expert']] += 1
            if self.show_dir:
                self.draw(index, item, record)
        self.out.flush()
        self.progress.update(len(pending))

    def draw(self, index: int, item: LoadedImage, record: dict) -> None:
        """Save the drawing of one prediction as :func:`panel_name` in ``show_dir``."""
        panel = draw_prediction_panel(item.image[..., ::-1], default_font_path(),
                                      pred=record['text'], expert=record['expert'],
                                      probs=record['router_probs'])
        Image.fromarray(panel).save(osp.join(self.show_dir, panel_name(index, item.source)))


def recognise_all(model: torch.nn.Module, charset: CharsetSource | None, inputs: list[str],
                  total: int, out: IO[str], show_dir: str | None, batch_size: int,
                  log: Callable[[str], None] | None = None) -> tuple[Counter[str], list[dict]]:
    """Recognise every decodable image of ``inputs`` (``total`` images, a progress bar on
    stderr) against ``charset`` (``None``: the model's default dictionary), ``batch_size``
    at a time, writing one JSON line per image to ``out``; returns
    how often each expert was used and the skipped inputs (``index``, ``source``,
    ``reason``), each also passed to ``log`` as a message."""
    skipped: list[dict] = []
    with tqdm(total=total, unit='img', desc='recognising', file=sys.stderr) as progress:
        writer = PredictionWriter(model, charset, out, show_dir, progress)
        pending: list[tuple[int, LoadedImage]] = []
        for index, item in enumerate(iter_images(inputs)):
            if item.image is None:
                skipped.append(dict(index=index, source=item.source, reason=item.error))
                if log is not None:
                    log(f'skipped {item.source}: {item.error}')
                progress.update()
                continue
            pending.append((index, item))
            if len(pending) == batch_size:
                writer.flush(pending)
                pending = []
        writer.flush(pending)
    return writer.experts, skipped
