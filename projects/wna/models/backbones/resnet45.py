"""DAN-style ResNet45 split into a convolution core and interchangeable BatchNorm sets.

WnA shares one set of convolution weights between the three experts and the glyph
encoder, while each of them keeps its own (affine-free) BatchNorm statistics. The split
is expressed by two modules with the same layout:

* :class:`WnAResNet45Core` holds every convolution (no biases);
* :class:`WnAResNet45Norms` holds one BatchNorm per convolution output;

and ``core(x, norms)`` runs the network with that pairing. :class:`WnAResNet45` bundles a
core with one norm set into an ordinary backbone (the router uses one).
"""
from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from mmocr.registry import MODELS
from torch import nn

#: Stage widths of WnA's tiny / WnA-S model (``ochs``); XL uses a 64-wide stem.
DEFAULT_CHANNELS = (32, 64, 128, 256, 512, 512)
DEFAULT_BLOCKS = (3, 4, 6, 6, 3)
DEFAULT_STRIDES = ((2, 2), (1, 1), (2, 2), (1, 1), (1, 1))
#: Stages (1-based) whose outputs are returned: 64 ch at H/2, 256 ch at H/4, 512 ch at H/4.
DEFAULT_OUT_STAGES = (1, 3, 5)


def _check_arch(channels: Sequence[int], blocks: Sequence[int],
                strides: Sequence[Sequence[int]], out_stages: Sequence[int]) -> None:
    if len(channels) != len(blocks) + 1:
        raise ValueError(f'channels needs one entry for the stem plus one per stage '
                         f'({len(blocks) + 1}), got {len(channels)}')
    if len(strides) != len(blocks):
        raise ValueError(f'strides needs one (h, w) pair per stage, got {len(strides)}')
    if not out_stages or any(not 1 <= s <= len(blocks) for s in out_stages):
        raise ValueError(f'out_stages must name stages 1..{len(blocks)}, got {out_stages}')


class _BlockConvs(nn.Module):
    """Convolutions of one residual block: 1x1 (in->out), 3x3 (out->out, stride s) and,
    for the first block of a stage, a 1x1 strided shortcut."""

    def __init__(self, in_ch: int, out_ch: int, stride: tuple[int, int],
                 shortcut: bool) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(in_ch, out_ch, 1, bias=False)
        self.conv2 = nn.Conv2d(out_ch, out_ch, 3, stride, 1, bias=False)
        self.shortcut = nn.Conv2d(in_ch, out_ch, 1, stride, bias=False) if shortcut else None


class _BlockNorms(nn.Module):
    """BatchNorms of one residual block (same layout as :class:`_BlockConvs`)."""

    def __init__(self, out_ch: int, shortcut: bool, affine: bool) -> None:
        super().__init__()
        self.bn1 = nn.BatchNorm2d(out_ch, affine=affine)
        self.bn2 = nn.BatchNorm2d(out_ch, affine=affine)
        self.shortcut = nn.BatchNorm2d(out_ch, affine=affine) if shortcut else None


def _stage_layout(channels: Sequence[int], blocks: Sequence[int]):
    """Yield ``(stage, block, in_ch, out_ch, has_shortcut)`` for every block.

    Every stage's first block has a shortcut convolution. Upstream decides this with
    ``stride != 1 or in != out`` on *tuple* strides, which is true for every stage; this
    is the "stage-5 shortcut quirk" (512->512, stride 1, still a 1x1 shortcut)."""
    for s, n in enumerate(blocks):
        for b in range(n):
            in_ch = channels[s] if b == 0 else channels[s + 1]
            yield s, b, in_ch, channels[s + 1], b == 0


