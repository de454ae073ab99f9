"""Router losses (MODEL.md 8.4): imitation of the best evaluated expert (upstream
``aroute``) and REINFORCE (upstream ``pgroute``)."""
from __future__ import annotations

import torch
import torch.nn.functional as F
from mmocr.registry import MODELS
from torch import nn

#: Penalty of a (sample, expert) pair that was not evaluated (aroute).
NOT_ROUTED = 9999.0


def aroute_loss(logits: torch.Tensor, penalties: torch.Tensor,
                routed: torch.Tensor) -> torch.Tensor:
    """Router supervised to the lowest-penalty evaluated expert.

    ``P = penalty`` where routed else 9999; ``y = argmin P``; ``v = [min P < 9999]``;
    ``L = sum_i (v_i / sum v + 1e-6) * CE(z_i, y_i)`` (CE over all experts).
    """
    table = torch.where(routed, penalties.detach(), torch.full_like(penalties, NOT_ROUTED))
    best, target = table.min(dim=1)
    valid = (best < NOT_ROUTED).float()
    weight = valid / valid.sum().clamp(min=1) + 1e-6
    return (weight * F.cross_entropy(logits, target, reduction='none')).sum()


def pgroute_loss(log_probs: torch.Tensor, penalties: torch.Tensor,
                 routed: torch.Tensor) -> torch.Tensor:
    """REINFORCE without baseline: ``sum_(i,e routed) c_ie * log pi(e|x_i) / N``."""
    terms = torch.where(routed, penalties.detach() * log_probs, torch.zeros_like(log_probs))
    return terms.sum() / log_probs.shape[0]


@MODELS.register_module()
class WnAImitationRouteLoss(nn.Module):
    """:func:`aroute_loss` (also used with rule-based routing, where it teaches the
    router the rule).

    Shapes: logits ``[N, E]``, penalties ``[N, E]``, bool routed ``[N, E]`` -> scalar.
    """

    def forward(self, logits: torch.Tensor, penalties: torch.Tensor,
                routed: torch.Tensor) -> torch.Tensor:
        return aroute_loss(logits, penalties, routed)


@MODELS.register_module()
class WnAPolicyGradientRouteLoss(nn.Module):
    """:func:`pgroute_loss` on the log-softmax of the router logits.

    Args:
        detach_log_probs: compute the loss on detached log-probabilities, so that no
            gradient reaches the router, which keeps its initial weights (its BatchNorm
            statistics still move). This is what upstream's pgroute runs do (two
            arguments of its routing-agent factory are swapped; MODEL.md 8.3) and so what
            the paper's R1, R1-S, R2 and R2-S rows measure; the paper's configs set it.
            ``False`` (the default) trains the router by policy gradient as the formula
            intends.

    Shapes: logits ``[N, E]``, penalties ``[N, E]``, bool routed ``[N, E]`` -> scalar.
    """

    def __init__(self, detach_log_probs: bool = False) -> None:
        super().__init__()
        self.detach_log_probs = detach_log_probs

    def forward(self, logits: torch.Tensor, penalties: torch.Tensor,
                routed: torch.Tensor) -> torch.Tensor:
        log_probs = logits.log_softmax(dim=1)
        if self.detach_log_probs:
            log_probs = log_probs.detach()
        return pgroute_loss(log_probs, penalties, routed)
