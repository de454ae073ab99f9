"""WnA recognition metrics: ACR / Lenpred_ACR and character accuracy (closed set) and
KACR / R / P / F (open set), each also split by text orientation."""
from __future__ import annotations

from collections.abc import Sequence

from mmengine.evaluator import BaseMetric
from mmocr.registry import METRICS

from projects.wna.charset import (
    UNKNOWN_CHAR,
    grapheme_len,
    load_charset,
    mask_unknown,
    normalize_text,
)

from .alignment import character_hits, reads_line

#: Orientation splits: every metric ``m`` is also reported as ``m_hori`` and ``m_vert``.
ORIENTATIONS = ('hori', 'vert')


def ratio(hits: int, total: int) -> float:
    """``hits / max(1, total)``: an empty subset scores 0 instead of dividing by zero."""
    return hits / max(1, total)


@METRICS.register_module()
class WnAMetric(BaseMetric):
    """The WnA benchmark metrics of one test set, computed on grapheme clusters.

    Each sample must carry ``gt_text.item``, ``pred_text.item`` and the metainfo
    ``dict_path`` (the test dictionary, read with
    :func:`~projects.wna.charset.load_charset`), ``has_unk`` and ``ori_shape`` (H, W of
    the raw image; a line is vertical when W / H < 1).

    Text is compared in Unicode NFC: ``gt_text`` and ``pred_text`` are normalised with
    :func:`~projects.wna.charset.normalize_text` (dictionaries hold NFC characters), so a
    label written ``か`` + U+3099 matches the prediction ``が`` and is not unknown.

    The ground truth is masked first: ``gt_`` replaces every grapheme cluster that is not
    a registered character of the dictionary (case variants included) nor a space by
    ``'⑨'``. ``pr`` is the prediction as decoded (rejected characters print as ``'⑨'``).

    ``has_unk=False`` (GZSL tests):

    * ``acr``: fraction of lines with ``gt_.lower() == pr.replace('⑨', '').lower()``
      (case-insensitive; a line whose GT holds an unregistered character never matches);
    * ``lenpred_acr``: fraction of lines whose predicted length (``'⑨'`` kept) equals the
      length of ``gt_``. Lengths count **grapheme clusters**, the project's unit of a
      character; the upstream reporter counts code points, which gives the same value
      on text without combining sequences (all MOOSTR test sets).

    ``has_unk=True`` (OSR / GOSR / OSTR tests; a line is *unknown* when ``gt_`` holds
    ``'⑨'``, otherwise *known*):

    * ``kacr``: known lines with ``gt_ == pr`` (case-sensitive, ``'⑨'`` kept) over
      ``max(1, #known)``;
    * ``r``: unknown lines whose ``pr`` holds ``'⑨'`` (U_hit) over ``max(1, #unknown)``;
    * ``p``: U_hit over ``max(1, U_hit + #known lines whose pr holds '⑨')``;
    * ``f``: ``2·r·p / max(r + p, 1)``.

    Every metric ``m`` is also given as ``m_hori`` / ``m_vert`` over the horizontal /
    vertical lines only, and ``n``, ``n_hori``, ``n_vert`` count the lines. Values are
    fractions (0.4515, not 45.15). All samples of one :meth:`compute_metrics` call must
    share ``has_unk``: use it through ``MultiDatasetsEvaluator`` with one dataset prefix
    per test; with ``prefix=None`` the keys are then ``'<test>/acr'`` etc.

    Args:
        collect_device: ``'cpu'`` or ``'gpu'``, for collecting results across ranks.
        prefix: optional extra name part (``'<test>/<prefix>/acr'``); None by default.
    """

    default_prefix = None

    def __init__(self, collect_device: str = 'cpu', prefix: str | None = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self._registered: dict[str, frozenset[str]] = {}
        self._lowered: dict[str, frozenset[str]] = {}

    def registered_set(self, dict_path: str) -> frozenset[str]:
        """Registered characters of a dictionary plus ``' '`` (loaded once per path)."""
        if dict_path not in self._registered:
            self._registered[dict_path] = load_charset(dict_path).char_set | {' '}
        return self._registered[dict_path]

    def lowered_set(self, dict_path: str) -> frozenset[str]:
        """:meth:`registered_set` in lower case (loaded once per path)."""
        if dict_path not in self._lowered:
            self._lowered[dict_path] = frozenset(c.lower() for c in self.registered_set(dict_path))
        return self._lowered[dict_path]

    def process(self, data_batch: object, data_samples: Sequence[dict]) -> None:
        """Score each sample (as a dict, the way ``Evaluator`` passes them) into a small
        record of booleans kept in ``self.results``."""
        for sample in data_samples:
            self.results.append(self._score(sample))

    def _score(self, sample: dict) -> dict:
        missing = [k for k in ('dict_path', 'has_unk', 'ori_shape') if sample.get(k) is None]
        if missing:
            raise KeyError(f'WnAMetric needs the metainfo {missing} on every sample; add '
                           'them to the dataset metainfo and to PackWnAInputs.meta_keys')
        gt = (sample.get('gt_text') or {}).get('item')
        pred = (sample.get('pred_text') or {}).get('item')
        if gt is None or pred is None:
            raise KeyError('WnAMetric needs gt_text.item and pred_text.item on every sample '
                           f'(test {sample.get("test_key")!r}, got gt={gt!r}, pred={pred!r})')
        gt, pred = normalize_text(gt), normalize_text(pred)
        height, width = sample['ori_shape'][:2]
        gt_ = mask_unknown(gt, self.registered_set(sample['dict_path']))
        gt_unknown = UNKNOWN_CHAR in gt_
        pred_unknown = UNKNOWN_CHAR in pred
        record = dict(
            has_unk=bool(sample['has_unk']),
            vert=width < height,
            acr=reads_line(gt_, pred),
            lenpred=grapheme_len(gt_) == grapheme_len(pred),
            exact=gt_ == pred,
            gt_unknown=gt_unknown,
            pred_unknown=pred_unknown)
        if not record['has_unk']:
            record.update(self._char_hits(gt_, pred, sample.get('train_dict_path')))
        return record

    def _char_hits(self, gt_: str, pred: str, train_dict_path: str | None) -> dict:
        chars, hits = character_hits(gt_, pred)
        counts = dict(chars=len(chars), char_hits=sum(hits))
        if train_dict_path is not None:
            seen = self.lowered_set(train_dict_path)
            unseen = [c not in seen for c in chars]
            counts.update(unseen=sum(unseen),
                          unseen_hits=sum(h for h, u in zip(hits, unseen) if u))
        return counts

    def compute_metrics(self, results: list[dict]) -> dict[str, float]:
        """Aggregate the records of one test set (see the class docstring for the keys)."""
        has_unk = {r['has_unk'] for r in results}
        if len(has_unk) > 1:
            raise ValueError('WnAMetric got one slice mixing has_unk=True and has_unk=False '
                             'samples; evaluate each test as its own MultiDatasetsEvaluator '
                             'slice (one dataset prefix per test)')
        scorer = open_set_metrics if has_unk == {True} else closed_set_metrics
        metrics = dict(scorer(results), n=len(results))
        for name in ORIENTATIONS:
            part = [r for r in results if r['vert'] == (name == 'vert')]
            metrics.update({f'{k}_{name}': v for k, v in scorer(part).items()})
            metrics[f'n_{name}'] = len(part)
        return metrics


def closed_set_metrics(results: list[dict]) -> dict[str, float]:
    """``acr``, ``lenpred_acr`` and ``char_acr`` (with ``train_dict_path``: also
    ``char_acr_seen``, ``char_acr_unseen`` and ``n_chars_unseen``) of the given records."""
    def total(key: str) -> int:
        return sum(r[key] for r in results)

    metrics = dict(acr=ratio(total('acr'), len(results)),
                   lenpred_acr=ratio(total('lenpred'), len(results)),
                   char_acr=ratio(total('char_hits'), total('chars')))
    if results and all('unseen' in r for r in results):
        metrics.update(
            char_acr_seen=ratio(total('char_hits') - total('unseen_hits'),
                                total('chars') - total('unseen')),
            char_acr_unseen=ratio(total('unseen_hits'), total('unseen')),
            n_chars_unseen=total('unseen'))
    return metrics


def open_set_metrics(results: list[dict]) -> dict[str, float]:
    """``kacr``, ``r``, ``p`` and ``f`` of the given records."""
    known = [r for r in results if not r['gt_unknown']]
    unknown_hits = sum(r['pred_unknown'] for r in results if r['gt_unknown'])
    false_rejects = sum(r['pred_unknown'] for r in known)
    recall = ratio(unknown_hits, len(results) - len(known))
    precision = ratio(unknown_hits, unknown_hits + false_rejects)
    return dict(kacr=ratio(sum(r['exact'] for r in known), len(known)),
                r=recall,
                p=precision,
                f=2 * recall * precision / max(recall + precision, 1))
