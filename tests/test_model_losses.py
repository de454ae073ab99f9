"""WnA losses on hand-made values (MODEL.md 8)."""
from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from conftest import make_charset

from projects.wna.models import (
    ExpertLogits,
    LabelSpace,
    WnAImitationRouteLoss,
    WnALossPenalty,
    WnAMoELoss,
    WnANEDMixPenalty,
    WnAOHEM,
    WnAPolicyGradientRouteLoss,
    aroute_loss,
    greedy_decode,
    packed_greedy_labels,
    per_sample_recognition_loss,
    pgroute_loss,
)


def test_per_sample_loss_is_length_ce_plus_mean_char_ce():
    len_logits = torch.tensor([[0.0, 2.0, 0.0], [1.0, 0.0, 3.0]])
    char_logits = torch.tensor([[2.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    targets = torch.tensor([0, 1, 0])
    index = torch.tensor([0, 1, 1])  # sample 0 has one char, sample 1 two
    got = per_sample_recognition_loss(len_logits, torch.tensor([1, 2]), char_logits, targets,
                                      index)
    ce = F.cross_entropy(char_logits, targets, reduction='none')
    expected = torch.stack([
        F.cross_entropy(len_logits[:1], torch.tensor([1])) + ce[0],
        F.cross_entropy(len_logits[1:], torch.tensor([2])) + (ce[1] + ce[2]) / 2])
    torch.testing.assert_close(got, expected)


LOSSES = torch.tensor([1.0, 9.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 0.5,
                       0.1, 0.2, 0.3, 0.4, 0.6, 0.7, 0.8, 0.9, 1.1, 1.2])  # n = 20, k = 2
WEIGHTS = torch.full((20, ), 0.5)
WEIGHTS[10] = 1000.0  # loss 0.1 but a huge weighted loss (100)
WEIGHTS[9] = 20.0     # loss 0.5, weighted 10


def zeroed(w):
    return set(torch.nonzero(w == 0).flatten().tolist())


def test_ohem01_drops_the_k_largest_losses():
    assert zeroed(WnAOHEM()(LOSSES, WEIGHTS)) == {1, 8}


def test_ohem01E_also_drops_the_k_largest_weighted_losses():
    # top-2 loss: {1 (9.0), 8 (8.0)}; top-2 loss*w: {10 (100), 9 (10)}
    assert zeroed(WnAOHEM(weighted=True)(LOSSES, WEIGHTS)) == {1, 8, 9, 10}


def test_ohem01E_overlap_drops_fewer():
    w = torch.full((20, ), 0.5)
    # both criteria pick samples 1 and 8 -> only 10% dropped
    assert zeroed(WnAOHEM(weighted=True)(LOSSES, w)) == {1, 8}


def test_ohem_none_and_small_batches_keep_weights():
    assert WnAMoELoss(mining=None).expert_loss(LOSSES, WEIGHTS.log())[1] == 0
    assert torch.equal(WnAOHEM(weighted=True)(LOSSES[:9], WEIGHTS[:9]), WEIGHTS[:9])
    with pytest.raises(ValueError, match='OHEM'):
        WnAOHEM(fraction=2.0)


def test_expert_loss_means_over_the_routed_set_with_detached_weights():
    losses = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    log_probs = torch.log(torch.tensor([0.5, 0.25, 1.0])).requires_grad_()
    loss, dropped = WnAMoELoss(mining=None).expert_loss(losses, log_probs)
    torch.testing.assert_close(loss, torch.tensor((0.5 + 0.5 + 3.0) / 3))
    loss.backward()
    assert log_probs.grad is None
    torch.testing.assert_close(losses.grad, torch.tensor([0.5, 0.25, 1.0]) / 3)
    assert dropped == 0


PENALTIES = torch.tensor([[5.0, 0.0, 2.0],    # routed to hori and rect -> rect is best
                          [1.0, 3.0, 0.0],    # routed to hori and vert -> hori
                          [0.0, 0.0, 0.0]])   # routed nowhere
ROUTED = torch.tensor([[True, False, True], [True, True, False], [False, False, False]])


def test_aroute_supervises_the_lowest_penalty_routed_expert():
    logits = torch.tensor([[0.0, 1.0, 2.0], [1.0, 0.0, -1.0], [3.0, 0.0, 0.0]],
                          requires_grad=True)
    loss = aroute_loss(logits, PENALTIES, ROUTED)
    ce = F.cross_entropy(logits, torch.tensor([2, 0, 0]), reduction='none')
    w = torch.tensor([0.5 + 1e-6, 0.5 + 1e-6, 1e-6])
    torch.testing.assert_close(loss, (w * ce).sum())
    loss.backward()
    assert logits.grad[2].abs().sum() > 0  # v = 0 still carries the 1e-6 weight


def test_aroute_without_any_routed_sample_is_finite():
    logits = torch.zeros(2, 3, requires_grad=True)
    loss = aroute_loss(logits, torch.zeros(2, 3), torch.zeros(2, 3, dtype=torch.bool))
    assert math.isfinite(float(loss.detach()))


def test_pgroute_sums_penalty_times_log_prob_over_routed_pairs():
    logits = torch.tensor([[0.0, 1.0, 2.0], [1.0, 0.0, -1.0], [3.0, 0.0, 0.0]],
                          requires_grad=True)
    log_probs = logits.log_softmax(dim=1)
    loss = pgroute_loss(log_probs, PENALTIES, ROUTED)
    expected = (5.0 * log_probs[0, 0] + 2.0 * log_probs[0, 2] + 1.0 * log_probs[1, 0]
                + 3.0 * log_probs[1, 1]) / 3
    torch.testing.assert_close(loss, expected)
    loss.backward()
    # d/dz_b = (c_b - pi_b * sum_a c_a) / N over the routed experts of a sample
    pi = logits.detach().softmax(dim=1)
    c = torch.where(ROUTED, PENALTIES, torch.zeros_like(PENALTIES))
    torch.testing.assert_close(logits.grad, (c - pi * c.sum(1, keepdim=True)) / 3)


def test_route_loss_parts():
    logits = torch.randn(3, 3)
    torch.testing.assert_close(WnAImitationRouteLoss()(logits, PENALTIES, ROUTED),
                               aroute_loss(logits, PENALTIES, ROUTED))
    torch.testing.assert_close(WnAPolicyGradientRouteLoss()(logits, PENALTIES, ROUTED),
                               pgroute_loss(logits.log_softmax(1), PENALTIES, ROUTED))


def test_nedmix_penalty():
    loss = WnANEDMixPenalty()
    losses = torch.tensor([1.0, 2.0, 0.5, 0.25])
    preds = ['abc', 'ABX', '', 'xyz⑨']
    gts = ['abc', 'abcd', 'ab', 'ab⑨']
    # NED on lower-cased code points: 0, 2/4 = 0.5, 1.0 -> clamp 0.6, 3/3 -> 0.6
    got = loss(losses, preds, gts)
    torch.testing.assert_close(got, torch.tensor([1.0, 52.0, 60.5, 60.25]))
    assert not got.requires_grad
    torch.testing.assert_close(WnALossPenalty()(losses), losses)
    with pytest.raises(ValueError, match='nedmix'):
        loss(losses)


def one_hot_steps(labels, num_labels=5):
    """Step logits ``[S, L + 1]`` that read ``labels`` (10 at the label, 0 elsewhere)."""
    return F.one_hot(torch.tensor(labels), num_labels + 1).float() * 10


def test_upstream_penalty_decode_misreads_after_a_length_over_the_cap():
    # an expert batch of three samples, S = 3 steps computed (the longest target)
    logits = torch.stack([one_hot_steps([1, 2, 3]), one_hot_steps([4, 0, 2]),
                          one_hot_steps([3, 3, 1])])
    lengths = torch.tensor([5, 2, 3])  # sample 0 predicts 5 > S characters
    # packed rows, capped at S: [1 2 3][4 0][3 3 1] + zero rows up to sum(lengths) = 10;
    # sliced with the uncapped lengths 5, 2, 3; label 0 (and zero rows) never printed
    assert packed_greedy_labels(logits, lengths) == [[1, 2, 3, 4], [3, 3], [1]]
    assert greedy_decode(logits, lengths)[0] == [[1, 2, 3], [4, 0], [3, 3, 1]]
    assert greedy_decode(logits, lengths, skip_label0=True)[0] == [[1, 2, 3], [4], [3, 3, 1]]


def test_upstream_compat_penalties_on_a_hand_made_expert_batch():
    space = LabelSpace(make_charset(list('abcde')), range(5))  # labels a=0 ... e=4
    logits = ExpertLogits([0, 1, 2], F.one_hot(torch.tensor([5, 2, 3]), 33).float(),
                          torch.stack([one_hot_steps([1, 2, 3]), one_hot_steps([4, 0, 2]),
                                       one_hot_steps([3, 3, 1])]))
    assert WnAMoELoss.penalty_readings(logits, space) == ['bcd', 'ea', 'ddb']
    assert WnAMoELoss.penalty_readings(logits, space, upstream_compat=True) == [
        'bcde', 'dd', 'b']
    losses, gts = torch.zeros(3), ['bcd', 'ea', 'ddb']
    fixed = WnANEDMixPenalty()(losses, ['bcd', 'ea', 'ddb'], gts)
    upstream = WnANEDMixPenalty()(losses, ['bcde', 'dd', 'b'], gts)
    torch.testing.assert_close(fixed, torch.zeros(3))
    torch.testing.assert_close(upstream, torch.tensor([100 / 3, 60.0, 60.0]))
