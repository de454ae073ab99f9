"""Open-set prototype classifier with an UNK logit, and greedy decoding."""
from __future__ import annotations

import torch
from mmocr.registry import MODELS
from torch import nn


def max_merge(scores: torch.Tensor, proto_labels: torch.Tensor, num_labels: int) -> torch.Tensor:
    """Per label, the maximum score over the prototypes carrying it.

    Args:
        scores: ``[..., K]`` prototype scores.
        proto_labels: int64 ``[K]`` label of each prototype (``0..num_labels-1``, every
            label used at least once).
        num_labels: ``L``.

    Returns:
        ``[..., L]``.
    """
    out = scores.new_full((*scores.shape[:-1], num_labels), float('-inf'))
    index = proto_labels.expand_as(scores)
    return out.scatter_reduce(-1, index, scores, reduce='amax', include_self=False)


@MODELS.register_module()
class WnAOpenSetClassifier(nn.Module):
    """Dot products with unit-norm prototypes, max-merged per label, plus an UNK logit.

    ``s_k = <f, p_k>`` (``f`` not normalised); ``logit_l = max_{k: label k = l} s_k``;
    ``s_UNK = tau * ||f||`` with a learnable scalar ``tau`` (init ``tau_init``). A
    character is rejected when its best cosine similarity is below ``tau``.

    Shapes: features ``[..., C]``, prototypes ``[K, C]``, labels ``[K]`` ->
    logits ``[..., L + 1]`` (UNK last). Always computed in float32 (also under autocast):
    the matching and the UNK logit decide the reading.
    """

    def __init__(self, tau_init: float = 0.0) -> None:
        super().__init__()
        self.tau = nn.Parameter(torch.full((1, ), float(tau_init)))

    def forward(self, feats: torch.Tensor, protos: torch.Tensor, proto_labels: torch.Tensor,
                num_labels: int) -> torch.Tensor:
        with torch.autocast(feats.device.type, enabled=False):
            feats, protos = feats.float(), protos.float()
            merged = max_merge(feats @ protos.t(), proto_labels, num_labels)
            unk = self.tau * feats.norm(dim=-1, keepdim=True)
            return torch.cat([merged, unk], dim=-1)


def greedy_decode(logits: torch.Tensor, lengths: torch.Tensor, skip_label0: bool = False
                  ) -> tuple[list[list[int]], list[list[float]]]:
    """Greedy labels and their softmax probabilities for the first ``lengths[i]`` steps.

    Args:
        logits: ``[n, S, L + 1]`` step logits.
        lengths: ``[n]`` number of characters to read per sample (clipped to ``S``).
        skip_label0: drop every step whose label is 0, as upstream's decoder does (its
            label 0 was once an end-of-sequence token; MODEL.md 13, quirk 1).

    Returns:
        per sample, the label ids and their probabilities.
    """
    probs, labels = logits.detach().softmax(dim=-1).max(dim=-1)
    lengths = lengths.clamp(0, logits.shape[1]).tolist()
    labels, probs = labels.tolist(), probs.tolist()
    pairs = [list(zip(lab[:n], p[:n])) for lab, p, n in zip(labels, probs, lengths)]
    if skip_label0:
        pairs = [[(lab, p) for lab, p in steps if lab != 0] for steps in pairs]
    return [[lab for lab, _ in steps] for steps in pairs], [[p for _, p in steps]
                                                           for steps in pairs]


def packed_greedy_labels(logits: torch.Tensor, lengths: torch.Tensor) -> list[list[int]]:
    """Upstream's decode for the training NED penalty, misalignment included (MODEL.md
    8.2 and 13, quirk 9).

    Upstream packs each sample's step rows capped at the ``S`` steps computed, but then
    slices the packed rows with the *uncapped* predicted lengths from a buffer of
    ``sum(lengths)`` rows whose tail is zero: once a sample's length exceeds ``S``, every
    later sample reads its neighbours' rows or zero rows (label 0). Label 0 is dropped,
    as upstream's decoder does.

    Args:
        logits: ``[n, S, L + 1]`` step logits.
        lengths: ``[n]`` predicted lengths (not clipped).

    Returns:
        per sample, the label ids.
    """
    logits = logits.detach()
    steps = torch.arange(logits.shape[1], device=logits.device)
    packed = logits[steps < lengths.clamp(max=logits.shape[1])[:, None]]
    rows = packed.new_zeros((int(lengths.sum()), logits.shape[2]))
    rows[:len(packed)] = packed
    labels = rows.argmax(dim=-1).split(lengths.tolist())
    return [[lab for lab in sample.tolist() if lab != 0] for sample in labels]
