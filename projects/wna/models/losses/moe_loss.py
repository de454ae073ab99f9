"""WnA's whole training objective: per-sample recognition losses, routing penalties, OHEM,
router-weighted expert losses and the router loss (MODEL.md 8)."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import NamedTuple

import torch
from mmocr.registry import MODELS
from torch import nn

from ..heads import LabelSpace, greedy_decode, packed_greedy_labels


class ExpertLogits(NamedTuple):
    """What one expert produced for the samples routed to it during training.

    Attributes:
        indices: the ``n`` batch indices of those samples.
        len_logits: ``[n, max_len + 1]`` length logits.
        step_logits: ``[n, S, L + 1]`` classifier logits of the first ``S`` steps (``S``
            = the longest target among them).
    """
    indices: list[int]
    len_logits: torch.Tensor
    step_logits: torch.Tensor


#: WnA-S's parts (MODEL.md 8): the defaults of :class:`WnAMoELoss`.
RECOGNITION = dict(type='WnARecognitionLoss')
ROUTE = dict(type='WnAImitationRouteLoss')
PENALTY = dict(type='WnANEDMixPenalty', clip=0.6, scale=100.0)
MINING = dict(type='WnAOHEM', fraction=0.1, weighted=True)

Part = dict | nn.Module


def _build(part: Part | None) -> nn.Module | None:
    return part if part is None or isinstance(part, nn.Module) else MODELS.build(part)


@MODELS.register_module()
class WnAMoELoss(nn.Module):
    """The WnA objective, assembled from registered parts.

    For every expert ``e`` and the samples routed to it: per-sample recognition losses
    ``l`` (``recognition``), their detached routing penalties ``c`` (``penalty``, which
    may read the greedy decodes), and the expert loss ``mean(w * l)`` with the router's
    detached probabilities ``w = pi(e | x)``, zeroed for the samples ``mining`` picks
    (OHEM; ``None``: no mining). The router loss (``route``) reads the penalties of
    every evaluated (sample, expert) pair.

    Each part is a config (or a built module); the defaults are WnA-S's.

    Args:
        recognition: the per-sample loss (``WnARecognitionLoss``).
        route: router loss, ``WnAImitationRouteLoss`` (aroute) or
            ``WnAPolicyGradientRouteLoss`` (pgroute).
        penalty: ``WnALossPenalty`` (loss) or ``WnANEDMixPenalty`` (nedmix).
        mining: ``WnAOHEM`` (``weighted=True``: ohem01E, else ohem01) or ``None``.

    Returns (:meth:`forward`): ``loss_<expert>`` for every expert (0 for one that got no
    sample) and ``loss_route``, plus the diagnostics ``<expert>_share`` (fraction of the
    batch routed to it), ``<expert>_penalty`` (mean penalty) and
    ``<expert>_ohem_dropped`` (samples zeroed by mining).
    """

    def __init__(self,
                 recognition: Part = RECOGNITION,
                 route: Part = ROUTE,
                 penalty: Part = PENALTY,
                 mining: Part | None = MINING) -> None:
        super().__init__()
        self.recognition = _build(recognition)
        self.route = _build(route)
        self.penalty = _build(penalty)
        self.mining = _build(mining)

    def expert_loss(self, losses: torch.Tensor, route_log_probs: torch.Tensor
                    ) -> tuple[torch.Tensor, int]:
        """Mean over the routed set of ``w * loss`` with ``w = exp(detached log pi)``
        after mining; returns the loss and the number of samples mining zeroed."""
        weights = route_log_probs.detach().exp()
        mined = weights if self.mining is None else self.mining(losses, weights)
        dropped = int((mined == 0).sum()) - int((weights == 0).sum())
        return (mined * losses).sum() / len(losses), dropped

    @staticmethod
    def penalty_readings(logits: ExpertLogits, space: LabelSpace,
                         upstream_compat: bool = False) -> list[str]:
        """The greedy readings with predicted lengths that the NED penalty compares with
        the ground truth (under ``no_grad``; at most the ``S`` steps computed). With
        ``upstream_compat`` they are read as upstream does: misaligned packed rows and no
        label 0 (:func:`~projects.wna.models.heads.packed_greedy_labels`)."""
        lengths = logits.len_logits.detach().argmax(dim=1)
        if upstream_compat:
            labels = packed_greedy_labels(logits.step_logits, lengths)
        else:
            labels, _ = greedy_decode(logits.step_logits, lengths)
        return [space.decode(lab) for lab in labels]

    def forward(self, route_logits: torch.Tensor, routed: torch.Tensor,
                experts: Mapping[str, ExpertLogits], targets: Sequence[Sequence[int]],
                texts: Sequence[str], space: LabelSpace, expert_names: Sequence[str],
                upstream_compat: bool = False) -> dict[str, torch.Tensor]:
        """The losses of one training batch.

        Args:
            route_logits: ``[N, E]`` router logits (experts in ``expert_names`` order).
            routed: bool ``[N, E]``, the (sample, expert) pairs evaluated.
            experts: per expert that got samples, its :class:`ExpertLogits`.
            targets: the ``N`` label sequences in ``space``.
            texts: the ``N`` ground-truth strings.
            space: the batch's label space (prototypes sampled for it).
            expert_names: every expert, in router order.
            upstream_compat: read the penalty decodes as upstream does
                (:meth:`penalty_readings`).

        Computed in float32, also when the forward pass ran under autocast.
        """
        with torch.autocast(route_logits.device.type, enabled=False):
            experts = {name: out._replace(len_logits=out.len_logits.float(),
                                          step_logits=out.step_logits.float())
                       for name, out in experts.items()}
            return self._losses(route_logits.float(), routed, experts, targets, texts, space,
                                expert_names, upstream_compat)

    def _losses(self, route_logits: torch.Tensor, routed: torch.Tensor,
                experts: Mapping[str, ExpertLogits], targets: Sequence[Sequence[int]],
                texts: Sequence[str], space: LabelSpace, expert_names: Sequence[str],
                upstream_compat: bool) -> dict[str, torch.Tensor]:
        num = route_logits.shape[0]
        log_probs = route_logits.log_softmax(dim=1)
        penalties = route_logits.new_zeros(route_logits.shape)
        results: dict[str, torch.Tensor] = {}
        for name, logits in experts.items():
            idx, e = logits.indices, list(expert_names).index(name)
            per_sample = self.recognition(logits.len_logits, logits.step_logits,
                                          [targets[i] for i in idx])
            preds = (self.penalty_readings(logits, space, upstream_compat)
                     if self.penalty.needs_decode else None)
            penalties[idx, e] = self.penalty(per_sample, preds,
                                             [space.mask_text(texts[i]) for i in idx])
            loss, dropped = self.expert_loss(per_sample, log_probs[idx, e])
            results[f'loss_{name}'] = loss
            results[f'{name}_share'] = route_logits.new_tensor(len(idx) / num)
            results[f'{name}_penalty'] = penalties[idx, e].mean().detach()
            results[f'{name}_ohem_dropped'] = route_logits.new_tensor(float(dropped))
        for name in expert_names:
            results.setdefault(f'loss_{name}', route_logits.new_zeros(()))
        results['loss_route'] = self.route(route_logits, penalties,
                                           routed.to(route_logits.device))
        return results
