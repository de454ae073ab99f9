"""Bilinear resizing of uint8 images with the exact rounding of torch's CPU uint8 kernel.

Upstream WnA stretches each image to its expert's canvas with
``F.interpolate(uint8_image, size, mode='bilinear', align_corners=False)`` on the CPU, so
its canvases hold whole grey levels, and normalises afterwards; the published weights were
trained on those canvases (MODEL.md 13, quirk 7). :func:`resize_uint8_bilinear` calls that
kernel on the CPU; elsewhere (CUDA has no uint8 bilinear kernel) it runs
:func:`fixed_point_bilinear`, which reproduces the kernel's separable fixed-point
arithmetic with ordinary tensor operations, so the same canvases come out on every device:

1. the width is resampled, then the height; a pass whose size does not change is skipped;
2. each output position ``i`` reads the input positions ``j`` in
   ``[int(c - 0.5), int(c + 1.5))`` (clipped to the image), with ``c = (i + 0.5) * in /
   out``, weighted by the triangle ``max(0, 1 - |j - c + 0.5|)`` and normalised to sum 1;
3. weights become integers ``round(w * 2^p)``, with the largest precision ``p`` (at most
   22) for which twice the largest weight still fits in int16;
4. a pass computes ``(sum_j x_j w_j + 2^(p - 1)) >> p``, clamped to 0..255 (uint8 between
   the two passes).

``tests/test_model_components.py`` checks :func:`fixed_point_bilinear` against
``F.interpolate`` on uint8 CPU tensors, bit for bit.
"""
from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np
import torch
import torch.nn.functional as F

#: Largest fixed-point precision of the weights (bits).
MAX_PRECISION = 22


@lru_cache(maxsize=1024)
def fixed_point_weights(in_size: int, out_size: int) -> tuple[np.ndarray, np.ndarray, int]:
    """The taps of resampling ``in_size`` pixels to ``out_size``.

    Returns:
        int64 ``[out_size, T]`` input indices, int64 ``[out_size, T]`` integer weights
        (0 for unused taps) and the precision ``p`` they are scaled by.
    """
    scale = in_size / out_size
    center = scale * (np.arange(out_size) + 0.5)
    start = np.maximum((center - 0.5).astype(np.int64), 0)
    stop = np.minimum((center + 1.5).astype(np.int64), in_size)
    taps = int((stop - start).max())
    index = start[:, None] + np.arange(taps)[None, :]
    used = index < stop[:, None]
    weights = np.where(used, np.maximum(0.0, 1.0 - np.abs(index - center[:, None] + 0.5)), 0.0)
    total = weights.sum(axis=1, keepdims=True)
    weights = np.divide(weights, total, out=np.zeros_like(weights), where=total > 0)
    largest = weights.max()
    precision = 0
    while precision < MAX_PRECISION and int(0.5 + largest * (1 << (precision + 1))) < 1 << 15:
        precision += 1
    fixed = np.floor(weights * (1 << precision) + 0.5).astype(np.int64)
    return np.minimum(index, in_size - 1), fixed, precision


def _resample(images: torch.Tensor, out_size: int, dim: int) -> torch.Tensor:
    in_size = images.shape[dim]
    if in_size == out_size:
        return images
    index, weights, precision = fixed_point_weights(in_size, out_size)
    device = images.device
    moved = images.movedim(dim, -1).to(torch.int32)
    taps = moved[..., torch.as_tensor(index, device=device)]  # [..., out, T]
    acc = (taps * torch.as_tensor(weights, dtype=torch.int32, device=device)).sum(-1)
    out = ((acc + (1 << (precision - 1))) >> precision).clamp_(0, 255).to(torch.uint8)
    return out.movedim(-1, dim)


def fixed_point_bilinear(images: torch.Tensor, size: Sequence[int]) -> torch.Tensor:
    """Torch's CPU uint8 bilinear kernel (``align_corners=False``) in ordinary tensor
    operations, for any device: uint8 ``[N, C, H, W]`` -> uint8 ``[N, C, h, w]``."""
    height, width = (int(s) for s in size)
    return _resample(_resample(images, width, 3), height, 2)


def resize_uint8_bilinear(images: torch.Tensor, size: Sequence[int]) -> torch.Tensor:
    """Resize uint8 ``[N, C, H, W]`` images to ``size = (h, w)`` exactly as
    ``F.interpolate(images, size, mode='bilinear', align_corners=False)`` does for uint8
    tensors on the CPU, on any device. Returns uint8 ``[N, C, h, w]``."""
    if images.dtype != torch.uint8 or images.dim() != 4:
        raise ValueError(f'expected uint8 [N, C, H, W] images, got {images.dtype} '
                         f'{tuple(images.shape)}')
    size = tuple(int(s) for s in size)
    if tuple(images.shape[-2:]) == size:
        return images
    if images.device.type == 'cpu':
        return F.interpolate(images, size=size, mode='bilinear', align_corners=False)
    return fixed_point_bilinear(images, size)
