"""Converting the published upstream WnA weights (``lancercat/wna``) into a wna checkpoint.

Upstream keeps every module of the network in its own file. Its modular saver
(``neko_modular_NG.save_stub``) writes one ``state_dict`` per module as
``<module name><iteration key>.pth``; e.g. ``fe_fe_core_E2.pth`` is the shared ResNet45
core after two 200k-iteration "epochs" (``_E2`` = the 400k checkpoint every reported
MOOSTR number uses; ``_E<e>_I<i>`` are the others, e.g. ``_E3_I100000`` = 700k, the
checkpoint of the English close-set XL run). Optimiser files
(``..._opt.pth``, ``..._opt_sched.pth``) sit next to them and are not read.

Module names come from upstream's model factory (``neko_wna_v6_base``, names in
``neko_2024_NGNW/common/namescope.py``); expert modules carry the expert prefix ``hori_``,
``vert_`` or ``rect_`` (the wna expert name plus ``_``). Which upstream module is which wna
sub-module is the table of :mod:`projects.wna.models.upstream_modules`; this module adds,
per wna sub-module, how the state-dict keys are renamed (:data:`RENAME_RULES`). Shapes are
not tabulated; they come from the wna model built from a config, so every config converts
(paper widths, XL or the narrow demo twin) as long as the upstream tensors fit.

Conversion is strict: every upstream tensor is used exactly once or is listed in
:data:`IGNORED_TENSORS`, and every wna parameter and buffer is filled. The only
tolerated gap is ``num_batches_tracked`` (written by torch >= 0.4.1 only, unused in
eval mode), which then keeps wna's initial value and is reported. Everything else left
over, missing or of the wrong shape is an :class:`UpstreamConversionError` naming it.

The glyph dictionaries need no conversion: wna reads upstream ``dictsv2/<name>/vismeta.pt``
folders directly (:func:`projects.wna.charset.load_charset`). The test configs find them
as ``$WNA_DATA/dictsv2/<name>`` (``configs/wna/_base_/datasets/moostr_test_all.py``).
"""
from __future__ import annotations

import os
import os.path as osp
import re
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

import mmengine
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmocr.registry import MODELS
from torch import nn

from projects.wna.charset import READ_ERRORS, read_error_reason
from projects.wna.models.upstream_modules import upstream_modules, upstream_prefix

#: A key renaming rule: ``(pattern, replacement)``. A wna key (relative to its module)
#: that ``fullmatch``-es ``pattern`` becomes ``pattern.sub(replacement, key)`` upstream.
Rule = tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]]
_EXPERT_PART = re.compile(r'^experts\.[^.]+\.')


def _rule(pattern: str, replacement: str | Callable[[re.Match[str]], str]) -> Rule:
    return re.compile(pattern), replacement


def _resnet_rules(stem: str, layers: Mapping[str, str]) -> tuple[Rule, ...]:
    """Rules from wna's ``ResNet45Core`` / ``ResNet45Norms`` keys to upstream's
    ``neko_module_collectionNG`` names.

    Upstream flattens its layer dict into module names: ``root_0_<stem>`` is the stem
    and ``root_<s>_blocks_<b>_<layer>`` block ``b`` of stage ``s`` counted from 1, so
    wna's 0-based ``stages.<s>`` is upstream's ``root_<s + 1>``.
    """
    def block(match: re.Match[str]) -> str:
        stage, index, layer, tensor = match.groups()
        return f'root_{int(stage) + 1}_blocks_{index}_{layers[layer]}.{tensor}'

    names = '|'.join(layers)
    return (_rule(r'stem\.(\w+)', rf'root_0_{stem}.\1'),
            _rule(rf'stages\.(\d+)\.(\d+)\.({names})\.(\w+)', block))


#: ``ResNet45Core``: conv1 / conv2 of each block and the first block's shortcut conv.
CORE_RULES = _resnet_rules('conv', dict(conv1='conv1', conv2='conv2',
                                        shortcut='downsample_conv'))
#: ``ResNet45Norms`` (affine-free BatchNorms: running statistics only).
NORM_RULES = _resnet_rules('bn', dict(bn1='bn1', bn2='bn2', shortcut='downsample_bn'))
#: ``SpatialAttentionPool`` = upstream ``spatial_attention_NG_mk2``.
POOL_RULES = (_rule(r'pos', 'se_engine.param'), _rule(r'score\.(.+)', r'core.\1'))

