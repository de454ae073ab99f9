"""FLOP counts of the WnA components (``torch.utils.flop_counter.FlopCounterMode``).

The counter sees convolutions (transposed ones included) and matrix products (``mm``,
``bmm``, ``addmm``, einsum's ``bmm``), forward and backward, and counts a
multiply-accumulate as 2 FLOPs; element-wise work (norms, activations, resizing,
softmax, the max-merge) is not counted.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
from torch.utils.flop_counter import FlopCounterMode

from projects.wna.models import WnARecognizer


def count_flops(fn: Callable[[], object]) -> int:
    """FLOPs of the operations ``fn`` runs."""
    with FlopCounterMode(display=False) as counter:
        fn()
    return int(counter.get_total_flops())


@torch.inference_mode()
def component_flops(model: WnARecognizer, protos: torch.Tensor, proto_labels: torch.Tensor,
                    num_labels: int, glyph: np.ndarray | torch.Tensor,
                    mean_len: float) -> dict:
    """FLOPs per image of each part of the inference path (eval mode, one image).

    Args:
        model: the recogniser (in eval mode).
        protos: ``[K, C]`` cached test prototypes; ``proto_labels`` ``[K]`` and
            ``num_labels`` as for the classifier.
        glyph: one uint8 glyph ``[1, 32, 32]``.
        mean_len: characters read per image, for ``per_image``.

    Returns:
        ``router`` (one 32x32 thumbnail); per expert ``experts`` (stretch, shared core with
        the expert's norms, temporal branch, length head, attention maps at the expert's
        canvas) and ``decode_step`` (one DTD step plus the classifier against all ``K``
        prototypes); ``glyph_encoder_per_prototype`` (paid once per dictionary, cached);
        ``per_image`` = router + expert + ``mean_len`` decode steps.
    """
    device = model.device
    thumb = torch.zeros(1, 3, 32, 32, device=device)
    result = dict(router=count_flops(lambda: model.router(thumb)), experts={},
                  decode_step={}, per_image={}, mean_len=mean_len,
                  num_prototypes=int(len(protos)),
                  glyph_encoder_per_prototype=count_flops(
                      lambda: model.glyph_encoder(glyph, model.backbone)))
    for name, expert in model.experts.items():
        img = torch.zeros(3, *expert.canvas, dtype=torch.uint8, device=device)
        out = expert([img], model.backbone)
        result['experts'][name] = count_flops(lambda e=expert, i=img: e([i], model.backbone))
        result['decode_step'][name] = count_flops(lambda o=out: model.classifier(
            o.step_features(1), protos, proto_labels, num_labels))
        result['per_image'][name] = (result['router'] + result['experts'][name]
                                     + mean_len * result['decode_step'][name])
    return result
