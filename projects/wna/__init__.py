"""wna: Watch and Act (WnA) multi-orientation open-set scene text recognition for MMOCR 1.x.

Importing this package registers every wna component into MMOCR's registries; configs
pull it in with ``custom_imports = dict(imports=['projects.wna'])``. It changes nothing
else in the process: checkpoint loading (``torch.load``, MMEngine's ``CheckpointLoader``)
stays as it was; wna's own runner, model loading and inferencer read checkpoints with
:mod:`projects.wna.engine.checkpoint`. ``WnATextRecInferencer`` (MMOCR has no inferencer
registry) is registered in MMEngine's ``INFERENCERS`` when :mod:`projects.wna.apis` is
imported.

``projects`` is a namespace package, so ``projects.wna`` imports beside other projects'
``projects.<name>``; installed (``pip install``), the configs are found with
:func:`projects.wna.apis.config_dir`.
"""
from . import charset, datasets, engine, evaluation, models, visualization  # noqa: F401

__version__ = '0.1.0'
