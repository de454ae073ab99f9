"""Convert published upstream WnA weights (lancercat/wna) into a wna MMEngine checkpoint.

Upstream saves one state dict per module as ``<module name><iteration key>.pth`` in its
run's save folder (``fe_fe_core_E2.pth``, ``hori_fe_bn_E2.pth``, ...). ``_E2`` is the
400k-iteration checkpoint all reported numbers use. The name table and the strict
checks live in ``projects/wna/convert/upstream.py`` (the module pairing itself in
``projects/wna/models/upstream_modules.py``); shapes come from the model
the config builds, so the config must match the run (WnA-S and its ablations:
``configs/wna/tiny_nedmix.py``; XL: ``configs/wna/xl_nedmix.py``; the English close-set
XL run ``XL/aroute_nd_only-v6S-reg-nedmix-AAF-ohem01E_promelas_mjst_b32``, the XL module
set at ``--iter _E3_I100000`` = 700k: ``configs/wna/wna-xl_resnet45_700k_mjst.py``).

Example::

    python tools/convert_upstream.py weights/aroute_nd_only-v6S-tiny-nedmix-AAF-ohem01E \\
        --iter _E2 --config configs/wna/tiny_nedmix.py --out work_dirs/wna_s_upstream.pth
    WNA_DATA=data/moostr python tools/test.py configs/wna/tiny_nedmix.py \\
        work_dirs/wna_s_upstream.pth

The glyph dictionaries need no conversion: the test configs read upstream
``$WNA_DATA/dictsv2/<name>/vismeta.pt`` folders as they are (``WNA_DATA`` defaults to
``data/moostr``; see ``configs/wna/_base_/datasets/moostr_test_all.py``).
"""
from __future__ import annotations

import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))  # the repository root

from projects.wna.convert import UpstreamConversionError, convert_upstream  # noqa: E402


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Convert an upstream WnA save folder (per-module <name><iter>.pth '
        'files) into a wna checkpoint.',
        epilog='Test the result with: WNA_DATA=<data root holding the LMDBs and '
        'dictsv2/<name>/vismeta.pt> python tools/test.py CONFIG OUT')
    parser.add_argument('src_dir', help='upstream save folder of one run')
    parser.add_argument('--iter', dest='iter_key', default='_E2',
                        help='iteration key of the files to read (default _E2 = 400k '
                        'iterations, the MOOSTR runs; _E3_I100000 = 700k for the English '
                        'run; e.g. _E1_I20000 for an intermediate one)')
    parser.add_argument('--config', required=True,
                        help='wna config of the matching model (tiny_nedmix.py, '
                        'xl_nedmix.py, wna-xl_resnet45_700k_mjst.py, an ablation config)')
    parser.add_argument('--out', required=True, help='checkpoint file to write (.pth)')
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        report = convert_upstream(args.src_dir, args.config, args.out, args.iter_key)
    except UpstreamConversionError as err:
        print(err, file=sys.stderr)
        return 1
    print(report.summary())
    print(f'checkpoint written to {args.out}')
    return 0


if __name__ == '__main__':
    from projects.wna.apis.cli import run_main

    sys.exit(run_main(main))
