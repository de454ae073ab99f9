"""The "watch" network: scores the experts from a 32x32 thumbnail."""
from __future__ import annotations

from collections.abc import Callable

import torch
from mmocr.registry import MODELS
from torch import nn


@MODELS.register_module()
class WnARouter(nn.Module):
    """Router CNN: backbone -> spatial attention pooling -> L2 norm -> command head.

    The command head is ``Linear(C -> num_experts, no bias)`` followed by an affine-free
    ``BatchNorm1d(num_experts)`` (a stabiliser). The feasibility mask is *not* applied
    here; the routing policy (:class:`~projects.wna.models.routers.WnARoutingPolicy`) does
    that.

    Args:
        backbone: config of a backbone returning a list of maps (WnA: its own
            ``WnAResNet45``, not shared with the experts) or a single map (e.g. an
            MMOCR ``ResNet31OCR``).
        pool: config of the pooling (``WnASpatialAttentionPool``); ``in_channels``
            defaults to the backbone's first output width when it has ``out_channels``.
        feat_channels: width of the pooled feature (the backbone's last map). Taken
            from ``backbone.out_channels`` when omitted.
        num_experts: number of experts scored.

    Shapes: thumbnails ``[N, 3, h, w]`` -> logits ``[N, num_experts]``.
    """

    def __init__(self, backbone: dict, pool: dict | None = None,
                 feat_channels: int | None = None, num_experts: int = 3) -> None:
        super().__init__()
        self.backbone = MODELS.build(backbone)
        widths = getattr(self.backbone, 'out_channels', None)
        pool = dict(type='WnASpatialAttentionPool') if pool is None else dict(pool)
        if widths is not None:
            pool.setdefault('in_channels', widths[0])
        feat_channels = feat_channels or (widths[-1] if widths is not None else None)
        if feat_channels is None:
            raise ValueError('Router: give feat_channels for a backbone without out_channels')
        self.pool = MODELS.build(pool)
        self.command = nn.Sequential(
            nn.Linear(feat_channels, num_experts, bias=False),
            nn.BatchNorm1d(num_experts, affine=False))

    def forward(self, thumbs: torch.Tensor) -> torch.Tensor:
        return self.score(thumbs, self.backbone)

    def score(self, thumbs: torch.Tensor,
              backbone: Callable[[torch.Tensor], list[torch.Tensor] | torch.Tensor]
              ) -> torch.Tensor:
        """Logits with ``backbone`` standing in for the router's own (a test-time path,
        ``WnAFastInference.router``, passes a faster equivalent); maps in reduced
        precision are pooled and scored in float32."""
        maps = backbone(thumbs)
        maps = maps.float() if isinstance(maps, torch.Tensor) else [m.float() for m in maps]
        return self.command(self.pool(maps))
