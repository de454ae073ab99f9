"""``WnARouterThumbnail``: the router's 32x32 ``INTER_AREA`` thumbnail ("beacon")."""
from __future__ import annotations

import cv2
from mmcv.transforms import BaseTransform
from mmocr.registry import TRANSFORMS


@TRANSFORMS.register_module()
class WnARouterThumbnail(BaseTransform):
    """Add ``results['thumb']``: ``results['img']`` resized to ``[size, size, 3]`` uint8.

    ``cv2.resize(img, (size, size), interpolation=cv2.INTER_AREA)`` on the uint8 image as it
    enters the model (the augmented image when training); the aspect ratio is not kept.
    """

    def __init__(self, size: int = 32) -> None:
        self.size = size

    def transform(self, results: dict) -> dict:
        results['thumb'] = cv2.resize(results['img'], (self.size, self.size),
                                      interpolation=cv2.INTER_AREA)
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(size={self.size})'
