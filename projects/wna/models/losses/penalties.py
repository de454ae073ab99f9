"""Routing penalties: the detached cost of a (sample, expert) pair that supervises the
router (MODEL.md 8.2)."""
from __future__ import annotations

from collections.abc import Sequence

import editdistance
import torch
from mmocr.registry import MODELS
from torch import nn


def normalised_edit_distance(pred: str, gt: str) -> float:
    """Levenshtein distance on code points of the lower-cased strings, / len(gt)."""
    return editdistance.eval(pred.lower(), gt.lower()) / max(len(gt), 1)


@MODELS.register_module()
class WnALossPenalty(nn.Module):
    """The penalty is the detached per-sample recognition loss (upstream ``loss``).

    Shapes: losses ``[n]`` -> penalties ``[n]``.
    """

    #: Whether :meth:`forward` needs the greedy readings and masked ground truths.
    needs_decode = False

    def forward(self, losses: torch.Tensor, preds: Sequence[str] | None = None,
                gts: Sequence[str] | None = None) -> torch.Tensor:
        return losses.detach()


@MODELS.register_module()
class WnANEDMixPenalty(WnALossPenalty):
    """``scale * clamp(NED(pred, gt), 0, clip) + loss`` (upstream ``nedmix``), with NED
    on lower-cased code points of the greedy reading and the ground truth whose
    characters without a prototype are masked as '⑨'.

    Args:
        clip: NED clamp (0.6).
        scale: NED factor (100).
    """

    needs_decode = True

    def __init__(self, clip: float = 0.6, scale: float = 100.0) -> None:
        super().__init__()
        self.clip, self.scale = clip, scale

    def forward(self, losses: torch.Tensor, preds: Sequence[str] | None = None,
                gts: Sequence[str] | None = None) -> torch.Tensor:
        if preds is None or gts is None:
            raise ValueError('the nedmix penalty needs predictions and masked GTs')
        ned = [min(max(normalised_edit_distance(p, g), 0.0), self.clip)
               for p, g in zip(preds, gts, strict=True)]
        return super().forward(losses) + self.scale * losses.new_tensor(ned)
