"""A text-recognition visualizer that reads any orientation and shows the router's decision."""
from __future__ import annotations

import mmcv
import numpy as np
from mmocr.registry import VISUALIZERS
from mmocr.structures import TextRecogDataSample
from mmocr.visualization import TextRecogLocalVisualizer

from projects.wna.charset.render import default_font_path

from .panel import draw_prediction_panel


@VISUALIZERS.register_module()
class WnATextRecogVisualizer(TextRecogLocalVisualizer):
    """MMOCR's recognition visualizer, drawing with a CJK font, fitting vertical crops
    without squeezing them, and adding the chosen expert and the router probabilities
    (``data_sample.pred_route``) next to the ground truth and the prediction.

    Args:
        name: the instance name (MMEngine's ``ManagerMixin`` key).
        font_path: font used for the texts; defaults to the bundled Noto Sans CJK.
        panel_width: width in pixels of one drawn sample.
        **kwargs: :class:`mmocr.visualization.TextRecogLocalVisualizer` arguments.
    """

    def __init__(self, name: str = 'visualizer', font_path: str | None = None,
                 panel_width: int = 360, **kwargs) -> None:
        super().__init__(name=name, **kwargs)
        self.font_path = font_path or default_font_path()
        self.panel_width = panel_width

    def draw_sample(self, image: np.ndarray, data_sample: TextRecogDataSample | None,
                    draw_gt: bool = True, draw_pred: bool = True) -> np.ndarray:
        """The panel of one sample as an RGB array (``image`` is RGB ``[H, W, 3]``)."""
        gt = pred = expert = probs = None
        if data_sample is not None:
            if draw_gt and 'gt_text' in data_sample and 'item' in data_sample.gt_text:
                gt = data_sample.gt_text.item
            if draw_pred and 'pred_text' in data_sample:
                pred = data_sample.pred_text.item
            if draw_pred and 'pred_route' in data_sample:
                expert = data_sample.pred_route.get('expert')
                probs = data_sample.pred_route.get('probs')
        return draw_prediction_panel(image, self.font_path, pred=pred, gt=gt, expert=expert,
                                     probs=probs, width=self.panel_width)

    def add_datasample(self,
                       name: str,
                       image: np.ndarray,
                       data_sample: TextRecogDataSample | None = None,
                       draw_gt: bool = True,
                       draw_pred: bool = True,
                       show: bool = False,
                       wait_time: float = 0,
                       pred_score_thr: float | None = None,
                       out_file: str | None = None,
                       step: int = 0) -> np.ndarray:
        """Draw a sample; show it, add it to the vis backends, and/or write ``out_file``.

        Returns the drawn RGB panel (also kept as the visualizer's current image), as
        MMOCR's visualizers do, so that ``return_vis=True`` in the inferencers works.
        """
        panel = self.draw_sample(image, data_sample, draw_gt, draw_pred)
        if show:
            self.show(panel, win_name=name, wait_time=wait_time)
        else:
            self.add_image(name, panel, step)
        if out_file is not None:
            mmcv.imwrite(panel[..., ::-1], out_file)
        self.set_image(panel)
        return self.get_image()
