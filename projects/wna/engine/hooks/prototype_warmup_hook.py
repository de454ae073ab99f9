"""Encode every test dictionary's prototypes before an evaluation starts (and is timed)."""
from __future__ import annotations

from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.runner import Runner
from mmocr.registry import HOOKS


def dataset_dict_paths(dataset) -> list[str]:
    """The distinct ``dict_path`` metainfo values of a dataset or a concatenation."""
    children = getattr(dataset, 'datasets', None) or [dataset]
    paths = (child.metainfo.get('dict_path') for child in children)
    return list(dict.fromkeys(p for p in paths if p))


@HOOKS.register_module()
class WnAPrototypeWarmupHook(Hook):
    """Before each validation/test epoch, put the model in eval mode and compute the
    prototypes of every test dictionary (``model.prototypes_for(dict_path)``), so that the
    FPS measurement (``WnAFPSHook``, registered after this hook) excludes glyph encoding,
    as the upstream reporter does. Register it before ``WnAFPSHook``: both have the
    highest priority and keep their registration order.
    """
    priority = 'HIGHEST'

    def _warm(self, runner: Runner, dataloader) -> None:
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        if not hasattr(model, 'prototypes_for'):
            return
        model.eval()
        for path in dataset_dict_paths(dataloader.dataset):
            model.prototypes_for(path)

    def before_val_epoch(self, runner: Runner) -> None:
        self._warm(runner, runner.val_dataloader)

    def before_test_epoch(self, runner: Runner) -> None:
        self._warm(runner, runner.test_dataloader)
