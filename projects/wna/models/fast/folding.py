"""Folding eval-mode BatchNorms into the convolutions before them (inference only).

WnA's experts and glyph encoder share one set of convolution weights but each keeps its
own affine-free BatchNorm statistics. At test time a BatchNorm is an affine map, so
``bn(conv(x))`` equals one convolution with scaled weights and a bias; folding gives each
norm set its own plain copy of the core (same outputs up to float rounding, one kernel
less per convolution). The temporal branch's conv-BN-ReLU blocks fold the same way.
"""
from __future__ import annotations

import copy

import torch
from torch import nn
from torch.nn.utils.fusion import fuse_conv_bn_eval

from ..backbones import WnAResNet45Core, WnAResNet45Norms

#: The norm that follows each convolution of a residual block (same module layout).
_NORM_OF_CONV = dict(conv1='bn1', conv2='bn2', shortcut='shortcut')


def _check_eval(*modules: nn.Module) -> None:
    if any(m.training for m in modules):
        raise RuntimeError('BatchNorm folding needs eval-mode modules (call model.eval())')


def _conv_norm_pairs(core: WnAResNet45Core, norms: WnAResNet45Norms):
    """``(parent, attribute, conv, bn)`` of every convolution of ``core`` (found as
    ``getattr(parent, attribute)``) with its norm in ``norms``."""
    yield core, 'stem', core.stem, norms.stem
    for convs, bns in zip(core.stages, norms.stages, strict=True):
        for block_convs, block_bns in zip(convs, bns, strict=True):
            for conv_name, bn_name in _NORM_OF_CONV.items():
                conv = getattr(block_convs, conv_name)
                if conv is not None:
                    yield block_convs, conv_name, conv, getattr(block_bns, bn_name)


class WnAFoldedResNet45(nn.Module):
    """A core with one norm set folded into its convolutions (a frozen inference copy).

    Args:
        core: the shared convolutions (not modified).
        norms: the norm set to fold (eval mode; running statistics are used).

    Shapes: as ``core(x, norms)``: ``[N, 3, H, W]`` -> the core's list of maps.
    """

    def __init__(self, core: WnAResNet45Core, norms: WnAResNet45Norms) -> None:
        super().__init__()
        _check_eval(norms)
        if norms.arch != core.arch:
            raise ValueError(f'norm set {norms.arch} does not match the core {core.arch}')
        self.core = copy.deepcopy(core)
        self.norms = copy.deepcopy(norms)
        self.eval()  # the core's mode does not matter (it holds convolutions only)
        for parent, name, conv, bn in list(_conv_norm_pairs(self.core, self.norms)):
            setattr(parent, name, fuse_conv_bn_eval(conv, bn))
        self._drop_norms(self.norms)
        self.requires_grad_(False)

    @staticmethod
    def _drop_norms(module: nn.Module) -> None:
        for name, child in module.named_children():
            if isinstance(child, nn.BatchNorm2d):
                setattr(module, name, nn.Identity())
            else:
                WnAFoldedResNet45._drop_norms(child)

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        return self.core(x, self.norms)


def fold_conv_norm_blocks(module: nn.Module) -> nn.Module:
    """A frozen copy of ``module`` in which every ``nn.Sequential`` that starts with a
    convolution (or transposed convolution) followed by a BatchNorm has the two folded
    into one convolution (the BatchNorm becomes ``nn.Identity``). ``module`` must be in
    eval mode and is not modified."""
    _check_eval(module)
    folded = copy.deepcopy(module)
    for block in folded.modules():
        if not isinstance(block, nn.Sequential) or len(block) < 2:
            continue
        conv, bn = block[0], block[1]
        if isinstance(conv, nn.Conv2d | nn.ConvTranspose2d) and isinstance(bn, nn.BatchNorm2d):
            block[0] = fuse_conv_bn_eval(conv, bn, transpose=isinstance(conv, nn.ConvTranspose2d))
            block[1] = nn.Identity()
    return folded.requires_grad_(False)