@MODELS.register_module()
class WnAResNet45Core(nn.Module):
    """Convolution weights of a ResNet45 (no norms, no biases).

    Call ``core(x, norms)`` with a :class:`WnAResNet45Norms` of the same architecture.

    Args:
        channels: stem width then one width per stage, e.g. ``(32, 64, 128, 256, 512,
            512)`` (WnA-S) or ``(64, 64, 128, 256, 512, 512)`` (XL).
        blocks: residual blocks per stage.
        strides: ``(h, w)`` stride of each stage's first block.
        out_stages: 1-based stages whose outputs are returned.
        in_channels: input channels.

    Shapes: input ``[N, in_channels, H, W]``; output a list of ``len(out_stages)`` maps,
    by default ``[N, c1, H/2, W/2]``, ``[N, c3, H/4, W/4]``, ``[N, c5, H/4, W/4]``.
    """

    def __init__(self,
                 channels: Sequence[int] = DEFAULT_CHANNELS,
                 blocks: Sequence[int] = DEFAULT_BLOCKS,
                 strides: Sequence[Sequence[int]] = DEFAULT_STRIDES,
                 out_stages: Sequence[int] = DEFAULT_OUT_STAGES,
                 in_channels: int = 3) -> None:
        super().__init__()
        _check_arch(channels, blocks, strides, out_stages)
        self.arch = dict(channels=tuple(channels), blocks=tuple(blocks),
                         strides=tuple(tuple(s) for s in strides))
        self.out_stages = tuple(out_stages)
        self.stem = nn.Conv2d(in_channels, channels[0], 3, 1, 1, bias=False)
        self.stages = nn.ModuleList(nn.ModuleList() for _ in blocks)
        for s, b, in_ch, out_ch, shortcut in _stage_layout(channels, blocks):
            stride = tuple(strides[s]) if b == 0 else (1, 1)
            self.stages[s].append(_BlockConvs(in_ch, out_ch, stride, shortcut))

    @property
    def out_channels(self) -> tuple[int, ...]:
        """Channels of the returned maps."""
        return tuple(self.arch['channels'][s] for s in self.out_stages)

    def make_norms(self, affine: bool = False) -> WnAResNet45Norms:
        """A fresh norm set matching this core."""
        return WnAResNet45Norms(**self.arch, affine=affine)

    def forward(self, x: torch.Tensor, norms: WnAResNet45Norms) -> list[torch.Tensor]:
        if norms.arch != self.arch:
            raise ValueError(f'norm set {norms.arch} does not match the core {self.arch}')
        x = F.relu(norms.stem(self.stem(x)))
        outs = []
        for s, (convs, bns) in enumerate(zip(self.stages, norms.stages), start=1):
            for conv, bn in zip(convs, bns):
                out = F.relu(bn.bn1(conv.conv1(x)))
                out = bn.bn2(conv.conv2(out))
                residual = x if conv.shortcut is None else bn.shortcut(conv.shortcut(x))
                x = F.relu(out + residual)
            if s in self.out_stages:
                outs.append(x)
        return outs


@MODELS.register_module()
class WnAResNet45Norms(nn.Module):
    """One BatchNorm set for a :class:`WnAResNet45Core` (WnA: ``affine=False``).

    Holds no weights when affine-free; its running statistics are what distinguish the
    experts' backbones. Arguments as for :class:`WnAResNet45Core` plus ``affine``.
    """

    def __init__(self,
                 channels: Sequence[int] = DEFAULT_CHANNELS,
                 blocks: Sequence[int] = DEFAULT_BLOCKS,
                 strides: Sequence[Sequence[int]] = DEFAULT_STRIDES,
                 affine: bool = False) -> None:
        super().__init__()
        self.arch = dict(channels=tuple(channels), blocks=tuple(blocks),
                         strides=tuple(tuple(s) for s in strides))
        self.stem = nn.BatchNorm2d(channels[0], affine=affine)
        self.stages = nn.ModuleList(nn.ModuleList() for _ in blocks)
        for s, _, _, out_ch, shortcut in _stage_layout(channels, blocks):
            self.stages[s].append(_BlockNorms(out_ch, shortcut, affine))


@MODELS.register_module()
class WnAResNet45(nn.Module):
    """A complete ResNet45 backbone: one :class:`WnAResNet45Core` with its own norm set.

    Args: as :class:`WnAResNet45Core`, plus ``affine`` for the norms.
    Shapes: ``[N, 3, H, W]`` -> list of maps as :class:`WnAResNet45Core`.
    """

    def __init__(self,
                 channels: Sequence[int] = DEFAULT_CHANNELS,
                 blocks: Sequence[int] = DEFAULT_BLOCKS,
                 strides: Sequence[Sequence[int]] = DEFAULT_STRIDES,
                 out_stages: Sequence[int] = DEFAULT_OUT_STAGES,
                 in_channels: int = 3,
                 affine: bool = False) -> None:
        super().__init__()
        self.core = WnAResNet45Core(channels, blocks, strides, out_stages, in_channels)
        self.norms = self.core.make_norms(affine)

    @property
    def out_channels(self) -> tuple[int, ...]:
        return self.core.out_channels

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        return self.core(x, self.norms)
