"""WnA training objectives: per-sample recognition loss, routing penalties, OHEM,
router-weighted expert losses and the router losses (aroute / pgroute); MODEL.md 8."""
from __future__ import annotations

from collections.abc import Sequence

import editdistance
import torch
import torch.nn.functional as F
from mmocr.registry import MODELS
from torch import nn

#: Penalty of a (sample, expert) pair that was not evaluated (aroute).
NOT_ROUTED = 9999.0
OHEM_MODES = ('none', 'ohem01', 'ohem01E')


def per_sample_recognition_loss(len_logits: torch.Tensor, len_targets: torch.Tensor,
                                char_logits: torch.Tensor, char_targets: torch.Tensor,
                                sample_index: torch.Tensor) -> torch.Tensor:
    """``CE(length) + mean_t CE(char_t)`` per sample.

    Args:
        len_logits: ``[n, max_len + 1]``; len_targets: int64 ``[n]``.
        char_logits: ``[M, L + 1]`` logits of the ``M`` GT characters of the batch;
        char_targets: int64 ``[M]``; sample_index: int64 ``[M]`` owning sample
            (every sample owns at least one character).

    Returns:
        ``[n]`` losses.
    """
    length = F.cross_entropy(len_logits, len_targets, reduction='none')
    chars = F.cross_entropy(char_logits, char_targets, reduction='none')
    per_sample = chars.new_zeros(len(len_targets)).scatter_reduce(
        0, sample_index, chars, reduce='mean', include_self=False)
    return length + per_sample


def normalised_edit_distance(pred: str, gt: str) -> float:
    """Levenshtein distance on code points of the lower-cased strings, / len(gt)."""
    return editdistance.eval(pred.lower(), gt.lower()) / max(len(gt), 1)


def ohem_weights(losses: torch.Tensor, weights: torch.Tensor, mode: str,
                 fraction: float = 0.1) -> torch.Tensor:
    """Zero the expert-loss weights of mined samples (under ``no_grad``).

    ``k = floor(fraction * n)``. ``ohem01``: the ``k`` largest losses; ``ohem01E``: also
    the ``k`` largest ``loss * weight`` with the original weights (the two sets may
    overlap, so 10-20% are dropped); ``none``: unchanged.
    """
    if mode not in OHEM_MODES:
        raise ValueError(f'unknown OHEM mode {mode!r}')
    k = int(fraction * len(losses))
    if mode == 'none' or k == 0:
        return weights
    with torch.no_grad():
        losses = losses.detach()
        out = weights.detach().clone()
        weighted = losses * out
        out[losses.topk(k).indices] = 0
        if mode == 'ohem01E':
            out[weighted.topk(k).indices] = 0
    return out


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


@MODELS.register_module(name='WnAMoELoss')
class MoELoss(nn.Module):
    """The configurable parts of WnA's objective.

    Args:
        route: router loss, ``'aroute'`` (also used by rule-based routing) or
            ``'pgroute'``.
        penalty: routing cost, ``'loss'`` (detached per-sample loss) or ``'nedmix'``
            (``100 * clamp(NED, 0, ned_clip) + loss``).
        ohem: expert-loss mining, ``'none'``, ``'ohem01'`` or ``'ohem01E'``.
        ohem_fraction: fraction mined per criterion (0.1).
        ned_clip: NED clamp (0.6); ned_scale: NED factor (100).
    """

    def __init__(self, route: str = 'aroute', penalty: str = 'nedmix', ohem: str = 'ohem01E',
                 ohem_fraction: float = 0.1, ned_clip: float = 0.6,
                 ned_scale: float = 100.0) -> None:
        super().__init__()
        if route not in ('aroute', 'pgroute'):
            raise ValueError(f'unknown router loss {route!r}')
        if penalty not in ('loss', 'nedmix'):
            raise ValueError(f'unknown penalty {penalty!r}')
        if ohem not in OHEM_MODES:
            raise ValueError(f'unknown OHEM mode {ohem!r}')
        self.route, self.penalty_mode, self.ohem = route, penalty, ohem
        self.ohem_fraction, self.ned_clip, self.ned_scale = ohem_fraction, ned_clip, ned_scale

    @property
    def needs_decode(self) -> bool:
        """Whether :meth:`penalty` needs greedy decodes."""
        return self.penalty_mode == 'nedmix'

    def penalty(self, losses: torch.Tensor, preds: Sequence[str] | None = None,
                gts: Sequence[str] | None = None) -> torch.Tensor:
        """Detached per-sample routing cost ``[n]``."""
        cost = losses.detach()
        if self.penalty_mode == 'nedmix':
            if preds is None or gts is None:
                raise ValueError('the nedmix penalty needs predictions and masked GTs')
            ned = [min(max(normalised_edit_distance(p, g), 0.0), self.ned_clip)
                   for p, g in zip(preds, gts, strict=True)]
            cost = cost + self.ned_scale * cost.new_tensor(ned)
        return cost

    def expert_loss(self, losses: torch.Tensor, route_log_probs: torch.Tensor
                    ) -> tuple[torch.Tensor, int]:
        """Mean over the routed set of ``w * loss`` with ``w = exp(detached log pi)``
        after OHEM; returns the loss and the number of zero-weighted samples."""
        weights = route_log_probs.detach().exp()
        mined = ohem_weights(losses, weights, self.ohem, self.ohem_fraction)
        dropped = int((mined == 0).sum()) - int((weights == 0).sum())
        return (mined * losses).sum() / len(losses), dropped

    def route_loss(self, logits: torch.Tensor, penalties: torch.Tensor,
                   routed: torch.Tensor) -> torch.Tensor:
        """Router loss from ``[N, E]`` logits, detached penalties and the routed mask."""
        if self.route == 'aroute':
            return aroute_loss(logits, penalties, routed)
        return pgroute_loss(logits.log_softmax(dim=1), penalties, routed)