#: How the keys of each wna sub-module (as :mod:`projects.wna.models.upstream_modules`
#: names them; ``{expert}`` stands for any expert) are renamed upstream.
RENAME_RULES: dict[str, tuple[Rule, ...]] = {
    'router.backbone.core': CORE_RULES,
    'router.backbone.norms': NORM_RULES,
    'router.pool': POOL_RULES,
    # neko_feature_based_static_router: layer = Sequential(Linear, BatchNorm1d).
    'router.command': (_rule(r'(.+)', r'layer.\1'),),
    'backbone': CORE_RULES,
    'glyph_encoder.norms': NORM_RULES,
    'glyph_encoder.pool': POOL_RULES,
    'classifier': (_rule(r'tau', 'UNK_SCR'),),
    'experts.{expert}.norms': NORM_RULES,
    # temporal_se_dino_like_mk1: one neko_add_embint_se ``se_<i>`` per map.
    'experts.{expert}.spatial_embedding': (_rule(r'grids\.(\d+)', r'se_\1.param'),),
    # temporal_fe_fpn: fpn / convs (CAM encoder) / deconvs (CAM decoder, built in
    # reversed stride order as wna's decoder is).
    'experts.{expert}.temporal': (_rule(r'fpn\.(.+)', r'fpn.\1'),
                                  _rule(r'encoder\.(.+)', r'convs.\1'),
                                  _rule(r'decoder\.(.+)', r'deconvs.\1')),
    # Head "main_": lenpred_basic_mk1 and attention_conv_sigmoid_mk1 (conv = Sequential).
    'experts.{expert}.length_head': (_rule(r'(weight|bias)', r'lenpred.\1'),),
    'experts.{expert}.attention': (_rule(r'(weight|bias)', r'conv.0.\1'),),
}

#: Upstream modules without tensors (attention aggregation, prototype sampler, DTD).
#: Upstream saves them as empty state dicts; their files may be present or absent.
PARAMETER_FREE_MODULES = ('prototyper_aggr', 'meta_sampler')
EXPERT_PARAMETER_FREE_MODULES = ('{prefix}main_DTD', )

#: Upstream tensors wna has no place for, with the reason they are dropped.
IGNORED_TENSORS: dict[tuple[str, str], str] = {
    ('sp_token_embedding', 'emb'):
    'embeddings of the special tokens [-] and [s] ([2, 1, C]); built by upstream\'s '
    'factory but never read by the WnA network (MODEL.md 9-10)',
}


class UpstreamConversionError(ValueError):
    """The upstream tensors do not fit the wna model; the message lists every problem."""

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems = list(problems)
        super().__init__('upstream weights do not fit the wna model:\n  '
                         + '\n  '.join(self.problems))


class Slot(NamedTuple):
    """Where an upstream tensor goes: the wna state-dict key and its shape."""
    wna_key: str
    shape: tuple[int, ...]


def _rules_of(wna_prefix: str) -> tuple[Rule, ...]:
    """The :data:`RENAME_RULES` of a filled-in wna prefix (``experts.hori.norms`` ->
    those of ``experts.{expert}.norms``)."""
    part = _EXPERT_PART.sub('experts.{expert}.', wna_prefix)
    if part not in RENAME_RULES:
        raise KeyError(f'no renaming rules for the wna sub-module {part} of the upstream '
                       'module table')
    return RENAME_RULES[part]


def module_table(expert_names: Iterable[str]) -> list[tuple[str, str, tuple[Rule, ...]]]:
    """The upstream module table (:func:`projects.wna.models.upstream_modules.
    upstream_modules`) with the renaming rules of each row, as ``(upstream module, wna
    prefix, rules)``."""
    return [(m.upstream, m.wna, _rules_of(m.wna)) for m in upstream_modules(expert_names)]


def parameter_free_modules(expert_names: Iterable[str]) -> set[str]:
    """Names of the upstream modules that hold no tensors."""
    return set(PARAMETER_FREE_MODULES) | {
        m.format(prefix=upstream_prefix(n)) for n in expert_names
        for m in EXPERT_PARAMETER_FREE_MODULES}


def _rename(key: str, rules: tuple[Rule, ...]) -> str | None:
    for pattern, replacement in rules:
        if pattern.fullmatch(key):
            return pattern.sub(replacement, key, count=1)
    return None


