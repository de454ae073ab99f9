"""Command-line arguments shared by several tools: the glyph font, and how a model
reads (the upstream-compatibility and fast-path switches)."""
from __future__ import annotations

import argparse

from projects.wna.models import FAST_INFERENCE


def add_font_args(parser: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    """``--font`` / ``--face-index``: the font glyphs are rendered with (tools that build
    dictionaries); ``parser`` may be an argument group."""
    parser.add_argument('--font', help='TTF/OTF/TTC font file (default: Noto Sans CJK from the '
                        'noto-cjk-sans-otc package)')
    parser.add_argument('--face-index', type=int, default=0,
                        help='face inside a font collection (default 0 = Noto Sans CJK JP)')




def add_reading_args(parser: argparse.ArgumentParser) -> None:
    """``--upstream-compat``: read as upstream does (``model.upstream_compat``;
    docs/fidelity.md); ``--fast``: the fast test-time path (``model.fast_inference``;
    docs/performance.md). They exclude each other."""
    group = parser.add_mutually_exclusive_group()
    group.add_argument('--upstream-compat', action='store_true',
                       help='replicate the upstream behaviours wna fixes (label 0 is never '
                       'read; docs/fidelity.md), e.g. to reproduce the paper\'s numbers '
                       'with the published weights; always float32')
    group.add_argument('--fast', action='store_true',
                       help='read on the fast path: BatchNorms folded, channels-last, '
                       'bfloat16 convolutions on CPUs with native bf16 and on GPUs, '
                       'decisions in float32 (docs/performance.md)')


def reading_options(args: argparse.Namespace) -> dict:
    """The ``--cfg-options`` of the parsed arguments with ``--upstream-compat`` /
    ``--fast`` applied."""
    options = dict(args.cfg_options or {})
    if args.upstream_compat:
        options['model.upstream_compat'] = True
    if args.fast:
        options['model.fast_inference'] = dict(FAST_INFERENCE)
    return options
