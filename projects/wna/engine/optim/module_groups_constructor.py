"""Builds an optimiser with one parameter group per (named) module."""
from __future__ import annotations

from collections.abc import Sequence

from mmocr.registry import OPTIM_WRAPPER_CONSTRUCTORS, OPTIM_WRAPPERS, OPTIMIZERS
from torch import nn


def module_param_groups(model: nn.Module, prefixes: Sequence[str]) -> list[dict]:
    """Split the trainable parameters of ``model`` into named groups.

    A parameter belongs to the longest prefix in ``prefixes`` that equals its module
    path or is a dotted ancestor of it; parameters matching no prefix are grouped by
    their top-level child. Parameters shared by several modules appear once. Groups
    without parameters are omitted.

    Returns:
        ``[{'name': prefix, 'params': [...]}, ...]`` in the order of ``prefixes``, then
        the fallback groups.
    """
    by_length = sorted(set(prefixes), key=len, reverse=True)
    groups: dict[str, list] = {p: [] for p in prefixes}
    for name, param in model.named_parameters():
        if not param.requires_grad:
            continue
        owner = next((p for p in by_length if name.startswith(p + '.')), None)
        if owner is None:
            owner = name.split('.', 1)[0]
        groups.setdefault(owner, []).append(param)
    return [dict(name=n, params=ps) for n, ps in groups.items() if ps]


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class WnAModuleGroupsOptimWrapperConstructor:
    """One optimiser parameter group per module, for per-module gradient clipping.

    The groups are the module paths in ``paramwise_cfg['groups']`` if given, else those
    returned by the model's ``clip_groups()`` method (``WnARecognizer`` names upstream's
    modules), else one group per top-level child. All groups share the optimiser's
    settings, except that ``paramwise_cfg['lr_mult']`` (``{group: factor}``) scales the
    learning rate of named groups; parameter schedulers then scale every group's own rate.

    Config::

        optim_wrapper = dict(
            type='WnAGroupClipOptimWrapper',
            constructor='WnAModuleGroupsOptimWrapperConstructor',
            optimizer=dict(type='Adadelta', lr=0.1, rho=0.9, eps=1e-6, weight_decay=5e-4),
            clip_grad=dict(max_norm=20, norm_type=2),
            paramwise_cfg=dict(lr_mult=dict(classifier=30.0)))  # optional
    """

    def __init__(self, optim_wrapper_cfg: dict, paramwise_cfg: dict | None = None) -> None:
        if 'optimizer' not in optim_wrapper_cfg:
            raise KeyError('optim_wrapper needs an "optimizer" entry')
        self.optim_wrapper_cfg = dict(optim_wrapper_cfg)
        self.optimizer_cfg = dict(self.optim_wrapper_cfg.pop('optimizer'))
        paramwise_cfg = dict(paramwise_cfg or {})
        self.groups = paramwise_cfg.pop('groups', None)
        self.lr_mult = {str(k): float(v) for k, v in paramwise_cfg.pop('lr_mult', {}).items()}
        if paramwise_cfg:
            raise ValueError(f'unsupported paramwise_cfg keys: {sorted(paramwise_cfg)}')

    def __call__(self, model: nn.Module):
        model = getattr(model, 'module', model)
        if self.groups is not None:
            prefixes = list(self.groups)
        elif hasattr(model, 'clip_groups'):
            prefixes = list(model.clip_groups())
        else:
            prefixes = [name for name, _ in model.named_children()]
        groups = module_param_groups(model, prefixes)
        unknown = set(self.lr_mult) - {g['name'] for g in groups}
        if unknown:
            raise ValueError(f'lr_mult names groups without trainable parameters or not '
                             f'in the grouping: {sorted(unknown)}')
        if self.lr_mult:
            if 'lr' not in self.optimizer_cfg:
                raise KeyError('lr_mult needs an explicit optimizer lr')
            for group in groups:
                if group['name'] in self.lr_mult:
                    group['lr'] = self.optimizer_cfg['lr'] * self.lr_mult[group['name']]
        optimizer = OPTIMIZERS.build(dict(self.optimizer_cfg, params=groups))
        wrapper_cfg = dict(self.optim_wrapper_cfg)
        wrapper_cfg.setdefault('type', 'WnAGroupClipOptimWrapper')
        return OPTIM_WRAPPERS.build(wrapper_cfg, default_args=dict(optimizer=optimizer))
