"""``PackWnAInputs``: image + thumbnail tensors and a ``TextRecogDataSample``."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from mmcv.transforms import BaseTransform
from mmengine.structures import LabelData
from mmocr.registry import TRANSFORMS
from mmocr.structures import TextRecogDataSample

DEFAULT_META_KEYS = ('img_path', 'ori_shape', 'img_shape', 'test_key', 'dict_path', 'has_unk',
                     'train_dict_path')


def _to_chw_uint8(array: np.ndarray, name: str) -> torch.Tensor:
    if array.dtype != np.uint8 or array.ndim != 3 or array.shape[2] != 3:
        raise ValueError(f'PackWnAInputs expects results[{name!r}] as uint8 [H, W, 3], got '
                         f'{array.dtype} {array.shape}')
    return torch.from_numpy(np.ascontiguousarray(array.transpose(2, 0, 1)))


@TRANSFORMS.register_module()
class PackWnAInputs(BaseTransform):
    """Pack a sample for ``WnADataPreprocessor``.

    Returns ``{'inputs': {'img': uint8 [3, H, W] RGB tensor, 'thumb': uint8 [3, 32, 32]},
    'data_samples': TextRecogDataSample}``. The data sample has ``gt_text.item`` when
    ``results['gt_texts']`` holds a text (absent at inference) and, as metainfo, each of
    ``meta_keys`` that is present in ``results`` (missing ones are skipped).
    """

    def __init__(self, meta_keys: Sequence[str] = DEFAULT_META_KEYS) -> None:
        self.meta_keys = tuple(meta_keys)

    def transform(self, results: dict) -> dict:
        if 'thumb' not in results:
            raise KeyError('PackWnAInputs needs results["thumb"]; put WnARouterThumbnail before it')
        inputs = dict(img=_to_chw_uint8(results['img'], 'img'),
                      thumb=_to_chw_uint8(results['thumb'], 'thumb'))
        data_sample = TextRecogDataSample()
        texts = results.get('gt_texts')
        if texts:
            if len(texts) != 1:
                raise ValueError(f'a text-recognition sample has exactly one text, got {texts}')
            data_sample.gt_text = LabelData(item=texts[0])
        data_sample.set_metainfo({k: results[k] for k in self.meta_keys if k in results})
        return dict(inputs=inputs, data_samples=data_sample)

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(meta_keys={self.meta_keys})'
