"""Recognising many inputs in batches, as ``tools/infer.py`` does: one JSON line (and
optionally one drawing) per recognised image, read by a :class:`WnATextRecInferencer`."""
from __future__ import annotations

import json
import os
import os.path as osp
import re
import sys
from collections import Counter
from collections.abc import Callable
from typing import IO

from PIL import Image
from tqdm import tqdm

from projects.wna.charset import default_font_path
from projects.wna.evaluation.predictions import prediction_record
from projects.wna.visualization import draw_prediction_panel

from .inferencer import WnATextRecInferencer
from .inputs import LoadedImage, iter_images

UNSAFE = re.compile(r'[^\w.-]+')


def panel_name(index: int, source: str) -> str:
    """``<index>_<file or LMDB key stem>.png`` with unsafe characters replaced."""
    stem = osp.splitext(osp.basename(source.rsplit('#', 1)[-1]))[0]
    return f'{index:06d}_{UNSAFE.sub("_", stem)[:80]}.png'


class PredictionWriter:
    """Recognises pending images batch by batch and writes their records and drawings.

    Args:
        inferencer: reads the images (with its model and dictionary).
        out: where the JSON lines go.
        show_dir: folder for one drawing per image (``None``: no drawings).
        progress: advanced by one per recognised image.

    Attributes:
        experts: how often each expert was chosen.
    """

    def __init__(self, inferencer: WnATextRecInferencer, out: IO[str], show_dir: str | None,
                 progress: tqdm) -> None:
        self.inferencer = inferencer
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
        inputs = [dict(img=item.image, img_path=item.source) for _, item in pending]
        samples = self.inferencer(inputs, batch_size=len(inputs), progress_bar=False,
                                  return_datasamples=True)['predictions']
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
        """Save the drawing of one prediction as :func:`panel_name` in ``show_dir``, with
        the stored label of an LMDB record as its ground truth."""
        panel = draw_prediction_panel(item.image[..., ::-1], default_font_path(),
                                      pred=record['text'], gt=item.label,
                                      expert=record['expert'],
                                      probs=record['router_probs'])
        Image.fromarray(panel).save(osp.join(self.show_dir, panel_name(index, item.source)))


def recognise_all(inferencer: WnATextRecInferencer, inputs: list[str], total: int,
                  out: IO[str], show_dir: str | None, batch_size: int,
                  log: Callable[[str], None] | None = None) -> tuple[Counter[str], list[dict]]:
    """Recognise every decodable image of ``inputs`` (``total`` images, a progress bar on
    stderr) with ``inferencer``, ``batch_size`` at a time, writing one JSON line per image
    to ``out``; returns how often each expert was used and the skipped inputs (``index``,
    ``source``, ``reason``), each also passed to ``log`` as a message."""
    skipped: list[dict] = []
    with tqdm(total=total, unit='img', desc='recognising', file=sys.stderr) as progress:
        writer = PredictionWriter(inferencer, out, show_dir, progress)
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
