"""Which ground-truth characters a prediction reads: an edit-distance alignment."""
from __future__ import annotations

from collections.abc import Sequence


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
