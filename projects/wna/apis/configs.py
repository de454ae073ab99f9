"""Where wna's configs are: in a checkout, or inside an installed package.

In a checkout (and an editable install, which imports the checkout) they are
``<repository>/configs/wna``. A wheel (``pip install .``) carries them as
``projects/wna/.mim/configs``, OpenMMLab's MIM layout: ``setup.py`` copies ``configs/wna``
there while building. Both trees are the same, so ``_base_`` paths relative to a config
resolve in either.

A config of another project inherits a wna config by its path (MMEngine's ``pkg::``
syntax only knows OpenMMLab's own packages), e.g. through an environment variable that
MMEngine substitutes (its ``{{$NAME:default}}`` form needs the colon; an empty default
makes a missing variable an error)::

    # export WNA_CONFIGS=$(python -c 'import projects.wna.apis as a; print(a.config_dir())')
    _base_ = ['{{$WNA_CONFIGS:}}/tiny_nedmix.py']
"""
from __future__ import annotations

import os.path as osp

#: The installed package ``projects/wna``.
PACKAGE_DIR = osp.dirname(osp.dirname(osp.abspath(__file__)))
#: The configs of a checkout: ``configs/wna`` beside ``projects/``.
CHECKOUT_CONFIGS = osp.join(osp.dirname(osp.dirname(PACKAGE_DIR)), 'configs', 'wna')
#: The configs a wheel installs inside the package (MIM's layout).
PACKAGED_CONFIGS = osp.join(PACKAGE_DIR, '.mim', 'configs')


def config_dir() -> str:
    """The folder of wna's configs: the checkout's ``configs/wna`` when the package is
    imported from a checkout, else the installed ``projects/wna/.mim/configs``.

    Raises:
        FileNotFoundError: neither exists (a broken installation).
    """
    for folder in (CHECKOUT_CONFIGS, PACKAGED_CONFIGS):
        if osp.isfile(osp.join(folder, '_base_', 'default_runtime.py')):
            return folder
    raise FileNotFoundError(f'wna configs not found in {CHECKOUT_CONFIGS} nor in '
                            f'{PACKAGED_CONFIGS}; reinstall wna (pip install <checkout>)')


def config_path(name: str) -> str:
    """The absolute path of the wna config ``name`` (relative to :func:`config_dir`, e.g.
    ``'tiny_nedmix.py'``, ``'ablation/r1.py'``).

    Raises:
        FileNotFoundError: there is no such config.
    """
    path = osp.join(config_dir(), name)
    if not osp.isfile(path):
        raise FileNotFoundError(f'no wna config {name!r} in {config_dir()}')
    return path

