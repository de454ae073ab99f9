"""The expert's temporal branch: spatial embedding, FPN and the CAM U-Net (DAN style)."""
from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from mmocr.registry import MODELS
from torch import nn

#: Positional-grid shapes (H, W) of WnA's three scales. They are declared transposed with
#: respect to the 32x128 reference maps (16x64, 8x32, 8x32); kept for parameter parity.
DEFAULT_GRID_SIZES = ((64, 16), (32, 8), (32, 8))


@MODELS.register_module()
class WnASpatialEmbedding(nn.Module):
    """Appends a learned positional grid (U(-1, 1) init, bilinearly resized) to each map.

    Args:
        num_maps: number of maps.
        channels: grid channels per map (32 in WnA; "SE" = spatial embedding).
        grid_sizes: declared (H, W) of each grid.

    Shapes: list of ``[N, C_i, h_i, w_i]`` -> list of ``[N, C_i + channels, h_i, w_i]``.
    """

    def __init__(self, num_maps: int = 3, channels: int = 32,
                 grid_sizes: Sequence[Sequence[int]] = DEFAULT_GRID_SIZES) -> None:
        super().__init__()
        if len(grid_sizes) != num_maps:
            raise ValueError(f'need {num_maps} grid sizes, got {len(grid_sizes)}')
        self.grids = nn.ParameterList(
            nn.Parameter(torch.rand(1, channels, h, w) * 2 - 1) for h, w in grid_sizes)

    def forward(self, maps: Sequence[torch.Tensor]) -> list[torch.Tensor]:
        out = []
        for grid, x in zip(self.grids, maps, strict=True):
            pos = F.interpolate(grid, size=x.shape[-2:], mode='bilinear')
            out.append(torch.cat([x, pos.expand(x.shape[0], -1, -1, -1)], dim=1))
        return out


