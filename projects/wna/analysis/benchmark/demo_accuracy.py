"""Accuracy of the fast path against exact float32: a trained checkpoint evaluated on its
config's whole test suite twice, as ``tools/test.py`` and ``tools/test.py --fast`` do."""
from __future__ import annotations

import glob
import json
import os.path as osp

from projects.wna.engine.runner_setup import add_custom_hooks, build_runner, load_config
from projects.wna.models import FAST_INFERENCE

#: Per-orientation and count entries of the metrics (the headline ones are compared).
_DETAIL_SUFFIXES = ('_hori', '_vert', '/n', '/fps', '/batch_size')


def headline_metrics(metrics: dict[str, float]) -> dict[str, float]:
    """The metrics without per-orientation splits, counts (``n``, ``n_...``) and speed."""
    return {k: float(v) for k, v in metrics.items()
            if not k.endswith(_DETAIL_SUFFIXES) and not k.rpartition('/')[2].startswith('n_')}


def _predictions(folder: str) -> dict[str, list[str]]:
    """Predicted strings per test, in order, from ``WnAPredictionDumpHook`` files."""
    out = {}
    for path in sorted(glob.glob(osp.join(folder, '*.jsonl'))):
        with open(path, encoding='utf-8') as f:
            records = sorted((json.loads(line) for line in f), key=lambda r: r['index'])
        out[osp.splitext(osp.basename(path))[0]] = [r['text'] for r in records]
    return out


def run_test_suite(config: str, checkpoint: str, work_dir: str, fast: bool
                   ) -> tuple[dict[str, float], dict[str, list[str]]]:
    """Metrics and predicted strings of ``config``'s test suite with ``checkpoint``."""
    options = {'model.fast_inference': dict(FAST_INFERENCE) if fast else None}
    cfg = load_config(config, options, work_dir=work_dir)
    cfg.load_from = checkpoint
    preds = osp.join(work_dir, 'predictions')
    add_custom_hooks(cfg, dict(type='WnAStrictLoadHook', strict=True),
                     dict(type='WnAPredictionDumpHook', out_dir=preds))
    metrics = build_runner(cfg).test()
    return metrics, _predictions(preds)


def compare_accuracy(config: str, checkpoint: str, work_dir: str) -> dict:
    """Per test: every headline metric on float32 and on the fast path, the difference
    in points (x100), and the share of identical predicted strings."""
    exact, exact_texts = run_test_suite(config, checkpoint, osp.join(work_dir, 'fp32'), False)
    fast, fast_texts = run_test_suite(config, checkpoint, osp.join(work_dir, 'fast'), True)
    exact, fast = headline_metrics(exact), headline_metrics(fast)
    tests: dict[str, dict] = {}
    for key, value in exact.items():
        test, metric = key.split('/', 1)
        entry = tests.setdefault(test, dict(fp32={}, fast={}, delta_points={}))
        entry['fp32'][metric], entry['fast'][metric] = value, fast[key]
        entry['delta_points'][metric] = 100 * (fast[key] - value)
    for test, entry in tests.items():
        a, b = exact_texts.get(test, []), fast_texts.get(test, [])
        if a and len(a) == len(b):
            entry['identical_share'] = sum(x == y for x, y in zip(a, b)) / len(a)
            entry['images'] = len(a)
    return dict(config=config, checkpoint=checkpoint, tests=tests,
                max_abs_delta_points=max(abs(d) for e in tests.values()
                                         for d in e['delta_points'].values()))
