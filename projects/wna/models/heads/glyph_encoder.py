"""Glyph (prototype) encoder: glyph images -> unit-norm class prototypes."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial

import numpy as np
import torch
from mmocr.registry import MODELS
from torch import nn

from ..backbones import WnAResNet45Core, WnAResNet45Norms
from ..layers import normalise_pixels


def glyphs_to_tensor(glyphs: np.ndarray | torch.Tensor,
                     device: torch.device | str | None = None) -> torch.Tensor:
    """uint8 ``[K, h, w]`` glyphs -> normalised float ``[K, 3, h, w]`` (channel repeated)."""
    g = torch.as_tensor(glyphs, device=device)
    if g.dim() != 3:
        raise ValueError(f'glyphs must be [K, h, w], got {tuple(g.shape)}')
    return normalise_pixels(g).unsqueeze(1).expand(-1, 3, -1, -1)


@MODELS.register_module()
class WnAGlyphEncoder(nn.Module):
    """Encodes glyph images with the shared core, its own affine-free norms and its own
    spatial attention pooling (trained end to end, no detach).

    Args:
        arch: the shared core's architecture (``WnAResNet45Core.arch``); set by the
            recogniser.
        feat_channels: widths of the core's maps; set by the recogniser.
        pool: ``WnASpatialAttentionPool`` config; ``in_channels`` defaults to the first
            map's width.

    Shapes: uint8 glyphs ``[K, 32, 32]`` -> prototypes ``[K, C]`` (unit norm).
    """

    def __init__(self, arch: dict, feat_channels: Sequence[int],
                 pool: dict | None = None) -> None:
        super().__init__()
        self.norms = WnAResNet45Norms(**arch)
        pool = dict(type='WnASpatialAttentionPool') if pool is None else dict(pool)
        pool.setdefault('in_channels', feat_channels[0])
        self.pool = MODELS.build(pool)

    def forward(self, glyphs: np.ndarray | torch.Tensor, core: WnAResNet45Core) -> torch.Tensor:
        return self.encode(glyphs, partial(core, norms=self.norms))

    def encode(self, glyphs: np.ndarray | torch.Tensor,
               backbone: Callable[[torch.Tensor], list[torch.Tensor]]) -> torch.Tensor:
        """Encode with ``backbone`` (glyph images -> the core's maps under this encoder's
        norms) standing in for its own, e.g. ``WnAFastInference.backbone``; maps in
        reduced precision are pooled in float32."""
        maps = backbone(glyphs_to_tensor(glyphs, self.pool.pos.device))
        return self.pool([m.float() for m in maps])

    def encode_chunked(self, glyphs: np.ndarray,
                       backbone: Callable[[torch.Tensor], list[torch.Tensor]],
                       chunk: int = 256) -> torch.Tensor:
        """Encode many glyphs in chunks with ``backbone`` (as :meth:`encode`; call in
        eval mode, under ``no_grad``)."""
        if len(glyphs) == 0:
            raise ValueError('cannot encode an empty glyph set')
        return torch.cat([self.encode(glyphs[i:i + chunk], backbone)
                          for i in range(0, len(glyphs), chunk)])
