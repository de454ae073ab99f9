"""Optimisation: one parameter group per module and per-group gradient clipping."""
from .group_clip_wrapper import GroupClipOptimWrapper
from .module_groups_constructor import ModuleGroupsOptimWrapperConstructor

__all__ = ['GroupClipOptimWrapper', 'ModuleGroupsOptimWrapperConstructor']
