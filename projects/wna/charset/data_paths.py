"""Where wna finds data that a config names by a relative path.

wna's configs default to paths relative to a data root (``data/moostr``, ``data/wna_demo``;
``$WNA_DATA`` / ``$WNA_DEMO_DATA`` override the roots). A relative path is read from the
working directory when it is there, else from the wna checkout the package is imported
from (``<checkout>/data/...``, where ``tools/make_demo_data.py`` writes by default), so a
config runs from any folder. Errors for data that is nowhere name both places and the
variables to set (:func:`missing_data_hint`).
"""
from __future__ import annotations

import os
import os.path as osp

#: The folder holding ``projects/`` (the checkout root, or ``site-packages`` when installed).
PACKAGE_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
#: What the data-root variables stand for, as error messages name them.
DATA_VARIABLES = ('set WNA_DEMO_DATA to the demo data root (tools/make_demo_data.py '
                  '--out DIR writes one) or WNA_DATA to the MOOSTR data root (LMDBs and '
                  'dictsv2/)')


def resolve_data_path(path: str | os.PathLike) -> str:
    """``path`` itself when it is absolute or exists relative to the working directory;
    else the same relative path under :data:`PACKAGE_ROOT` when it exists there; else
    ``path`` unchanged (its reader then reports it missing, with :func:`missing_data_hint`).
    """
    path = os.fspath(path)
    if not path or osp.isabs(path) or osp.exists(path):
        return path
    candidate = osp.join(PACKAGE_ROOT, path)
    return candidate if osp.exists(candidate) else path


def missing_data_hint(path: str | os.PathLike) -> str:
    """The sentence appended to a "not found" error for data at ``path``."""
    path = os.fspath(path)
    where = ''
    if not osp.isabs(path):
        where = (f'looked in the working directory {os.getcwd()} and in {PACKAGE_ROOT}; ')
    return f'({where}{DATA_VARIABLES})'
