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
    prototypes of every test dictionary (``model.prototypes_for(dict_path)``) from the
    weights that will be evaluated; drop them again after the epoch.

    The prototype bank serves cached prototypes while the weights' storage and version
    counters are unchanged, and in-place writes through ``.data`` (MMEngine's
    ``EMAHook`` swaps the averaged weights in before an evaluation and out after it that
    way) change neither. So this hook clears the bank before it encodes and after the
    epoch, and its priority, ``'LOW'``, puts it after such hooks (``EMAHook`` is
    ``'NORMAL'``) at both ends: without that, validation read step features of the
    averaged weights against prototypes of the raw ones.

    ``WnAFPSHook`` starts its clock at the first iteration, so the encoding here is not
    timed, as the upstream reporter excludes glyph encoding.
    """
    priority = 'LOW'

    @staticmethod
    def _model(runner: Runner):
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        return model if hasattr(model, 'prototypes_for') else None

    def _warm(self, runner: Runner, dataloader) -> None:
        model = self._model(runner)
        if model is None:
            return
        model.prototype_bank.clear()
        model.eval()
        for path in dataset_dict_paths(dataloader.dataset):
            model.prototypes_for(path)

    def _drop(self, runner: Runner) -> None:
        model = self._model(runner)
        if model is not None:
            model.prototype_bank.clear()

    def before_val_epoch(self, runner: Runner) -> None:
        self._warm(runner, runner.val_dataloader)

    def before_test_epoch(self, runner: Runner) -> None:
        self._warm(runner, runner.test_dataloader)

    def after_val_epoch(self, runner: Runner, metrics: dict | None = None) -> None:
        self._drop(runner)

    def after_test_epoch(self, runner: Runner, metrics: dict | None = None) -> None:
        self._drop(runner)
