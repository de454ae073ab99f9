"""Build step of wna's packaging (the metadata is in pyproject.toml).

A wheel carries the configs inside the package, as OpenMMLab's MIM layout has it:
``configs/wna`` is copied to ``projects/wna/.mim/configs`` while building, so a config in
any folder can inherit an installed wna config (``projects.wna.apis.config_dir()``) and
the ``_base_`` paths inside the copied tree resolve as in the checkout. Editable installs
copy nothing: they import the checkout, whose ``configs/wna`` is used directly.
"""
import os
import shutil

from setuptools import setup
from setuptools.command.build_py import build_py

CONFIGS = os.path.join('configs', 'wna')
#: Where the configs go inside the built package.
PACKAGED_CONFIGS = os.path.join('projects', 'wna', '.mim', 'configs')


class BuildPyWithConfigs(build_py):
    """``build_py`` that also copies ``configs/wna`` into the built package."""

    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return
        target = os.path.join(self.build_lib, PACKAGED_CONFIGS)
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(CONFIGS, target,
                        ignore=shutil.ignore_patterns('__pycache__', '*.pyc'))


setup(cmdclass={'build_py': BuildPyWithConfigs})
