"""The one table of upstream's modules (``lancercat/wna``) and the wna sub-modules they are.

Upstream keeps every network part in its own module, which it saves to its own file and
clips on its own (``clip_grad_norm_(module.parameters(), 20)``; MODEL.md 9). This table is
the single place that pairs each of them with the wna sub-module it corresponds to; both
the per-module gradient-clipping groups (:meth:`WnARecognizer.clip_groups`) and the
checkpoint converter (:mod:`projects.wna.convert`) read it.

Rows are in upstream's clipping order (the order of the optimiser's parameter groups,
which resumed runs rely on): the router's parts, the shared backbone, the glyph encoder's
parts and the classifier, then the same five parts for every expert.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple


class UpstreamModule(NamedTuple):
    """One upstream module: its saved name and the wna sub-module path it fills."""
    upstream: str
    wna: str


#: Modules outside the experts.
SHARED_MODULES: tuple[UpstreamModule, ...] = (
    UpstreamModule('router_fe_core', 'router.backbone.core'),
    UpstreamModule('router_fe_backbone_bn', 'router.backbone.norms'),
    UpstreamModule('router_attention', 'router.pool'),
    UpstreamModule('router_command', 'router.command'),
    UpstreamModule('fe_fe_core', 'backbone'),
    UpstreamModule('prototyper_fe_bn', 'glyph_encoder.norms'),
    UpstreamModule('proto_att', 'glyph_encoder.pool'),
    UpstreamModule('classifier', 'classifier'),
)

#: Modules of each expert: ``{prefix}`` is upstream's expert prefix (the wna expert name
#: and ``_``, e.g. ``hori_``) and ``{expert}`` the wna expert name.
EXPERT_MODULES: tuple[UpstreamModule, ...] = (
    UpstreamModule('{prefix}fe_bn', 'experts.{expert}.norms'),
    UpstreamModule('{prefix}spatial_embedding', 'experts.{expert}.spatial_embedding'),
    UpstreamModule('{prefix}temporal_fe', 'experts.{expert}.temporal'),
    UpstreamModule('{prefix}main_word_len_pred', 'experts.{expert}.length_head'),
    UpstreamModule('{prefix}main_att_mod', 'experts.{expert}.attention'),
)


def upstream_prefix(expert: str) -> str:
    """Upstream's module prefix of the wna expert ``expert`` (``hori`` -> ``hori_``)."""
    return f'{expert}_'


def upstream_modules(expert_names: Iterable[str]) -> list[UpstreamModule]:
    """:data:`SHARED_MODULES`, then :data:`EXPERT_MODULES` filled in for each expert."""
    table = list(SHARED_MODULES)
    for name in expert_names:
        table += [UpstreamModule(m.upstream.format(prefix=upstream_prefix(name)),
                                 m.wna.format(expert=name)) for m in EXPERT_MODULES]
    return table
