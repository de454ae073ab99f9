"""Online hard example mining of the expert losses (MODEL.md 8.3)."""
from __future__ import annotations

import torch
from mmocr.registry import MODELS
from torch import nn


@MODELS.register_module()
class WnAOHEM(nn.Module):
    """Zeroes the expert-loss weights of mined samples (no gradient).

    With ``k = floor(fraction * n)``: the ``k`` largest losses (upstream ``ohem01``) and,
    when ``weighted``, also the ``k`` largest ``loss * weight`` with the original weights
    (``ohem01E``; the two sets may overlap, so 10-20 % are dropped).

    Args:
        fraction: share mined per criterion (0.1), in ``[0, 1]``.
        weighted: add the weighted-loss criterion.

    Shapes: losses ``[n]``, weights ``[n]`` -> weights ``[n]`` (detached).
    """

    def __init__(self, fraction: float = 0.1, weighted: bool = False) -> None:
        super().__init__()
        if not 0 <= fraction <= 1:
            raise ValueError(f'the OHEM fraction must be in [0, 1], got {fraction}')
        self.fraction, self.weighted = fraction, weighted

    @torch.no_grad()
    def forward(self, losses: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
        k = int(self.fraction * len(losses))
        if k == 0:
            return weights
        losses = losses.detach()
        out = weights.detach().clone()
        weighted = losses * out
        out[losses.topk(k).indices] = 0
        if self.weighted:
            out[weighted.topk(k).indices] = 0
        return out
