"""Routing policies: which experts may process a sample ("human filters") and which do.

A routing policy is the contract between the recognizer and the router. Every policy
derives from :class:`WnARoutingPolicy` and provides

* :meth:`~WnARoutingPolicy.feasible`: the experts allowed for each sample (training
  also filters by label length);
* :meth:`~WnARoutingPolicy.test_mask`: the same at test time, never empty;
* :meth:`~WnARoutingPolicy.select`: the top-``k`` feasible experts by router logit;
* :meth:`~WnARoutingPolicy.test_logits`: the expert scores at test time, from the
  router or without it.

A new policy subclasses :class:`WnARoutingPolicy`, overrides what it decides
differently and registers into ``TASK_UTILS``; configs select it with
``model.routing.type``.
"""
from __future__ import annotations

import math
from abc import ABCMeta, abstractmethod
from collections.abc import Callable, Sequence

import torch
from mmocr.registry import TASK_UTILS

#: Masked-logit value of an infeasible expert.
MASKED_LOGIT = -1e9


class WnARoutingPolicy(metaclass=ABCMeta):
    """Aspect-ratio feasibility and top-``k`` selection shared by every policy.

    Args:
        ar_ranges: closed ``[min, max]`` aspect-ratio (W/H) range per expert.
        anchors: anchor aspect ratio per expert (for the closest-anchor rule).
        len_range: closed ``[min, max]`` label length (code points) accepted at training.

    With the WnA defaults (hori, vert, rect): AR > 3 -> {hori}; 1 < AR <= 3 -> {hori,
    rect}; AR = 1 -> all; 0.3 <= AR < 1 -> {vert, rect}; AR < 0.3 -> {vert}.
    """

    def __init__(self,
                 ar_ranges: Sequence[Sequence[float]] = ((1, 9999), (-9999, 1), (0.3, 3)),
                 anchors: Sequence[float] = (4, 0.25, 1),
                 len_range: Sequence[int] = (1, 32)) -> None:
        if len(ar_ranges) != len(anchors):
            raise ValueError('ar_ranges and anchors need one entry per expert')
        self.ar_ranges = torch.tensor(ar_ranges, dtype=torch.float64)
        self.anchors = torch.tensor(anchors, dtype=torch.float64)
        self.len_range = tuple(len_range)

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
        """Keep, per row of ``mask``, only the allowed expert whose anchor is closest to
        the AR (ratio ``max(ar, a) / min(ar, a)``; ties go to the earlier expert)."""
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

    @abstractmethod
    def test_logits(self, router: Callable[[torch.Tensor], torch.Tensor],
                    thumbs: torch.Tensor,
                    mask: torch.Tensor) -> torch.Tensor:
        """Expert scores ``[N, E]`` at test time for the thumbnails ``[N, 3, 32, 32]``
        and the :meth:`test_mask` ``mask``; the best feasible one is chosen."""


@TASK_UTILS.register_module()
class WnALearnedRouting(WnARoutingPolicy):
    """WnA's routing: the router scores the experts among the feasible ones (training
    evaluates every feasible expert; test picks the router's best feasible one)."""

    def test_logits(self, router: Callable[[torch.Tensor], torch.Tensor],
                    thumbs: torch.Tensor,
                    mask: torch.Tensor) -> torch.Tensor:
        return router(thumbs)


@TASK_UTILS.register_module()
class WnARuleBasedRouting(WnARoutingPolicy):
    """The closest-anchor rule (the paper's BASE ablations): only the expert whose
    anchor is closest to the sample's AR is feasible, at training and test, so the
    router has no influence; at test it is not run (its logits are 0 for the rule's
    expert and -inf elsewhere). Training still supervises the router (aroute) to
    imitate the rule."""

    def feasible(self, ar: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        mask = super().feasible(ar, lengths)
        return self._closest_anchor(ar.to(torch.float64).reshape(-1, 1), mask)

    def test_logits(self, router: Callable[[torch.Tensor], torch.Tensor],
                    thumbs: torch.Tensor,
                    mask: torch.Tensor) -> torch.Tensor:
        return torch.zeros(mask.shape, device=mask.device).masked_fill(~mask, -math.inf)
