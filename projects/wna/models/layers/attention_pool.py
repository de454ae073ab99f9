"""Spatial attention pooling of a multi-scale feature pyramid into one unit vector."""
from __future__ import annotations

import torch
import torch.nn.functional as F
from mmocr.registry import MODELS
from torch import nn


@MODELS.register_module()
class WnASpatialAttentionPool(nn.Module):
    """Attention-weighted mean of the last feature map, L2-normalised.

    The attention map is predicted from the *first* map, area-resized to the last map's
    size and concatenated with a learned positional grid:
    conv3x3 -> ReLU -> BatchNorm2d -> conv1x1 -> sigmoid. WnA uses one for the router
    and one for the glyph encoder (91,521 parameters each at the paper widths).

    Args:
        in_channels: channels of the first map (64 in WnA).
        pos_channels: channels of the positional grid (32).
        pos_size: side of the square positional grid (16).

    Shapes: ``maps`` is a list whose first element is ``[N, in_channels, h0, w0]`` and
    last ``[N, C, h, w]`` (a single tensor is both); output ``[N, C]`` (unit norm).
    """

    def __init__(self, in_channels: int = 64, pos_channels: int = 32,
                 pos_size: int = 16) -> None:
        super().__init__()
        self.pos = nn.Parameter(torch.rand(1, pos_channels, pos_size, pos_size) * 2 - 1)
        ch = in_channels + pos_channels
        self.score = nn.Sequential(
            nn.Conv2d(ch, ch, 3, 1, 1), nn.ReLU(), nn.BatchNorm2d(ch), nn.Conv2d(ch, 1, 1),
            nn.Sigmoid())

    def attention(self, maps: list[torch.Tensor] | torch.Tensor) -> torch.Tensor:
        """The attention map ``[N, 1, h, w]`` on the last map's grid."""
        if isinstance(maps, torch.Tensor):
            maps = [maps]
        x, last = maps[0], maps[-1]
        if x.shape[-2:] != last.shape[-2:]:
            x = F.interpolate(x, size=last.shape[-2:], mode='area')
        pos = F.interpolate(self.pos, size=last.shape[-2:], mode='bilinear')
        return self.score(torch.cat([x, pos.expand(x.shape[0], -1, -1, -1)], dim=1))

    def forward(self, maps: list[torch.Tensor] | torch.Tensor) -> torch.Tensor:
        last = maps if isinstance(maps, torch.Tensor) else maps[-1]
        att = self.attention(maps)
        pooled = (att * last).sum(dim=(2, 3)) / att.sum(dim=(2, 3))
        return F.normalize(pooled, dim=-1)
