"""Command-line arguments shared by several tools: the glyph font and the
upstream-compatibility switch."""
from __future__ import annotations

import argparse


def add_font_args(parser: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    """``--font`` / ``--face-index``: the font glyphs are rendered with (tools that build
    dictionaries); ``parser`` may be an argument group."""
    parser.add_argument('--font', help='TTF/OTF/TTC font file (default: Noto Sans CJK from the '
                        'noto-cjk-sans-otc package)')
    parser.add_argument('--face-index', type=int, default=0,
                        help='face inside a font collection (default 0 = Noto Sans CJK JP)')


def add_upstream_compat_arg(parser: argparse.ArgumentParser) -> None:
    """``--upstream-compat``: read as upstream does (sets ``model.upstream_compat``; README
    "Fidelity")."""
    parser.add_argument('--upstream-compat', action='store_true',
                        help='replicate the upstream behaviours wna fixes (label 0 is never '
                        'read; README "Fidelity"), e.g. to reproduce the paper\'s numbers '
                        'with the published weights')


def upstream_compat_options(args: argparse.Namespace) -> dict:
    """The ``--cfg-options`` of the parsed arguments with ``--upstream-compat`` applied."""
    options = dict(args.cfg_options or {})
    if args.upstream_compat:
        options['model.upstream_compat'] = True
    return options
