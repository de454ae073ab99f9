"""Command-line arguments shared by the tools that render glyphs (dictionaries)."""
from __future__ import annotations

import argparse


def add_font_args(parser: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    """``--font`` / ``--face-index``: the font glyphs are rendered with (tools that build
    dictionaries); ``parser`` may be an argument group."""
    parser.add_argument('--font', help='TTF/OTF/TTC font file (default: Noto Sans CJK from the '
                        'noto-cjk-sans-otc package)')
    parser.add_argument('--face-index', type=int, default=0,
                        help='face inside a font collection (default 0 = Noto Sans CJK JP)')
