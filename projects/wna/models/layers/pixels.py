"""Pixel normalisation shared by the experts, the glyph encoder and the data preprocessor."""
from __future__ import annotations

import torch

PIXEL_MEAN = 127.5
PIXEL_SCALE = 128.0


def normalise_pixels(x: torch.Tensor) -> torch.Tensor:
    """(x - 127.5) / 128 on a uint8-valued tensor of any shape, as float."""
    return (x.float() - PIXEL_MEAN) / PIXEL_SCALE
