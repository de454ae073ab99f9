"""Open-set classifier, greedy decoding, label spaces and the prototype sampler."""
from __future__ import annotations

import random
from types import SimpleNamespace

import pytest
import torch
from conftest import make_charset

from projects.wna.engine.hooks import WnAPrototypeSamplerStepHook
from projects.wna.models import (
    LabelSpace,
    WnAOpenSetClassifier,
    WnAPrototypeSampler,
    greedy_decode,
)
from projects.wna.models.heads.classifier import max_merge


def test_max_merge_takes_the_best_prototype_per_label():
    scores = torch.tensor([[1.0, 5.0, -2.0, 0.5], [3.0, 2.0, 7.0, 1.0]])
    labels = torch.tensor([0, 1, 0, 2])
    torch.testing.assert_close(max_merge(scores, labels, 3),
                               torch.tensor([[1.0, 5.0, 0.5], [7.0, 2.0, 1.0]]))


def test_classifier_dot_products_max_merge_and_unk_logit():
    clf = WnAOpenSetClassifier(tau_init=0.5)
    protos = torch.tensor([[1.0, 0.0], [0.0, 1.0], [0.6, 0.8]])  # unit norm
    labels = torch.tensor([0, 1, 0])  # prototypes 0 and 2 are case variants
    feats = torch.tensor([[3.0, 4.0], [0.0, -2.0]])
    logits = clf(feats, protos, labels, 2)
    torch.testing.assert_close(logits, torch.tensor([
        [max(3.0, 0.6 * 3 + 0.8 * 4), 4.0, 0.5 * 5.0],
        [max(0.0, -1.6), -2.0, 0.5 * 2.0]]))
    # the second feature matches nothing above the cosine threshold tau: rejected
    assert logits.argmax(dim=1).tolist() == [0, 2]
    assert sum(p.numel() for p in clf.parameters()) == 1


def test_greedy_decode_reads_predicted_lengths_and_label_zero():
    logits = torch.full((2, 3, 3), -5.0)
    logits[0, :, 0] = 5.0   # label 0 everywhere: decodable (upstream quirk 1 not replicated)
    logits[1, 0, 2] = 5.0
    logits[1, 1, 1] = 5.0
    labels, probs = greedy_decode(logits, torch.tensor([2, 5]))
    assert labels == [[0, 0], [2, 1, 0]]  # length clipped to the 3 steps computed
    assert len(probs[0]) == 2 and all(0.99 < p <= 1 for p in probs[0])


def test_label_space_merges_case_clusters_and_prints_masters():
    cs = make_charset()
    space = LabelSpace(cs, [cs.index('B'), cs.index('a'), cs.index('b'), cs.index('一')])
    assert space.proto_labels.tolist() == [0, 1, 0, 2]
    assert space.label_chars == ['b', 'a', '一'] and space.unk_label == 3
    assert space.encode('aB一x') == [1, 0, 2, 3]
    assert space.decode([0, 1, 3, 2]) == 'ba⑨一'
    # only characters that have a prototype are known ('A' has none here; in training
    # whole case clusters are sampled, so this cannot split a batch character's cluster)
    assert space.mask_text('aAb二') == 'a⑨b⑨'
    assert space.encode('A') == [space.unk_label]
    full = LabelSpace.full(cs)
    assert full.num_labels == cs.num_labels and len(full.char_index) == len(cs)


def test_sampler_keeps_at_most_80_percent_as_whole_clusters():
    cs = make_charset()
    sampler = WnAPrototypeSampler(capacity=256, seed=3)
    texts = ['abcde', '一二三四五', 'f0', 'x']  # 13 distinct clusters, 'x' unknown
    space = sampler.sample(texts, cs)
    in_space = {cs.chars[i] for i in space.char_index}
    batch_known = set('abcdef0一二三四五')
    kept = batch_known & in_space
    assert len(kept) <= int(0.8 * 13)
    for ch in kept & set('abcdef'):  # case clusters are added whole
        assert ch.upper() in in_space
    withheld = batch_known - kept
    assert withheld  # some batch characters are withheld ...
    for ch in withheld:  # ... never appear as negatives, and become UNK
        assert ch not in in_space and ch.upper() not in in_space
        assert space.encode(ch) == [space.unk_label]
    assert space.encode('x') == [space.unk_label]
    # the remaining capacity is filled with unrelated negatives: here the whole charset
    negatives = in_space - batch_known - {c.upper() for c in batch_known}
    assert negatives == set(cs.chars) - batch_known - {c.upper() for c in batch_known}


