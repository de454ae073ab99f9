"""Predicted samples as JSON-ready records, and the test a sample belongs to.

Used by the prediction dump of test runs (``WnAPredictionDumpHook``), by the speed hook
(``WnAFPSHook``) and by inference outside a runner (``tools/infer.py``).
"""
from __future__ import annotations

from mmocr.structures import TextRecogDataSample

#: Test name used for samples without a ``test_key`` in their metainfo.
NO_TEST_KEY = 'all'


def sample_test_key(sample: TextRecogDataSample | dict) -> str:
    """The ``test_key`` metainfo of a data sample (object or dict), or :data:`NO_TEST_KEY`."""
    getter = sample.get if isinstance(sample, dict) else sample.metainfo.get
    return getter('test_key') or NO_TEST_KEY


def _plain_list(values) -> list[float] | None:
    """A list of floats from a list / tuple / tensor / array, or ``None``."""
    if values is None:
        return None
    if hasattr(values, 'tolist'):
        values = values.tolist()
    return [float(v) for v in values]


def prediction_record(sample: TextRecogDataSample, with_gt: bool = False) -> dict:
    """The JSON-ready result of one predicted ``TextRecogDataSample``.

    Keys: ``text`` (``'⑨'`` for rejected characters), with ``with_gt`` the ground truth
    ``gt``, ``scores`` (one per character of ``text``), ``expert`` and ``router_probs``
    (one per expert, in router order: hori, vert, rect) and ``ori_shape`` ([H, W]). A
    field the sample lacks (no prediction, route or ground truth) is ``None``.
    """
    pred = sample.get('pred_text')
    route = sample.get('pred_route')
    ori_shape = sample.metainfo.get('ori_shape')
    record = dict(text=pred.get('item') if pred is not None else None)
    if with_gt:
        gt = sample.get('gt_text')
        record['gt'] = gt.get('item') if gt is not None else None
    record.update(
        scores=_plain_list(pred.get('score')) if pred is not None else None,
        expert=route.get('expert') if route is not None else None,
        router_probs=_plain_list(route.get('probs')) if route is not None else None,
        ori_shape=[int(v) for v in ori_shape] if ori_shape is not None else None)
    return record
