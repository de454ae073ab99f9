"""WnA: a router ("watch") choosing among shape experts ("act") with open-set prototypes."""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import torch
from mmengine.structures import LabelData
from mmocr.models.textrecog.recognizers.base import BaseRecognizer
from mmocr.registry import MODELS, TASK_UTILS
from mmocr.structures import TextRecogDataSample
from torch import nn

from ..experts import ExpertOutput
from ..fast import WnAFastInference
from ..heads import CharsetSource, LabelSpace, PrototypeSet, greedy_decode
from ..losses import ExpertLogits
from ..routers import WnARoutingPolicy
from ..upstream_modules import upstream_modules


@MODELS.register_module()
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
    * ``routing``: a routing policy (``WnALearnedRouting`` or ``WnARuleBasedRouting``);
    * ``proto_sampler``: ``WnAPrototypeSampler`` (training prototypes per batch);
    * ``prototype_bank``: ``WnAPrototypeBank`` (dictionaries and whole-dictionary
      prototypes);
    * ``loss``: ``WnAMoELoss``, the whole objective.

    Args:
        train_charset: glyph dictionary for training (a path read by the prototype bank,
            or a ``GlyphCharset``).
        default_charset: dictionary for test samples without a ``dict_path`` meta key;
            :meth:`predict` takes another one as its ``charset`` argument.
        upstream_compat: replicate the upstream behaviours that wna otherwise fixes
            (docs/fidelity.md): no reading ever outputs label 0 (the dictionary's first
            character), at test time and in the training NED penalty, and the penalty's
            decodes read upstream's misaligned packed rows. The published numbers were
            produced this way; off by default. Always exact float32.
        fast_inference: a ``WnAFastInference`` config: the fast test-time path
            (folded norms, reduced-precision convolutions; docs/performance.md); ``None``
            (default) reads in exact float32. :meth:`predict` and :meth:`prototypes_for`
            take another one, or ``False`` for float32, as their ``fast`` argument.

    Inputs (from ``WnADataPreprocessor``): ``{'imgs': [uint8 [3, H_i, W_i]], 'thumbs':
    float [N, 3, 32, 32]}``. ``loss`` returns ``loss_<expert>`` per expert and
    ``loss_route`` plus diagnostics (keys without "loss"); ``predict`` fills
    ``pred_text`` (``item``, ``score``) and ``pred_route`` (``expert``, ``index``,
    ``probs``), and on request ``pred_attention`` (``maps``, ``chars``, ``expert``).

    The model keeps no state besides its weights and its configured components: test
    prototypes come from :meth:`prototypes_for`, which the prototype bank serves from its
    cache while the weights are unchanged.
    """

    def __init__(self,
                 backbone: dict,
                 router: dict,
                 experts: Sequence[dict] | Mapping[str, dict],
                 glyph_encoder: dict | None = None,
                 classifier: dict | None = None,
                 routing: dict | None = None,
                 proto_sampler: dict | None = None,
                 prototype_bank: dict | None = None,
                 loss: dict | None = None,
                 train_charset: CharsetSource | None = None,
                 default_charset: CharsetSource | None = None,
                 upstream_compat: bool = False,
                 fast_inference: dict | None = None,
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
        self.routing = self._build_routing(routing or dict(type='WnALearnedRouting'))
        self.proto_sampler = TASK_UTILS.build(proto_sampler
                                              or dict(type='WnAPrototypeSampler'))
        self.prototype_bank = TASK_UTILS.build(prototype_bank
                                               or dict(type='WnAPrototypeBank'))
        self.loss_module = MODELS.build(loss or dict(type='WnAMoELoss'))
        self.train_charset = train_charset
        self.default_charset = default_charset
        self.upstream_compat = upstream_compat
        self.fast_inference = (None if fast_inference is None
                               else TASK_UTILS.build(fast_inference))
        self._fast_path(None)  # checks the combination

    def _build_routing(self, cfg: dict | WnARoutingPolicy) -> WnARoutingPolicy:
        """Build a routing policy and check that it fits the experts."""
        policy = cfg if isinstance(cfg, WnARoutingPolicy) else TASK_UTILS.build(cfg)
        if policy.num_experts != len(self.experts):
            raise ValueError(f'the routing policy describes {policy.num_experts} '
                             f'experts, the model has {len(self.experts)}')
        too_long = [name for name, e in self.experts.items()
                    if e.max_len < policy.len_range[1]]
        if too_long:
            raise ValueError(f'experts {too_long} read fewer characters than the routing '
                             f'policy admits ({policy.len_range[1]})')
        return policy

    def _fast_path(self, fast: WnAFastInference | bool | None) -> WnAFastInference | None:
        """The test-time path to use: ``None`` -> the configured one, ``False`` -> exact
        float32, or the one given."""
        if fast is None:
            fast = self.fast_inference
        elif fast is True:
            raise ValueError('pass a WnAFastInference (or False / None), not True')
        fast = fast or None
        if fast is not None and self.upstream_compat:
            raise ValueError('upstream_compat reads in exact float32; it cannot be combined '
                             'with a fast inference path')
        return fast

    # --------------------------------------------------------------- prototypes
    def prototypes_for(self, source: CharsetSource,
                       fast: WnAFastInference | bool | None = None) -> PrototypeSet:
        """Label space, prototypes ``[K, C]`` and prototype labels ``[K]`` of a whole
        dictionary (a path or a ``GlyphCharset``), encoded in eval mode on the test-time
        path ``fast`` (as :meth:`predict`); served from the prototype bank's cache while
        the weights are unchanged."""
        return self.prototype_bank.prototypes(source, self.glyph_encoder, self.backbone,
                                              self._fast_path(fast))

    # ------------------------------------------------------------------ helpers
    def clip_groups(self) -> list[str]:
        """Module paths of upstream's gradient-clipping groups (MODEL.md 9), for
        ``WnAModuleGroupsOptimWrapperConstructor``: one per upstream module
        (:mod:`~projects.wna.models.upstream_modules`). Norm sets are affine-free (no
        parameters), so their groups are empty."""
        return [module.wna for module in upstream_modules(self.experts)]

    @property
    def device(self) -> torch.device:
        return next(self.parameters()).device

    @staticmethod
    def aspect_ratios(imgs: Sequence[torch.Tensor]) -> torch.Tensor:
        """``[N]`` float64 W/H of ``[3, H, W]`` images."""
        return torch.tensor([img.shape[-1] / img.shape[-2] for img in imgs],
                            dtype=torch.float64)

    def _run_experts(self, imgs: Sequence[torch.Tensor], chosen: torch.Tensor,
                     fast: WnAFastInference | None = None
                     ) -> dict[str, tuple[list[int], ExpertOutput]]:
        """Each expert on the samples of its column of the bool ``[N, E]`` ``chosen``,
        as one batch per expert (on the test-time path ``fast`` if given)."""
        outputs = {}
        for e, (name, expert) in enumerate(self.experts.items()):
            idx = chosen[:, e].nonzero().flatten().tolist()
            if not idx:
                continue
            batch = [imgs[i] for i in idx]
            outputs[name] = (idx, expert(batch, self.backbone) if fast is None else
                             expert.read(batch, fast.backbone(self.backbone, expert.norms),
                                         fast.temporal(expert.temporal)))
        return outputs

    def extract_feat(self, inputs: dict, routing: WnARoutingPolicy | None = None,
                     fast: WnAFastInference | bool | None = None
                     ) -> tuple[torch.Tensor, torch.Tensor,
                                dict[str, tuple[list[int], ExpertOutput]]]:
        """Test-time routing and expert outputs.

        Args:
            inputs: the data preprocessor's inputs.
            routing: a routing policy to use instead of the model's (e.g. the
                closest-anchor rule on weights trained with learned routing).
            fast: the test-time path (as :meth:`predict`).

        Returns:
            router logits ``[N, E]`` (from the policy's ``test_logits``: with rule-based
            routing the router is not run), the chosen (best feasible) expert per sample
            ``[N]``, and per expert the indices routed to it with its outputs (one batch
            per expert).
        """
        policy = self.routing if routing is None else self._build_routing(routing)
        fast = self._fast_path(fast)
        mask = policy.test_mask(self.aspect_ratios(inputs['imgs'])).to(self.device)
        router = self.router if fast is None else fast.router(self.router)
        logits = policy.test_logits(router, inputs['thumbs'], mask)
        chosen = policy.select(logits, mask, k=1).float().argmax(dim=1)
        onehot = nn.functional.one_hot(chosen, len(self.experts)).bool()
        return logits, chosen, self._run_experts(inputs['imgs'], onehot, fast)

    # --------------------------------------------------------------------- modes
    def _forward(self, inputs: dict, data_samples=None,
                 routing: WnARoutingPolicy | None = None,
                 fast: WnAFastInference | bool | None = None, **kwargs) -> dict:
        """Raw test-routing outputs: router logits, chosen experts and expert outputs."""
        logits, chosen, experts = self.extract_feat(inputs, routing, fast)
        return dict(route_logits=logits, chosen=chosen, experts=experts)

    def loss(self, inputs: dict, data_samples: Sequence[TextRecogDataSample],
             **kwargs) -> dict[str, torch.Tensor]:
        imgs = inputs['imgs']
        texts = [ds.gt_text.item for ds in data_samples]
        if self.train_charset is None:
            raise ValueError('WnARecognizer.train_charset must be set for training')
        charset = self.prototype_bank.charset(self.train_charset)

        logits = self.router(inputs['thumbs'])
        code_points = torch.tensor([len(t) for t in texts])
        mask = self.routing.feasible(self.aspect_ratios(imgs), code_points)
        routed = self.routing.select(logits, mask.to(logits.device))

        space = self.proto_sampler.sample(texts, charset)
        protos = self.glyph_encoder(charset.glyphs[space.char_index], self.backbone)
        proto_labels = torch.as_tensor(space.proto_labels, device=protos.device)
        targets = [space.encode(t) for t in texts]

        expert_logits = {}
        for name, (idx, out) in self._run_experts(imgs, routed).items():
            expert, lengths = self.experts[name], [len(targets[i]) for i in idx]
            if min(lengths) < 1 or max(lengths) > expert.max_len:
                raise ValueError(f'expert {name}: label lengths must be in '
                                 f'1..{expert.max_len}, got {lengths}')
            step_logits = self.classifier(out.step_features(max(lengths)), protos,
                                          proto_labels, space.num_labels)
            expert_logits[name] = ExpertLogits(idx, out.len_logits, step_logits)
        results = self.loss_module(logits, routed, expert_logits, targets, texts, space,
                                   list(self.experts), upstream_compat=self.upstream_compat)
        results['num_protos'] = logits.new_tensor(float(len(space.char_index)))
        return results

    def _attach_attention(self, samples: Sequence[TextRecogDataSample], att: torch.Tensor,
                          step_logits: torch.Tensor, lengths: torch.Tensor,
                          labels: Sequence[Sequence[int]], space: LabelSpace,
                          expert: str) -> None:
        """Set ``pred_attention`` of ``samples`` from their ``[n, max_len, h, w]`` maps:
        ``maps`` of the first ``lengths[i]`` steps, less the steps whose label 0 the
        decoder drops (``upstream_compat``), so that map ``k`` is that of ``chars[k]``,
        the ``k``-th read character (of the decoded ``labels``)."""
        kept = step_logits.argmax(dim=-1) != 0 if self.upstream_compat else None
        for i, (sample, n, lab) in enumerate(zip(samples, lengths.tolist(), labels)):
            n = min(n, step_logits.shape[1])
            maps = att[i, :n] if kept is None else att[i, :n][kept[i, :n]]
            sample.pred_attention = LabelData(maps=maps.detach().float().cpu(),
                                              chars=[space.decode([c]) for c in lab],
                                              expert=expert)

    def predict(self, inputs: dict, data_samples: Sequence[TextRecogDataSample] | None = None,
                charset: CharsetSource | None = None,
                routing: WnARoutingPolicy | None = None,
                fast: WnAFastInference | bool | None = None,
                return_attention: bool = False,
                **kwargs) -> list[TextRecogDataSample]:
        """Read a batch.

        Args:
            inputs: the data preprocessor's inputs.
            data_samples: one per image; a sample's ``dict_path`` metainfo names the
                dictionary it is read with.
            charset: the dictionary for samples without ``dict_path`` (default: the
                model's ``default_charset``).
            routing: a routing policy to use instead of the model's.
            fast: the test-time path: ``None`` the configured ``fast_inference``,
                ``False`` exact float32, or a ``WnAFastInference``.
            return_attention: also fill ``pred_attention``: ``maps`` (float32 CPU
                ``[L, h, w]``), the chosen expert's attention map of each of the ``L``
                read characters ``chars`` over its canvas (which stretches the whole
                image), and ``expert``.
        """
        imgs = inputs['imgs']
        if data_samples is None:
            data_samples = [TextRecogDataSample() for _ in imgs]
        fallback = self.default_charset if charset is None else charset
        sources = [ds.metainfo.get('dict_path') or fallback for ds in data_samples]
        if any(s is None for s in sources):
            raise ValueError('a test sample has no dict_path and the model has no '
                             'default_charset (nor was a charset given)')
        fast = self._fast_path(fast)
        logits, chosen, experts = self.extract_feat(inputs, routing, fast or False)
        probs = logits.softmax(dim=1).tolist()
        for name, (idx, out) in experts.items():
            pred_len = out.len_logits.argmax(dim=1)
            steps = out.step_features(max(1, int(pred_len.max())))
            groups: dict[object, list[int]] = {}
            for pos, i in enumerate(idx):
                groups.setdefault(self.prototype_bank.key(sources[i]), []).append(pos)
            for positions in groups.values():
                space, protos, proto_labels = self.prototypes_for(
                    sources[idx[positions[0]]], fast or False)
                step_logits = self.classifier(steps[positions], protos, proto_labels,
                                              space.num_labels)
                labels, scores = greedy_decode(step_logits, pred_len[positions],
                                               skip_label0=self.upstream_compat)
                for pos, lab, score in zip(positions, labels, scores):
                    data_samples[idx[pos]].pred_text = LabelData(
                        item=space.decode(lab), score=score)
                if return_attention:
                    self._attach_attention([data_samples[idx[p]] for p in positions],
                                           out.att[positions], step_logits,
                                           pred_len[positions], labels, space, name)
        names = list(self.experts)
        for ds, e, p in zip(data_samples, chosen.tolist(), probs):
            ds.pred_route = LabelData(expert=names[e], index=e, probs=p)
        return list(data_samples)
