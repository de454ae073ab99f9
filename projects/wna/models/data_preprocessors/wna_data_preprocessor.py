"""Data preprocessor that keeps every image at its own size."""
from __future__ import annotations

import torch
from mmengine.model import BaseDataPreprocessor
from mmocr.registry import MODELS

from ..layers import normalise_pixels


@MODELS.register_module()
class WnADataPreprocessor(BaseDataPreprocessor):
    """Moves a WnA batch to the device without padding or stacking the images.

    Input (``pseudo_collate`` of ``PackWnAInputs``): ``{'inputs': {'img': [uint8
    [3, H_i, W_i], ...], 'thumb': [uint8 [3, 32, 32], ...]}, 'data_samples': [...]}``.

    Output: ``{'inputs': {'imgs': [uint8 [3, H_i, W_i], ...] (on the device),
    'thumbs': float [N, 3, 32, 32] normalised as (x - 127.5) / 128}, 'data_samples':
    [...]}``. Experts stretch and normalise the images themselves.
    """

    def forward(self, data: dict, training: bool = False) -> dict:
        data = self.cast_data(data)
        inputs = data['inputs']
        missing = {'img', 'thumb'} - set(inputs)
        if missing:
            raise KeyError(f'WnADataPreprocessor: batch inputs lack {sorted(missing)}; '
                           f'the pipeline must end with PackWnAInputs')
        imgs = list(inputs['img'])
        thumbs = inputs['thumb']
        thumbs = torch.stack(list(thumbs)) if not isinstance(thumbs, torch.Tensor) else thumbs
        if len(imgs) != len(thumbs):
            raise ValueError(f'{len(imgs)} images but {len(thumbs)} thumbnails')
        for img in imgs:
            if img.dim() != 3 or img.shape[0] != 3 or min(img.shape[1:]) < 1:
                raise ValueError(f'images must be [3, H, W] tensors, got {tuple(img.shape)}')
        return dict(inputs=dict(imgs=imgs, thumbs=normalise_pixels(thumbs)),
                    data_samples=data.get('data_samples'))
