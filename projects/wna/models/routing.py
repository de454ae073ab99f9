"""Expert feasibility ("human filters") and action selection for the WnA router."""
from __future__ import annotations

from collections.abc import Sequence

import torch
from mmocr.registry import TASK_UTILS

#: Masked-logit value of an infeasible expert.
MASKED_LOGIT = -1e9


@TASK_UTILS.register_module(name='WnARoutingPolicy')
class RoutingPolicy:
    """Decides which experts may, and which do, process each sample.

    Args:
        ar_ranges: closed ``[min, max]`` aspect-ratio (W/H) range per expert.
        anchors: anchor aspect ratio per expert (used by ``rule_based``).
        len_range: closed ``[min, max]`` label length (code points) accepted at training.
        rule_based: keep only the expert whose anchor is closest to the sample's AR
            (ratio ``max(ar, a) / min(ar, a)``, ties to the earlier expert), at training
            and test; the router then has no influence.

    With the WnA defaults (hori, vert, rect): AR > 3 -> {hori}; 1 < AR <= 3 -> {hori,
    rect}; AR = 1 -> all; 0.3 <= AR < 1 -> {vert, rect}; AR < 0.3 -> {vert}.
    """

    def __init__(self,
                 ar_ranges: Sequence[Sequence[float]] = ((1, 9999), (-9999, 1), (0.3, 3)),
                 anchors: Sequence[float] = (4, 0.25, 1),
                 len_range: Sequence[int] = (1, 32),
                 rule_based: bool = False) -> None:
        if len(ar_ranges) != len(anchors):
            raise ValueError('ar_ranges and anchors need one entry per expert')
        self.ar_ranges = torch.tensor(ar_ranges, dtype=torch.float64)
        self.anchors = torch.tensor(anchors, dtype=torch.float64)
        self.len_range = tuple(len_range)
        self.rule_based = rule_based

    @property
    def num_experts(self) -> int:
        return len(self.anchors)

    def feasible(self, ar: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        """Bool mask ``[N, E]`` of allowed experts.

        Args:
            ar: ``[N]`` aspect ratios W/H (computed in float64 from the pixel sizes).
            lengths: ``[N]`` label lengths in code points (training only).
        """
        ar = ar.to(torch.float64).reshape(-1, 1)
        ranges = self.ar_ranges.to(ar.device)
        mask = (ar >= ranges[:, 0]) & (ar <= ranges[:, 1])
        if lengths is not None:
            lengths = lengths.reshape(-1, 1).to(ar.device)
            mask &= (lengths >= self.len_range[0]) & (lengths <= self.len_range[1])
        if self.rule_based:
            mask = self._closest_anchor(ar, mask)
        return mask

    def test_mask(self, ar: torch.Tensor) -> torch.Tensor:
        """:meth:`feasible` without the length filter; a sample that fits no expert's
        range (AR beyond +-9999, or a non-finite AR) falls back to the closest anchor
        among all experts, so that every test image gets a prediction."""
        mask = self.feasible(ar)
        empty = ~mask.any(dim=1)
        if empty.any():
            ar64 = ar.to(torch.float64).reshape(-1, 1)[empty].nan_to_num(1.0)
            mask[empty] = self._closest_anchor(ar64, torch.ones_like(mask[empty]))
        return mask

    def _closest_anchor(self, ar: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        anchors = self.anchors.to(ar.device)
        ratio = torch.maximum(ar, anchors) / torch.minimum(ar, anchors)
        ratio = ratio.masked_fill(~mask, float('inf'))
        best = ratio.argmin(dim=1)  # first minimum: ties go to the earlier expert
        keep = torch.zeros_like(mask)
        keep[torch.arange(len(best), device=mask.device), best] = True
        return keep & mask

    def select(self, logits: torch.Tensor, mask: torch.Tensor,
               k: int | None = None) -> torch.Tensor:
        """Bool ``[N, E]``: the top-``k`` feasible experts by logit (all feasible ones
        when ``k`` is None). Rows without a feasible expert select nothing."""
        if k is None or k >= mask.shape[1]:
            return mask.clone()
        masked = logits.detach().masked_fill(~mask, MASKED_LOGIT)
        top = masked.topk(k, dim=1).indices
        chosen = torch.zeros_like(mask)
        chosen.scatter_(1, top, True)
        return chosen & mask
