"""Whether a prediction reads its ground truth, as line and per character (an
edit-distance alignment): the rules of :class:`~projects.wna.evaluation.WnAMetric`, also
used by the prediction analysis."""
from __future__ import annotations

from collections.abc import Sequence

from projects.wna.charset import UNKNOWN_CHAR, split_graphemes


def reads_line(gt: str, pred: str) -> bool:
    """Line accuracy: ``gt.lower() == pred.replace('⑨', '').lower()`` (both NFC)."""
    return gt.lower() == pred.replace(UNKNOWN_CHAR, '').lower()


def character_hits(gt: str, pred: str) -> tuple[list[str], list[bool]]:
    """The lower-case ground-truth characters (grapheme clusters) and whether each is
    read: ``'⑨'`` dropped from ``pred``, then :func:`aligned_hits` (both NFC)."""
    chars = split_graphemes(gt.lower())
    return chars, aligned_hits(chars, split_graphemes(pred.replace(UNKNOWN_CHAR, '').lower()))


def aligned_hits(gt: Sequence[str], pred: Sequence[str]) -> list[bool]:
    """For each character of ``gt``, whether an optimal edit-distance alignment of ``gt``
    with ``pred`` (unit costs for substitution, insertion and deletion) pairs it with an
    equal character of ``pred``. Among optimal alignments the one with the most matches
    is taken, so ``sum(aligned_hits(a, b))`` is symmetric and ``== len(gt)`` only when
    ``pred == gt``."""
    n, m = len(gt), len(pred)
    # cost[i][j]: (edits, -matches) of aligning gt[i:] with pred[j:]
    cost = [[(0, 0)] * (m + 1) for _ in range(n + 1)]
    for i in range(n, -1, -1):
        for j in range(m, -1, -1):
            if i == n or j == m:
                cost[i][j] = (n - i + m - j, 0)
                continue
            same = gt[i] == pred[j]
            diag = cost[i + 1][j + 1]
            cost[i][j] = min((diag[0] + (not same), diag[1] - same),
                             (cost[i + 1][j][0] + 1, cost[i + 1][j][1]),
                             (cost[i][j + 1][0] + 1, cost[i][j + 1][1]))
    hits, i, j = [], 0, 0
    while i < n:
        if j < m:
            same = gt[i] == pred[j]
            diag = cost[i + 1][j + 1]
            if cost[i][j] == (diag[0] + (not same), diag[1] - same):
                hits.append(same)
                i, j = i + 1, j + 1
                continue
            if cost[i][j] == (cost[i][j + 1][0] + 1, cost[i][j + 1][1]):
                j += 1
                continue
        hits.append(False)
        i += 1
    return hits