def upstream_layout(model: nn.Module) -> dict[str, dict[str, Slot]]:
    """The upstream files a wna model needs: ``{module: {upstream key: Slot}}``.

    Covers every entry of ``model.state_dict()`` (parameters and buffers) exactly once.
    ``model`` must have an ``experts`` ``ModuleDict`` (a ``WnARecognizer``).

    Raises:
        ValueError: a wna key has no upstream name, or two share one (a table error or a
            model that differs from upstream's).
    """
    table = module_table(model.experts.keys())
    layout: dict[str, dict[str, Slot]] = {module: {} for module, _, _ in table}
    problems = []
    for wna_key, tensor in model.state_dict().items():
        owners = [(module, prefix, rules) for module, prefix, rules in table
                  if wna_key.startswith(prefix + '.')]
        upstream_key = None
        if len(owners) == 1:
            module, prefix, rules = owners[0]
            upstream_key = _rename(wna_key[len(prefix) + 1:], rules)
        if upstream_key is None:
            problems.append(f'wna key {wna_key} has no upstream counterpart')
        elif upstream_key in layout[module]:
            problems.append(f'wna keys {layout[module][upstream_key].wna_key} and {wna_key} '
                            f'both map to upstream {module}/{upstream_key}')
        else:
            layout[module][upstream_key] = Slot(wna_key, tuple(tensor.shape))
    if problems:
        raise ValueError('the upstream name table does not cover the wna model:\n  '
                         + '\n  '.join(problems))
    return layout


def _shape(shape: Iterable[int]) -> str:
    return str(list(shape))


@dataclass
class ConversionReport:
    """What a conversion used.

    Attributes:
        tensors: per upstream module, the number of tensors carried over.
        ignored: ``'<module>/<key>'`` of the upstream tensors deliberately dropped, with
            their shapes.
        defaults: wna keys (``num_batches_tracked`` only) absent upstream that keep their
            initial value.
    """
    tensors: dict[str, int] = field(default_factory=dict)
    ignored: dict[str, tuple[int, ...]] = field(default_factory=dict)
    defaults: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """Human-readable lines: tensors per module, ignored tensors, kept defaults."""
        lines = [f'{sum(self.tensors.values())} tensors from {len(self.tensors)} upstream '
                 'modules:']
        lines += [f'  {module:28s} {count:4d}' for module, count in self.tensors.items()]
        for name, shape in self.ignored.items():
            lines.append(f'ignored {name} {_shape(shape)}: '
                         f'{IGNORED_TENSORS[tuple(name.split("/", 1))]}')
        if self.defaults:
            lines.append(f'{len(self.defaults)} num_batches_tracked buffers absent upstream '
                         'keep their initial value')
        return '\n'.join(lines)


def convert_state_dict(upstream: Mapping[str, Mapping[str, torch.Tensor]], model: nn.Module
                       ) -> tuple[OrderedDict[str, torch.Tensor], ConversionReport]:
    """Map upstream module state dicts onto ``model``'s state-dict keys.

    Args:
        upstream: ``{module name: state_dict}`` as upstream saved them.
        model: the wna model (only its state-dict keys, shapes and dtypes are used).

    Returns:
        the wna state dict (in ``model.state_dict()`` order, dtypes as the model's) and a
        :class:`ConversionReport`.

    Raises:
        UpstreamConversionError: listing every upstream tensor or module file left
            over, every one missing and every shape mismatch.
    """
    layout = upstream_layout(model)
    known = set(layout) | parameter_free_modules(model.experts.keys()) | {
        module for module, _ in IGNORED_TENSORS}
    expected = model.state_dict()
    converted: dict[str, torch.Tensor] = {}
    report = ConversionReport()
    problems = []
    for module, tensors in upstream.items():
        if module not in known:
            problems.append(f'unexpected upstream module {module} ({len(tensors)} tensors)')
            continue
        slots = layout.get(module, {})
        for key, value in tensors.items():
            name = f'{module}/{key}'
            if (module, key) in IGNORED_TENSORS:
                report.ignored[name] = tuple(getattr(value, 'shape', ()))
            elif key not in slots:
                problems.append(f'unexpected upstream tensor {name}')
            elif not isinstance(value, torch.Tensor):
                problems.append(f'upstream {name} is a {type(value).__name__}, not a tensor')
            elif tuple(value.shape) != slots[key].shape:
                problems.append(f'shape mismatch: upstream {name} {_shape(value.shape)} vs '
                                f'wna {slots[key].wna_key} {_shape(slots[key].shape)}')
            else:
                target = expected[slots[key].wna_key]
                converted[slots[key].wna_key] = value.detach().to(
                    dtype=target.dtype, device='cpu').clone()
                report.tensors[module] = report.tensors.get(module, 0) + 1
    for module, slots in layout.items():
        if module not in upstream:
            problems.append(f'missing upstream module {module} ({len(slots)} tensors for '
                            f'wna {_common_prefix(s.wna_key for s in slots.values())})')
            continue
        for key, slot in slots.items():
            if key in upstream[module]:
                continue
            if slot.wna_key.endswith('.num_batches_tracked'):
                converted[slot.wna_key] = expected[slot.wna_key].detach().clone()
                report.defaults.append(slot.wna_key)
            else:
                problems.append(f'missing upstream tensor {module}/{key} (for wna '
                                f'{slot.wna_key})')
    if problems:
        raise UpstreamConversionError(problems)
    return OrderedDict((k, converted[k]) for k in expected), report


