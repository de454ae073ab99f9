"""The per-sample recognition loss: length cross-entropy plus mean character cross-entropy."""
from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from mmocr.registry import MODELS
from torch import nn


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


@MODELS.register_module()
class WnARecognitionLoss(nn.Module):
    """WnA's per-sample recognition loss (MODEL.md 8.1) from an expert's logits.

    Shapes: length logits ``[n, max_len + 1]``, step logits ``[n, S, L + 1]`` (``S`` at
    least the longest target), ``n`` label sequences of 1..S labels -> losses ``[n]``.
    """

    def forward(self, len_logits: torch.Tensor, step_logits: torch.Tensor,
                targets: Sequence[Sequence[int]]) -> torch.Tensor:
        device = step_logits.device
        lengths = torch.tensor([len(t) for t in targets], device=device)
        valid = torch.arange(step_logits.shape[1], device=device) < lengths[:, None]
        return per_sample_recognition_loss(
            len_logits, lengths, step_logits[valid],
            torch.tensor([c for t in targets for c in t], device=device),
            valid.nonzero()[:, 0])
