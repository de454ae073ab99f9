"""The per-batch open-set prototype sampler (training time)."""
from __future__ import annotations

import math
import random
from collections.abc import Sequence

from mmocr.registry import TASK_UTILS

from projects.wna.charset import GlyphCharset, split_graphemes

from .label_space import LabelSpace


@TASK_UTILS.register_module()
class WnAPrototypeSampler:
    """Per-batch prototype sampling: WnA's open-set simulation (MODEL.md 5.3).

    1. The distinct grapheme clusters of the batch's labels are shuffled.
    2. With budget ``min(capacity - num_special, floor(keep_fraction * #clusters))``
       walk them: skip clusters unknown to the charset; otherwise take the character's
       whole case cluster if the number of new characters fits the remaining budget.
    3. Fill up to ``capacity - num_special`` prototypes with random charset characters
       *unrelated* to any batch character (left-out ones included), so withheld
       characters never appear as negatives and must be read as UNK.

    Args:
        capacity: prototype capacity including special tokens (256).
        keep_fraction: fraction of the batch's distinct characters kept (0.8).
        num_special: special tokens counted against the capacity (upstream ``[s]``: 1);
            they are not classes.
        negatives_may_be_servants: allow upper-case servants as negatives.
        seed: base seed of the sampler's private RNGs; ``None`` draws it from Python's
            global ``random`` at construction (which MMEngine's ``randomness`` setting
            seeds before the model is built).
        closed_set_steps: a closed-set warm-up: for training steps below it every batch
            character within the capacity is kept (none is withheld as UNK), so the model
            learns to read before it learns to reject; 0 (WnA's recipe) withholds from
            the first step. Needs the step (:meth:`set_step` or ``step``); draws from the
            private stream are never warm-up draws.

    With a step (the training iteration), a batch's draw depends only on ``(seed,
    step)``, so a run resumed from a checkpoint samples exactly the prototypes of an
    uninterrupted run; without one, draws continue one private stream. In a runner,
    ``WnAPrototypeSamplerStepHook`` sets the step before every training iteration with
    :meth:`set_step` (as ``DistSamplerSeedHook`` calls a data sampler's ``set_epoch``).
    """

    def __init__(self, capacity: int = 256, keep_fraction: float = 0.8,
                 num_special: int = 1, negatives_may_be_servants: bool = True,
                 seed: int | None = None, closed_set_steps: int = 0) -> None:
        if capacity - num_special < 1:
            raise ValueError('capacity must exceed num_special')
        if closed_set_steps < 0:
            raise ValueError(f'closed_set_steps must be >= 0, got {closed_set_steps}')
        self.capacity = capacity
        self.keep_fraction = keep_fraction
        self.num_special = num_special
        self.negatives_may_be_servants = negatives_may_be_servants
        self.seed = random.getrandbits(63) if seed is None else int(seed)
        self.closed_set_steps = closed_set_steps
        self.step: int | None = None
        self._stream = random.Random(self.seed)

    def set_step(self, step: int | None) -> None:
        """Draw the following batches from ``(seed, step)`` (``None``: the private stream)."""
        self.step = None if step is None else int(step)

    def sample(self, texts: Sequence[str], charset: GlyphCharset,
               step: int | None = None) -> LabelSpace:
        """The label space of one training batch with labels ``texts``, drawn from
        ``(seed, step)`` for the given ``step``, else for the step set by
        :meth:`set_step`, else from the private stream."""
        step = self.step if step is None else step
        rng = self._stream if step is None else random.Random(f'{self.seed}/{step}')
        clusters = list(dict.fromkeys(g for t in texts for g in split_graphemes(t)))
        rng.shuffle(clusters)
        limit = self.capacity - self.num_special
        if step is not None and step < self.closed_set_steps:
            remaining = limit  # warm-up: the whole capacity for the batch's characters
        else:
            remaining = min(limit, math.floor(self.keep_fraction * len(clusters)))
        chosen: dict[int, None] = {}
        related: set[int] = set()
        for ch in clusters:
            if ch not in charset:
                continue
            group = charset.case_cluster(ch)
            related.update(group)
            new = [i for i in group if i not in chosen]
            if len(new) <= remaining:
                chosen.update(dict.fromkeys(new))
                remaining -= len(new)
        negatives = [i for i in range(len(charset))
                     if i not in related and (self.negatives_may_be_servants
                                              or charset.masters[i] == i)]
        rng.shuffle(negatives)
        chosen.update(dict.fromkeys(negatives[:max(0, limit - len(chosen))]))
        if not chosen:
            raise ValueError('no prototype could be sampled: the charset has no character '
                             'outside the batch and the batch has none inside it')
        return LabelSpace(charset, chosen)
