"""Optimisation: one parameter group per module and per-group gradient clipping."""
from .group_clip_wrapper import (
    PerGroupClipMixin,
    WnAGroupClipAmpOptimWrapper,
    WnAGroupClipAutocastOptimWrapper,
    WnAGroupClipOptimWrapper,
)
from .module_groups_constructor import WnAModuleGroupsOptimWrapperConstructor

__all__ = ['WnAGroupClipAmpOptimWrapper', 'WnAGroupClipAutocastOptimWrapper',
           'WnAGroupClipOptimWrapper', 'PerGroupClipMixin',
           'WnAModuleGroupsOptimWrapperConstructor']
