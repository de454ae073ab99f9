"""The ablation log: one JSON line per test evaluation, appended to ``<work_dir>/ablation.jsonl``.

``WnAAblationHook`` writes it (:func:`record_lines`, :func:`append_lines`) and
``tools/ablation_table.py`` reads it (:func:`find_jsonl`, :func:`read_records`). A line::

    {"variant": "wna_s", "run": "<work dir name>", "checkpoint": "iter_400000.pth",
     "iter": 400000, "test": "JPNHV-GZSL", "metrics": {"acr": 0.4515, ...},
     "time": "2025-06-11 10:00:00"}

``variant`` is the config's ``variant`` key or its file name stem (:func:`config_variant`),
``run`` the work dir's name, ``checkpoint`` the file name of the evaluated checkpoint and
``iter`` its iteration (:func:`checkpoint_iteration`). Metric values are fractions as the
metrics report them. A line evaluated twice (same file, variant, run, checkpoint and test,
:data:`RECORD_KEY`) counts once when read: the last one wins.
"""
from __future__ import annotations

import fcntl
import json
import os
import os.path as osp
import re
from collections.abc import Iterable, Mapping

from mmengine.config import Config

ABLATION_FILE = 'ablation.jsonl'
#: The fields that identify one evaluation (besides the file it is in).
RECORD_KEY = ('variant', 'run', 'checkpoint', 'test')


def config_variant(cfg: Config) -> str:
    """The ablation variant of a config: its ``variant`` key, else its file name stem."""
    variant = cfg.get('variant')
    if variant:
        return str(variant)
    filename = getattr(cfg, 'filename', None)
    if not filename:
        raise ValueError('cannot name the ablation variant: the config has no `variant` key '
                         'and no file name')
    return osp.splitext(osp.basename(filename))[0]


def checkpoint_iteration(checkpoint: str | None) -> int | None:
    """The iteration in an MMEngine checkpoint name (``iter_220000.pth`` -> 220000)."""
    match = re.search(r'iter_(\d+)\.pth$', checkpoint or '')
    return int(match.group(1)) if match else None


def record_lines(variant: str, run: str, checkpoint: str | None,
                 metrics_by_test: Mapping[str, Mapping[str, float]], stamp: str) -> list[str]:
    """One JSON line per test of ``metrics_by_test`` (``{test: {metric: value}}``);
    ``checkpoint`` is the path of the evaluated checkpoint (its file name is logged)."""
    common = dict(variant=variant, run=run,
                  checkpoint=osp.basename(checkpoint) if checkpoint else None,
                  iter=checkpoint_iteration(checkpoint))
    return [json.dumps(dict(common, test=test, metrics=dict(values), time=stamp),
                       ensure_ascii=False) for test, values in metrics_by_test.items()]


def append_lines(path: str, lines: list[str]) -> None:
    """Append ``lines`` to ``path`` under an exclusive lock, in one write."""
    data = ''.join(line + '\n' for line in lines).encode('utf-8')
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.write(fd, data)
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def find_jsonl(paths: Iterable[str]) -> list[str]:
    """The given files, plus every ``ablation.jsonl`` below the given directories."""
    files = []
    for path in paths:
        if osp.isdir(path):
            for root, dirs, names in os.walk(path):
                dirs.sort()
                if ABLATION_FILE in names:
                    files.append(osp.join(root, ABLATION_FILE))
        elif osp.isfile(path):
            files.append(path)
        else:
            raise FileNotFoundError(f'no such file or directory: {path}')
    return files


def read_records(files: Iterable[str]) -> tuple[list[dict], int, int]:
    """All records of ``files``, deduplicated; also the numbers of bad and repeated lines."""
    records: dict[tuple, dict] = {}
    bad = repeated = 0
    for file in files:
        with open(file, encoding='utf-8') as f:
            for line in f:
                if not line.strip():
                    continue
                try:
                    rec = json.loads(line)
                    key = (file, *(rec[k] for k in RECORD_KEY))
                    if not isinstance(rec['metrics'], dict):
                        raise TypeError('metrics is not an object')
                except (ValueError, KeyError, TypeError):
                    bad += 1
                    continue
                repeated += key in records
                records[key] = rec
    return list(records.values()), bad, repeated
