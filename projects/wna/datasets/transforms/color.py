"""``WnABGRToRGB``: the single channel-order conversion after MMOCR's BGR loaders."""
from __future__ import annotations

import cv2
import numpy as np
from mmcv.transforms import BaseTransform
from mmocr.registry import TRANSFORMS

_TO_RGB = {1: cv2.COLOR_GRAY2RGB, 3: cv2.COLOR_BGR2RGB, 4: cv2.COLOR_BGRA2RGB}


@TRANSFORMS.register_module()
class WnABGRToRGB(BaseTransform):
    """Convert ``results['img']`` from OpenCV BGR to RGB ``[H, W, 3]``.

    Greyscale (``[H, W]`` or ``[H, W, 1]``) is replicated to 3 channels and BGRA loses its
    alpha channel, so inferencer inputs of any of these layouts also come out RGB.
    """

    def transform(self, results: dict) -> dict:
        img = results['img']
        channels = 1 if img.ndim == 2 else img.shape[2]
        if img.ndim not in (2, 3) or channels not in _TO_RGB:
            raise ValueError(f'WnABGRToRGB expects an [H, W], [H, W, 1], [H, W, 3] or [H, W, 4] '
                             f'image, got shape {img.shape}')
        results['img'] = cv2.cvtColor(np.ascontiguousarray(img), _TO_RGB[channels])
        results['img_shape'] = results['img'].shape[:2]
        return results