class ColumnSafeConv2d(nn.Conv2d):
    """``nn.Conv2d`` that runs in float32 under autocast when its output is one column
    wide.

    On the CPU (oneDNN, torch 2.13, AVX512-BF16 / AMX), a bfloat16 convolution strided
    along the width whose output is one column wide goes wrong: its forward pass returns
    garbage (wrong values, up to 1e37, inf or NaN) on every call once the output is tall
    enough (the threshold grows with fewer images and channels: from about five rows
    with 16 channels, from two with 64 and 11 images), and over a one-column input its
    weight gradient is garbage on most calls. Wider outputs, and one-row ones, are right
    (docs/performance.md). The CAM encoder meets such convolutions on the vertical canvas
    (widths 6 -> 3 -> 2 -> 1: 12 x 2 -> 6 x 1, then 6 x 1 -> 3 x 1); they are tiny there,
    so float32 costs nothing. Same parameters as ``nn.Conv2d``."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if torch.is_autocast_enabled(x.device.type) and self.output_width(x.shape[-1]) == 1:
            bias = None if self.bias is None else self.bias.float()
            with torch.autocast(x.device.type, enabled=False):
                return self._conv_forward(x.float(), self.weight.float(), bias)
        return super().forward(x)

    def output_width(self, width: int) -> int:
        """The width of the output for an input ``width`` columns wide."""
        if self.padding == 'same':
            return width
        pad = 0 if self.padding == 'valid' else self.padding[1]
        kernel, stride, dilation = self.kernel_size[1], self.stride[1], self.dilation[1]
        return (width + 2 * pad - dilation * (kernel - 1) - 1) // stride + 1


class ColumnSafeConvTranspose2d(nn.ConvTranspose2d):
    """``nn.ConvTranspose2d`` that runs in float32 under autocast when its input is one
    column wide.

    Its input gradient is a convolution strided along the width with a one-column
    output, which meets :class:`ColumnSafeConv2d`'s defect: in bfloat16 it comes back as
    garbage (up to 1e37, inf, NaN) on every call once the input is tall enough (from about
    five rows with 16 channels, three with 64 and 11 images), while the forward pass and
    the weight gradient are right. The CAM decoder meets such inputs on the vertical
    canvas (its first two deconvolutions read 3 x 1 and 6 x 1 maps); without this the
    garbage flows through the U-Net skips into the encoder, the FPN and the spatial
    embedding, whose weights turn NaN within a few steps of ``tools/train.py --amp``.
    Tiny there, so float32 costs nothing. Same parameters as ``nn.ConvTranspose2d``."""

    def forward(self, x: torch.Tensor, output_size: list[int] | None = None) -> torch.Tensor:
        if x.shape[-1] == 1 and torch.is_autocast_enabled(x.device.type):
            output_padding = self._output_padding(
                x, output_size, self.stride, self.padding, self.kernel_size, 2,
                self.dilation)
            bias = None if self.bias is None else self.bias.float()
            with torch.autocast(x.device.type, enabled=False):
                return F.conv_transpose2d(x.float(), self.weight.float(), bias, self.stride,
                                          self.padding, output_padding, self.groups,
                                          self.dilation)
        return super().forward(x, output_size)


def _cbr(in_ch: int, out_ch: int, kernel, stride, padding) -> nn.Sequential:
    return nn.Sequential(ColumnSafeConv2d(in_ch, out_ch, kernel, stride, padding),
                         nn.BatchNorm2d(out_ch), nn.ReLU(inplace=True))


def _dbr(ch: int, kernel, stride, padding) -> nn.Sequential:
    return nn.Sequential(ColumnSafeConvTranspose2d(ch, ch, kernel, stride, padding),
                         nn.BatchNorm2d(ch), nn.ReLU(inplace=True))


@MODELS.register_module()
class WnATemporalFPNCAM(nn.Module):
    """FPN over the embedded pyramid followed by DAN's convolutional alignment U-Net.

    FPN: ``x = m0``; for each further map ``x = CBR(3x3, stride)(x) + m_i`` where the
    stride is the size ratio declared by ``fpn_strides``. CAM encoder: ``len(cam_strides)``
    CBR 3x3 convs to ``channels``; decoder: mirrored transposed convs (kernel = stride^2,
    padding = kernel // 4), cropped and added to the matching encoder map (U-Net skips).

    Args:
        in_channels: channels of the embedded maps (WnA: 96, 288, 544).
        channels: CAM width (64).
        fpn_strides: stride of each FPN step (WnA: (2, 2), (1, 1)).
        cam_strides: encoder strides, fixed from the 32x128 reference (WnA: (1, 2),
            (2, 2), (2, 2), (2, 2)); each must round-trip the canvas sizes used.

    Shapes: maps ``[N, in_channels[i], h_i, w_i]`` -> ``(T, endpoints)`` with
    ``T: [N, channels, h_last, w_last]`` and ``endpoints``: the encoder output and every
    decoder output before its skip addition (``1 + len(cam_strides)`` maps, ``channels``
    each), used by the length head.
    """

    def __init__(self,
                 in_channels: Sequence[int] = (96, 288, 544),
                 channels: int = 64,
                 fpn_strides: Sequence[Sequence[int]] = ((2, 2), (1, 1)),
                 cam_strides: Sequence[Sequence[int]] = ((1, 2), (2, 2), (2, 2), (2, 2))
                 ) -> None:
        super().__init__()
        if len(fpn_strides) != len(in_channels) - 1:
            raise ValueError('fpn_strides needs one entry per map after the first')
        self.fpn = nn.ModuleList(
            _cbr(in_channels[i], in_channels[i + 1], 3, tuple(s), 1)
            for i, s in enumerate(fpn_strides))
        enc_in = [in_channels[-1]] + [channels] * (len(cam_strides) - 1)
        self.encoder = nn.ModuleList(
            _cbr(c, channels, 3, tuple(s), 1) for c, s in zip(enc_in, cam_strides))
        self.decoder = nn.ModuleList()
        for s in reversed(cam_strides):
            kernel = tuple(k * k for k in s)
            self.decoder.append(_dbr(channels, kernel, tuple(s), tuple(k // 4 for k in kernel)))

    @property
    def num_endpoints(self) -> int:
        return len(self.decoder) + 1

    def forward(self, maps: Sequence[torch.Tensor]
                ) -> tuple[torch.Tensor, list[torch.Tensor]]:
        x = maps[0]
        for conv, m in zip(self.fpn, maps[1:]):
            x = conv(x) + m
        skips = []
        for conv in self.encoder:
            x = conv(x)
            skips.append(x)
        endpoints = [x]
        for i, deconv in enumerate(self.decoder):
            x = deconv(x)
            endpoints.append(x)
            if i + 1 < len(self.decoder):
                skip = skips[-2 - i]
                x = x[:, :, :skip.shape[2], :skip.shape[3]] + skip
        if x.shape[-2:] != maps[-1].shape[-2:]:
            raise ValueError(f'CAM output {tuple(x.shape[-2:])} does not match the feature '
                             f'map {tuple(maps[-1].shape[-2:])}; the canvas size does not '
                             f'round-trip cam_strides')
        return x, endpoints
