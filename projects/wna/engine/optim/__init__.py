"""Optimisation: one parameter group per module and per-group gradient clipping."""
from .group_clip_wrapper import GroupClipAmpOptimWrapper, GroupClipOptimWrapper, PerGroupClipMixin
from .module_groups_constructor import ModuleGroupsOptimWrapperConstructor

__all__ = ['GroupClipAmpOptimWrapper', 'GroupClipOptimWrapper', 'PerGroupClipMixin',
           'ModuleGroupsOptimWrapperConstructor']
