"""WnA: a router ("watch") choosing among shape experts ("act") with open-set prototypes."""
from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence

import torch
from mmengine.logging import MessageHub
from mmengine.structures import LabelData
from mmocr.models.textrecog.recognizers.base import BaseRecognizer
from mmocr.registry import MODELS, TASK_UTILS
from mmocr.structures import TextRecogDataSample
from torch import nn

from projects.wna.charset import GlyphCharset, load_charset

from .classifier import greedy_decode
from .expert import Expert, ExpertOutput
from .label_space import LabelSpace
from .losses import per_sample_recognition_loss

CharsetSource = str | os.PathLike | GlyphCharset


@MODELS.register_module(name='WnARecognizer')
class WnARecognizer(BaseRecognizer):
    """The Watch-and-Act recogniser (MODEL.md).

    Components (all built from configs through MMOCR's registries):

    * ``backbone``: the shared ``WnAResNet45Core`` (conv weights of the experts and the
      glyph encoder);
    * ``router``: ``WnARouter`` with its own backbone (defaults to a ``WnAResNet45`` of
      the shared core's architecture);
    * ``experts``: ``WnAExpert`` configs in router-output order (hori, vert, rect), as a
      list or as a dict keyed by expert name (which child configs can merge into);
    * ``glyph_encoder``: ``WnAGlyphEncoder``; ``classifier``: ``WnAOpenSetClassifier``;
    * ``routing``: ``WnARoutingPolicy``; ``proto_sampler``: ``WnAPrototypeSampler``;
    * ``loss``: ``WnAMoELoss``.

    Args:
        train_charset: glyph dictionary for training (path read with ``load_charset``, or
            a ``GlyphCharset``); loaded on first use.
        default_charset: dictionary for test samples without a ``dict_path`` meta key
            (and for inference).
        proto_chunk: glyphs encoded per chunk when caching a test dictionary.

    Inputs (from ``WnADataPreprocessor``): ``{'imgs': [uint8 [3, H_i, W_i]], 'thumbs':
    float [N, 3, 32, 32]}``. ``loss`` returns ``loss_<expert>`` per expert and
    ``loss_route`` plus diagnostics (keys without "loss"); ``predict`` fills
    ``pred_text`` (``item``, ``score``) and ``pred_route`` (``expert``, ``index``,
    ``probs``).

    Test prototypes are computed once per dictionary in eval mode and cached (warm the
    cache with :meth:`prototypes_for`); the cache is dropped by ``train()`` and when
    weights are loaded, and nothing is cached in training mode.
    """

    def __init__(self,
                 backbone: dict,
                 router: dict,
                 experts: Sequence[dict] | Mapping[str, dict],
                 glyph_encoder: dict | None = None,
                 classifier: dict | None = None,
                 routing: dict | None = None,
                 proto_sampler: dict | None = None,
                 loss: dict | None = None,
                 train_charset: CharsetSource | None = None,
                 default_charset: CharsetSource | None = None,
                 proto_chunk: int = 256,
                 data_preprocessor: dict | None = None,
                 init_cfg: dict | None = None) -> None:
        super().__init__(data_preprocessor=data_preprocessor or dict(type='WnADataPreprocessor'),
                         init_cfg=init_cfg)
        self.backbone = MODELS.build(backbone)
        arch, widths = self.backbone.arch, self.backbone.out_channels
        core_as_backbone = dict(type='WnAResNet45', out_stages=self.backbone.out_stages,
                                **arch)
        self.router = MODELS.build(router, default_args=dict(backbone=core_as_backbone))
        shared = dict(arch=arch, feat_channels=widths)
        if isinstance(experts, Mapping):
            experts = [dict(cfg, name=name) for name, cfg in experts.items()]
        built = [MODELS.build(cfg, default_args=shared) for cfg in experts]
        self.experts = nn.ModuleDict((e.name, e) for e in built)
        if len(self.experts) != len(built):
            raise ValueError('expert names must be distinct')
        self.glyph_encoder = MODELS.build(glyph_encoder or dict(type='WnAGlyphEncoder'),
                                          default_args=shared)
        self.classifier = MODELS.build(classifier or dict(type='WnAOpenSetClassifier'))
        self.routing = TASK_UTILS.build(routing or dict(type='WnARoutingPolicy'))
        if self.routing.num_experts != len(self.experts):
            raise ValueError(f'the routing policy describes {self.routing.num_experts} '
                             f'experts, the model has {len(self.experts)}')
        too_long = [e.name for e in built if e.max_len < self.routing.len_range[1]]
        if too_long:
            raise ValueError(f'experts {too_long} read fewer characters than the routing '
                             f'policy admits ({self.routing.len_range[1]})')
        self.proto_sampler = TASK_UTILS.build(proto_sampler
                                              or dict(type='WnAPrototypeSampler'))
        self.loss_module = MODELS.build(loss or dict(type='WnAMoELoss'))
        self.train_charset = train_charset
        self.default_charset = default_charset
        self.proto_chunk = proto_chunk
        self._charsets: dict[object, GlyphCharset] = {}
        self._proto_cache: dict[object, tuple[LabelSpace, torch.Tensor, torch.Tensor]] = {}

    # ----------------------------------------------------------------- charsets
    def get_charset(self, source: CharsetSource) -> GlyphCharset:
        """The charset of a path (loaded once) or the charset itself."""
        if isinstance(source, GlyphCharset):
            return source
        key = os.fspath(source)
        if key not in self._charsets:
            self._charsets[key] = load_charset(key)
        return self._charsets[key]

    @staticmethod
    def _cache_key(source: CharsetSource) -> object:
        return id(source) if isinstance(source, GlyphCharset) else os.fspath(source)

    @torch.no_grad()
    def prototypes_for(self, source: CharsetSource
                       ) -> tuple[LabelSpace, torch.Tensor, torch.Tensor]:
        """Label space, prototypes ``[K, C]`` and prototype labels ``[K]`` of a whole
        dictionary, computed in eval mode in chunks; cached while the model is in eval
        mode."""
        key = self._cache_key(source)
        if key in self._proto_cache:
            return self._proto_cache[key]
        space = LabelSpace.full(self.get_charset(source))
        was_training = self.glyph_encoder.training
        self.glyph_encoder.eval()
        try:
            protos = self.glyph_encoder.encode_chunked(
                space.charset.glyphs[space.char_index], self.backbone, self.proto_chunk)
        finally:
            self.glyph_encoder.train(was_training)
        entry = (space, protos, torch.as_tensor(space.proto_labels, device=protos.device))
        if not self.training:
            self._proto_cache[key] = entry
        return entry

    def clear_prototype_cache(self) -> None:
        self._proto_cache.clear()

    def train(self, mode: bool = True) -> WnARecognizer:
        """Switching to training mode drops the prototype cache (weights will change);
        ``eval()`` keeps it, so a hook may warm the cache before the loop's ``eval()``."""
        if mode:
            self.clear_prototype_cache()
        return super().train(mode)

    def _load_from_state_dict(self, *args, **kwargs) -> None:
        self.clear_prototype_cache()
        super()._load_from_state_dict(*args, **kwargs)

    # ------------------------------------------------------------------ helpers
    def clip_groups(self) -> list[str]:
        """Module paths of upstream's gradient-clipping groups (MODEL.md 9), for
        ``ModuleGroupsOptimWrapperConstructor``: router core / norms / attention /
        command; shared core, glyph norms / attention, classifier; per expert its norms,
        spatial embedding, temporal branch, length head and attention conv. Norm sets
        are affine-free (no parameters), so their groups are empty."""
        groups = ['router.backbone.core', 'router.backbone.norms', 'router.pool',
                  'router.command', 'backbone', 'glyph_encoder.norms', 'glyph_encoder.pool',
                  'classifier']
        for name in self.experts:
            groups += [f'experts.{name}.{part}' for part in
                       ('norms', 'spatial_embedding', 'temporal', 'length_head', 'attention')]
        return groups

    @property
    def device(self) -> torch.device:
        return next(self.parameters()).device

    @staticmethod
    def _runner_iteration() -> int | None:
        """MMEngine's current training iteration (from the message hub), or ``None``
        outside a runner; it makes prototype sampling resumable."""
        return MessageHub.get_current_instance().get_info('iter')

    @staticmethod
    def aspect_ratios(imgs: Sequence[torch.Tensor]) -> torch.Tensor:
        """``[N]`` float64 W/H of ``[3, H, W]`` images."""
        return torch.tensor([img.shape[-1] / img.shape[-2] for img in imgs],
                            dtype=torch.float64)

    def _run_experts(self, imgs: Sequence[torch.Tensor], chosen: torch.Tensor
                     ) -> dict[str, tuple[list[int], ExpertOutput]]:
        """Each expert on the samples of its column of the bool ``[N, E]`` ``chosen``,
        as one batch per expert."""
        outputs = {}
        for e, (name, expert) in enumerate(self.experts.items()):
            idx = chosen[:, e].nonzero().flatten().tolist()
            if idx:
                outputs[name] = (idx, expert([imgs[i] for i in idx], self.backbone))
        return outputs

    def extract_feat(self, inputs: dict
                     ) -> tuple[torch.Tensor, torch.Tensor,
                                dict[str, tuple[list[int], ExpertOutput]]]:
        """Test-time routing and expert outputs.

        Returns:
            router logits ``[N, E]`` (with rule-based routing the router is not run and
            the logits are 0 for the rule's expert, -inf elsewhere), the chosen (best
            feasible) expert per sample ``[N]``, and per expert the indices routed to it
            with its outputs (one batch per expert).
        """
        mask = self.routing.test_mask(self.aspect_ratios(inputs['imgs'])).to(self.device)
        if self.routing.rule_based:  # one expert is left per sample: the router is idle
            logits = torch.zeros(mask.shape, device=mask.device).masked_fill(~mask, -math.inf)
        else:
            logits = self.router(inputs['thumbs'])
        chosen = self.routing.select(logits, mask, k=1).float().argmax(dim=1)
        onehot = nn.functional.one_hot(chosen, len(self.experts)).bool()
        return logits, chosen, self._run_experts(inputs['imgs'], onehot)

    # --------------------------------------------------------------------- modes
    def _forward(self, inputs: dict, data_samples=None, **kwargs) -> dict:
        """Raw test-routing outputs: router logits, chosen experts and expert outputs."""
        logits, chosen, experts = self.extract_feat(inputs)
        return dict(route_logits=logits, chosen=chosen, experts=experts)

    def loss(self, inputs: dict, data_samples: Sequence[TextRecogDataSample],
             **kwargs) -> dict[str, torch.Tensor]:
        imgs = inputs['imgs']
        texts = [ds.gt_text.item for ds in data_samples]
        if self.train_charset is None:
            raise ValueError('WnARecognizer.train_charset must be set for training')
        charset = self.get_charset(self.train_charset)

        logits = self.router(inputs['thumbs'])
        log_probs = logits.log_softmax(dim=1)
        code_points = torch.tensor([len(t) for t in texts])
        mask = self.routing.feasible(self.aspect_ratios(imgs), code_points)
        routed = self.routing.select(logits, mask.to(logits.device))

        space = self.proto_sampler.sample(texts, charset, step=self._runner_iteration())
        protos = self.glyph_encoder(charset.glyphs[space.char_index], self.backbone)
        proto_labels = torch.as_tensor(space.proto_labels, device=protos.device)
        targets = [space.encode(t) for t in texts]

        penalties = logits.new_zeros(logits.shape)
        results: dict[str, torch.Tensor] = {}
        names = list(self.experts)
        for name, (idx, out) in self._run_experts(imgs, routed).items():
            expert, e_index = self.experts[name], names.index(name)
            per_sample, step_logits = self._recognition_loss(
                expert, out, [targets[i] for i in idx], protos, proto_labels, space)
            preds = None
            if self.loss_module.needs_decode:
                labels, _ = greedy_decode(step_logits, out.len_logits.argmax(dim=1))
                preds = [space.decode(lab) for lab in labels]
            penalties[idx, e_index] = self.loss_module.penalty(
                per_sample, preds, [space.mask_text(texts[i]) for i in idx])
            loss, dropped = self.loss_module.expert_loss(per_sample, log_probs[idx, e_index])
            results[f'loss_{name}'] = loss
            results[f'{name}_share'] = logits.new_tensor(len(idx) / len(imgs))
            results[f'{name}_penalty'] = penalties[idx, e_index].mean().detach()
            results[f'{name}_ohem_dropped'] = logits.new_tensor(float(dropped))
        for name in self.experts:
            results.setdefault(f'loss_{name}', logits.new_zeros(()))
        results['loss_route'] = self.loss_module.route_loss(logits, penalties,
                                                            routed.to(logits.device))
        results['num_protos'] = logits.new_tensor(float(len(space.char_index)))
        return results

    def _recognition_loss(self, expert: Expert, out: ExpertOutput, targets: list[list[int]],
                          protos: torch.Tensor, proto_labels: torch.Tensor,
                          space: LabelSpace) -> tuple[torch.Tensor, torch.Tensor]:
        """Per-sample loss ``[n]`` and the step logits ``[n, S, L + 1]`` of all ``S`` =
        max GT length steps (also used for the penalty decode)."""
        device = out.feat.device
        lengths = torch.tensor([len(t) for t in targets], device=device)
        num_steps = int(lengths.max())
        if lengths.min() < 1 or num_steps > expert.max_len:
            raise ValueError(f'expert {expert.name}: label lengths must be in '
                             f'1..{expert.max_len}, got {lengths.tolist()}')
        step_logits = self.classifier(out.step_features(num_steps), protos, proto_labels,
                                      space.num_labels)
        valid = torch.arange(num_steps, device=device) < lengths[:, None]
        per_sample = per_sample_recognition_loss(
            out.len_logits, lengths, step_logits[valid],
            torch.tensor([c for t in targets for c in t], device=device),
            valid.nonzero()[:, 0])
        return per_sample, step_logits

    def predict(self, inputs: dict, data_samples: Sequence[TextRecogDataSample] | None = None,
                **kwargs) -> list[TextRecogDataSample]:
        imgs = inputs['imgs']
        if data_samples is None:
            data_samples = [TextRecogDataSample() for _ in imgs]
        sources = [ds.metainfo.get('dict_path') or self.default_charset for ds in data_samples]
        if any(s is None for s in sources):
            raise ValueError('a test sample has no dict_path and the model has no '
                             'default_charset')
        logits, chosen, experts = self.extract_feat(inputs)
        probs = logits.softmax(dim=1).tolist()
        for idx, out in experts.values():
            pred_len = out.len_logits.argmax(dim=1)
            steps = out.step_features(max(1, int(pred_len.max())))
            groups: dict[object, list[int]] = {}
            for pos, i in enumerate(idx):
                groups.setdefault(self._cache_key(sources[i]), []).append(pos)
            for positions in groups.values():
                space, protos, proto_labels = self.prototypes_for(sources[idx[positions[0]]])
                step_logits = self.classifier(steps[positions], protos, proto_labels,
                                              space.num_labels)
                labels, scores = greedy_decode(step_logits, pred_len[positions])
                for pos, lab, score in zip(positions, labels, scores):
                    data_samples[idx[pos]].pred_text = LabelData(
                        item=space.decode(lab), score=score)
        names = list(self.experts)
        for ds, e, p in zip(data_samples, chosen.tolist(), probs):
            ds.pred_route = LabelData(expert=names[e], index=e, probs=p)
        return list(data_samples)