def test_closed_set_warm_up_withholds_nothing_before_its_last_step():
    cs = make_charset()
    texts = ['abcde', '一二三四五', 'f0']
    batch_known = set('abcdef0一二三四五')
    sampler = WnAPrototypeSampler(seed=3, closed_set_steps=10)

    def kept(step):
        space = sampler.sample(texts, cs, step=step)
        return batch_known & {cs.chars[i] for i in space.char_index}

    assert kept(0) == kept(9) == batch_known  # warm-up: every batch character is a class
    assert len(kept(10)) <= int(0.8 * 12)  # then 20 % are withheld as UNK, as WnA does
    assert len(kept(None)) <= int(0.8 * 12)  # no step known: never a warm-up draw
    plain = WnAPrototypeSampler(seed=3)
    assert (sampler.sample(texts, cs, step=10).char_index.tolist()
            == plain.sample(texts, cs, step=10).char_index.tolist())
    with pytest.raises(ValueError, match='closed_set_steps'):
        WnAPrototypeSampler(closed_set_steps=-1)


def test_sampler_capacity_is_255_prototypes():
    chars = [chr(0x4E00 + i) for i in range(400)]
    cs = make_charset(chars)
    texts = [''.join(chars[i:i + 20]) for i in range(0, 400, 20)]  # all 400 in the batch
    space = WnAPrototypeSampler(seed=0).sample(texts, cs)
    assert len(space.char_index) == 255  # budget min(255, 320) = 255, no room for negatives
    space = WnAPrototypeSampler(seed=0).sample(texts[:5], cs)  # 100 chars: keep 80
    kept = len(set(''.join(texts[:5])) & {cs.chars[i] for i in space.char_index})
    assert kept == 80 and len(space.char_index) == 255


def test_sampler_seed_comes_from_the_global_rng_without_seed():
    cs = make_charset()
    random.seed(5)
    a = WnAPrototypeSampler().sample(['abcdef0123'], cs).char_index
    random.seed(5)
    b = WnAPrototypeSampler().sample(['abcdef0123'], cs).char_index
    assert a.tolist() == b.tolist()


def test_sampler_draw_depends_only_on_seed_and_step():
    cs = make_charset()
    texts = ['abcdefghij0123456789']
    stream = WnAPrototypeSampler(seed=7)
    for _ in range(3):  # consuming the private stream does not change step draws
        stream.sample(texts, cs)
    fresh = WnAPrototypeSampler(seed=7)
    assert (stream.sample(texts, cs, step=41).char_index.tolist()
            == fresh.sample(texts, cs, step=41).char_index.tolist())
    draws = {tuple(fresh.sample(texts, cs, step=s).char_index.tolist()) for s in range(5)}
    assert len(draws) == 5


def test_step_hook_hands_the_training_iteration_to_the_sampler():
    cs = make_charset()
    texts = ['abcdefghij0123456789']
    model = torch.nn.Module()
    model.proto_sampler = WnAPrototypeSampler(seed=7)
    runner = SimpleNamespace(model=model, iter=41)
    WnAPrototypeSamplerStepHook().before_train_iter(runner, batch_idx=0)
    assert model.proto_sampler.step == 41
    assert (model.proto_sampler.sample(texts, cs).char_index.tolist()
            == WnAPrototypeSampler(seed=7).sample(texts, cs, step=41).char_index.tolist())
    WnAPrototypeSamplerStepHook().before_train_iter(SimpleNamespace(model=torch.nn.Module(),
                                                                    iter=3), batch_idx=0)
