"""Recognise cropped text images with a wna model: one JSON line per image.

    python tools/infer.py CONFIG CHECKPOINT INPUT [INPUT ...] [--out preds.jsonl]
        [--batch-size 32] [--device cpu] [--recursive] [--show-dir DIR] [--summary FILE]
        [--dict FILE] [--chars STR] [--chars-file FILE] [--font FONT] [--face-index N]
        [--chars-only] [--save-dict FILE] [--upstream-compat | --fast] [--cfg-options KEY=VALUE ...]

Inputs: image files, folders and LMDBs (a folder holding ``data.mdb``), in any mix. A
folder contributes every file directly inside it, sorted by name (hidden files skipped);
``--recursive`` also walks its sub-folders (LMDBs found there are read as LMDBs). Files are
decoded by content, not by extension (transparency composited onto white, GIFs: first
frame). Unreadable, empty, corrupt and non-image files, LMDB records without a decodable
image and damaged LMDBs (truncated ``data.mdb``, not an LMDB, bad ``num-samples``: one
skipped input each) are reported on stderr, listed in the summary and skipped; the other
images are still recognised. Images of any size and aspect ratio are
read: the router only picks among experts whose aspect-ratio range admits the image, and an
image beyond every range goes to the expert with the closest anchor.

Dictionary: by default the model's ``default_charset`` (from the config), or ``--dict``.
``--chars`` / ``--chars-file`` register characters the model never saw, without retraining:
their glyphs are rendered with ``--font`` (default: Noto Sans CJK, face ``--face-index``)
and appended to that dictionary (characters already in it keep their glyph). With
``--chars-only`` the dictionary holds the given characters alone. Characters the font cannot
draw are reported and stay unknown: any character outside the dictionary is read as '⑨'.

Output (``--out``, default ``-`` = stdout; logs and the progress bar go to stderr): one JSON
object per recognised image, in input order: ``index`` (position among all inputs, skipped
ones included), ``source`` (file path, or ``<lmdb>#image-<id>``), ``text``, ``scores`` (one
per character of ``text``), ``expert`` (hori / vert / rect), ``router_probs`` (one per
expert, in that order), ``ori_shape`` ([H, W]) and, for LMDB records, the stored ``label``.
``--show-dir`` writes one ``<index>_<name>.png`` drawing per image; ``--summary`` writes the
counts, skipped inputs and dictionary as JSON.

Exit status: 0 when at least one image was recognised; 1 when none was (no image found, or
every input unreadable); 2 for unusable arguments (missing input, dictionary or font).
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import os.path as osp
import sys
from collections import Counter
from typing import IO

import cv2
import torch
from mmengine.config import Config, DictAction
from tqdm import tqdm

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))  # the repository root

from projects.wna.apis import (  # noqa: E402
    WnATextRecInferencer,
    add_font_args,
    add_reading_args,
    count_images,
    expand_inputs,
    reading_options,
    recognise_all,
)
from projects.wna.charset.render import describe_char  # noqa: E402

MAX_LISTED = 20
CV2_LOG_ERROR = 2  # OpenCV's LOG_LEVEL_ERROR


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Recognise text images (files, folders, LMDBs) with a wna model',
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog='Exit status: 0 = some image recognised, 1 = none, 2 = unusable arguments.')
    parser.add_argument('config', help='model config file')
    parser.add_argument('checkpoint', help='checkpoint file (trusted: fully unpickled)')
    parser.add_argument('inputs', nargs='+', metavar='INPUT',
                        help='image files, folders of images, LMDB folders')
    parser.add_argument('--out', default='-',
                        help='JSON-lines output file (default "-": stdout)')
    parser.add_argument('--batch-size', type=int, default=32,
                        help='images per forward pass (default 32)')
    parser.add_argument('--device', help='e.g. cpu, cuda, cuda:1 (default: cuda if available)')
    parser.add_argument('-r', '--recursive', action='store_true',
                        help='also read the sub-folders of input folders')
    parser.add_argument('--show-dir', help='write a drawing of each prediction here')
    parser.add_argument('--summary', help='write counts, skipped inputs and the dictionary '
                        'used as JSON to this file')
    group = parser.add_argument_group('dictionary')
    group.add_argument('--dict', '--charset', dest='dict', metavar='FILE',
                       help='saved glyph dictionary (.npz, vismeta.pt or its folder) instead '
                       'of the config\'s model.default_charset')
    group.add_argument('--chars', help='characters to register, as one string (whitespace '
                       'is ignored)')
    group.add_argument('--chars-file', '--char-file', dest='chars_file', metavar='FILE',
                       help='characters to register: comma-separated UTF-8 files with one '
                       'character per line and/or shipped list names (e.g. hiragana)')
    add_font_args(group)
    group.add_argument('--chars-only', action='store_true',
                       help='read with the registered characters alone instead of extending '
                       'the dictionary with them')
    group.add_argument('--save-dict', metavar='FILE',
                       help='save the dictionary used as .npz (reuse it with --dict)')
    add_reading_args(parser)
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings, key=value')
    args = parser.parse_args(argv)
    registering = bool(args.chars or args.chars_file)
    if args.batch_size < 1:
        parser.error('--batch-size must be at least 1')
    if args.chars_only and not registering:
        parser.error('--chars-only needs --chars and/or --chars-file')
    if args.chars_only and args.dict:
        parser.error('--chars-only replaces the dictionary; it cannot be combined with --dict')
    if (args.font or args.face_index) and not registering:
        parser.error('--font and --face-index apply to --chars/--chars-file only')
    return args


def say(message: str) -> None:
    """A progress-bar-safe message on stderr."""
    tqdm.write(f'[infer] {message}', file=sys.stderr)


def list_chars(chars: list[str]) -> str:
    """Code points and names of up to ``MAX_LISTED`` characters, for messages."""
    shown = ', '.join(describe_char(c) for c in chars[:MAX_LISTED])
    return shown + (f' ... and {len(chars) - MAX_LISTED} more' if len(chars) > MAX_LISTED else '')


def report_registration(info: dict) -> None:
    """The registered characters the font cannot draw, and those already known."""
    if info.get('missing'):
        say(f'{len(info["missing"])} character(s) have no glyph in {info["font"]} and '
            f'stay unknown: {list_chars(info["missing"])}')
    if info.get('known'):
        say(f'already in the dictionary (glyph kept): {"".join(info["known"])}')


def report(total: int, experts: Counter[str], skipped: list[dict]) -> None:
    """The closing summary on stderr (skipped inputs listed up to ``MAX_LISTED``)."""
    recognised = sum(experts.values())
    routes = ', '.join(f'{name} {n}' for name, n in sorted(experts.items()))
    say(f'{total} image(s): {recognised} recognised' + (f' ({routes})' if routes else '')
        + f', {len(skipped)} skipped')
    for entry in skipped[:MAX_LISTED]:
        say(f'  skipped {entry["source"]}: {entry["reason"]}')
    if len(skipped) > MAX_LISTED:
        say(f'  ... and {len(skipped) - MAX_LISTED} more (see --summary)')


def run(args: argparse.Namespace, out: IO[str]) -> int:
    """Everything after argument parsing; returns the exit status."""
    try:
        inputs = expand_inputs(args.inputs, args.recursive)
        total = count_images(inputs)
    except (FileNotFoundError, ValueError) as e:
        say(f'error: {e}')
        return 2
    device = args.device or ('cuda' if torch.cuda.is_available() else 'cpu')
    cfg = Config.fromfile(args.config)
    cfg.merge_from_dict(reading_options(args))
    try:
        # builds the model, loads the checkpoint and encodes the dictionary's prototypes
        inferencer = WnATextRecInferencer(
            cfg, args.checkpoint, device, dictionary=args.dict, chars=args.chars,
            chars_file=args.chars_file, font=args.font, face_index=args.face_index,
            chars_only=args.chars_only)
    except (FileNotFoundError, ValueError) as e:
        say(f'error: {e}')
        return 2
    dict_info = inferencer.dictionary_info
    report_registration(dict_info)
    say(f'dictionary: {dict_info["chars"]} characters, {dict_info["labels"]} labels'
        + (f' ({len(dict_info["added"])} registered)' if 'added' in dict_info else ''))
    if args.save_dict:
        inferencer.charset.save(args.save_dict)
        say(f'dictionary saved to {args.save_dict}')

    experts, skipped = recognise_all(inferencer, inputs, total, out, args.show_dir,
                                     args.batch_size, log=say)
    report(total, experts, skipped)
    recognised = sum(experts.values())
    if args.summary:
        summary = dict(config=args.config, checkpoint=args.checkpoint, images=total,
                       recognised=recognised, skipped=skipped, experts=dict(experts),
                       dictionary=dict_info)
        with open(args.summary, 'w', encoding='utf-8') as f:
            json.dump(summary, f, indent=2, ensure_ascii=False)
    if not recognised:
        say('error: no image could be recognised' if total else 'error: no input image found')
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    cv2.setLogLevel(CV2_LOG_ERROR)  # undecodable inputs are reported as skipped instead
    if args.out == '-':
        # Everything but the predictions (MMEngine's logger included) goes to stderr.
        out = sys.stdout
        with contextlib.redirect_stdout(sys.stderr):
            return run(args, out)
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    with open(args.out, 'w', encoding='utf-8') as out:
        return run(args, out)


if __name__ == '__main__':
    from projects.wna.apis.cli import run_main

    sys.exit(run_main(main))
