"""Drawing validation/test predictions from the model's own input images.

MMOCR's ``VisualizationHook`` re-reads ``img_path``, which LMDB samples do not have; this
hook draws the image tensors that were fed to the model instead.
"""
from __future__ import annotations

import os
import os.path as osp
from collections.abc import Sequence

from mmengine.hooks import Hook
from mmengine.runner import Runner
from mmengine.visualization import Visualizer
from mmocr.registry import HOOKS
from mmocr.structures import TextRecogDataSample


@HOOKS.register_module()
class WnAVisualizationHook(Hook):
    """Visualise predictions of every ``interval``-th validation/test iteration.

    Args:
        enable: draw at all (``tools/test.py --show/--show-dir`` turn it on).
        interval: draw the samples of every ``interval``-th iteration.
        show: display each drawing in a window for ``wait_time`` seconds.
        test_out_dir: folder (relative to the run's timestamped log folder) for PNG
            files named ``<test key>_<sample index>.png``.
        draw_gt, draw_pred: what to draw.
    """
    priority = 'NORMAL'

    def __init__(self, enable: bool = False, interval: int = 1, show: bool = False,
                 wait_time: float = 0., test_out_dir: str | None = None,
                 draw_gt: bool = True, draw_pred: bool = True) -> None:
        self.enable = enable
        self.interval = interval
        self.show = show
        self.wait_time = wait_time
        self.test_out_dir = test_out_dir
        self.draw_gt = draw_gt
        self.draw_pred = draw_pred
        self._visualizer = Visualizer.get_current_instance()

    def _draw(self, runner: Runner, batch_idx: int, data_batch: dict,
              outputs: Sequence[TextRecogDataSample], mode: str) -> None:
        if not self.enable or batch_idx % self.interval:
            return
        out_dir = None
        if self.test_out_dir is not None:
            out_dir = osp.join(runner.work_dir, runner.timestamp, self.test_out_dir)
            os.makedirs(out_dir, exist_ok=True)
        images = data_batch['inputs']['img']
        for i, (tensor, sample) in enumerate(zip(images, outputs)):
            image = tensor.permute(1, 2, 0).cpu().numpy()
            key = sample.metainfo.get('test_key', mode)
            index = sample.metainfo.get('sample_idx', batch_idx * len(outputs) + i)
            name = f'{key}_{index}'
            self._visualizer.add_datasample(
                name, image, sample, draw_gt=self.draw_gt, draw_pred=self.draw_pred,
                show=self.show, wait_time=self.wait_time, step=runner.iter,
                out_file=None if out_dir is None else osp.join(out_dir, f'{name}.png'))

    def after_val_iter(self, runner: Runner, batch_idx: int, data_batch: dict,
                       outputs: Sequence[TextRecogDataSample]) -> None:
        self._draw(runner, batch_idx, data_batch, outputs, 'val')

    def after_test_iter(self, runner: Runner, batch_idx: int, data_batch: dict,
                        outputs: Sequence[TextRecogDataSample]) -> None:
        self._draw(runner, batch_idx, data_batch, outputs, 'test')