def _common_prefix(keys: Iterable[str]) -> str:
    parts = [k.split('.') for k in keys]
    common = os.path.commonprefix(parts) if parts else []
    return '.'.join(common) or '(root)'


def load_upstream_modules(src_dir: str | os.PathLike, iter_key: str = '_E2'
                          ) -> dict[str, dict[str, torch.Tensor]]:
    """Read every ``<module><iter_key>.pth`` of an upstream save folder.

    Args:
        src_dir: the folder upstream's saver wrote (one run).
        iter_key: the iteration key, e.g. ``_E2`` (400k iterations) or ``_E1_I20000``.

    Returns:
        ``{module name: state_dict}`` (tensors on the CPU), sorted by module name.

    Raises:
        FileNotFoundError: the folder holds no ``*<iter_key>.pth`` file.
        ValueError: a module file cannot be read (truncated, empty, not a ``torch.save``
            file); the message starts with its path.
    """
    src_dir = os.fspath(src_dir)
    suffix = f'{iter_key}.pth'
    names = sorted(f for f in os.listdir(src_dir)
                   if f.endswith(suffix) and len(f) > len(suffix)
                   and osp.isfile(osp.join(src_dir, f)))
    if not names:
        raise FileNotFoundError(f'no upstream module files *{suffix} in {src_dir}')
    modules = {}
    for name in names:
        path = osp.join(src_dir, name)
        try:
            data = torch.load(path, map_location='cpu', weights_only=True)
        except READ_ERRORS as err:
            raise ValueError(f'{path}: not a readable upstream module file '
                             f'({read_error_reason(err)})') from err
        if not isinstance(data, Mapping):
            raise UpstreamConversionError(
                [f'{name} holds a {type(data).__name__}, not a state dict'])
        modules[name[:-len(suffix)]] = dict(data)
    return modules


def build_model(config: str | os.PathLike | Config) -> nn.Module:
    """Build the ``model`` of a wna config through MMOCR's registry (CPU, train mode)."""
    cfg = config if isinstance(config, Config) else Config.fromfile(os.fspath(config))
    init_default_scope(cfg.get('default_scope', 'mmocr'))
    return MODELS.build(cfg.model)


def convert_upstream(src_dir: str | os.PathLike, config: str | os.PathLike,
                     out: str | os.PathLike, iter_key: str = '_E2') -> ConversionReport:
    """Convert an upstream save folder for a wna config and write an MMEngine checkpoint.

    The checkpoint is ``{'state_dict': ..., 'meta': ...}``; ``meta`` records the config
    (``cfg``, as runner checkpoints do), the upstream source and iteration key, the
    tensors per upstream module and the ignored tensors.

    Returns:
        the :class:`ConversionReport`.
    """
    upstream = load_upstream_modules(src_dir, iter_key)  # unreadable files fail first
    cfg = Config.fromfile(os.fspath(config))
    state_dict, report = convert_state_dict(upstream, build_model(cfg))
    meta = dict(
        cfg=cfg.pretty_text,
        mmengine_version=mmengine.__version__,
        upstream=dict(source=osp.abspath(os.fspath(src_dir)), iter_key=iter_key,
                      tensors=dict(report.tensors), ignored=sorted(report.ignored),
                      defaults=list(report.defaults)),
    )
    out = os.fspath(out)
    if osp.dirname(out):
        os.makedirs(osp.dirname(out), exist_ok=True)
    torch.save(dict(state_dict=state_dict, meta=meta), out)
    return report

