"""wna: Watch and Act (WnA) multi-orientation open-set scene text recognition for MMOCR 1.x.

Importing this package registers every wna component into MMOCR's registries; configs
pull it in with ``custom_imports = dict(imports=['projects.wna'])``.
"""
from . import charset, datasets, engine, evaluation, models, visualization  # noqa: F401

__version__ = '0.1.0'
