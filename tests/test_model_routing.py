"""Feasibility masks and action selection on hand-made aspect ratios (MODEL.md 3.2-3.3)."""
from __future__ import annotations

import pytest
import torch

from projects.wna.models import WnALearnedRouting, WnARuleBasedRouting

H, V, R = 0, 1, 2


def experts(mask_row) -> set[int]:
    return {i for i, m in enumerate(mask_row.tolist()) if m}


@pytest.mark.parametrize('ar,expected', [
    (3.5, {H}), (3.0001, {H}), (3.0, {H, R}), (2.0, {H, R}), (1.0001, {H, R}),
    (1.0, {H, V, R}),
    (0.9999, {V, R}), (0.5, {V, R}), (0.3, {V, R}), (0.2999, {V}), (0.05, {V}), (50.0, {H}),
])
def test_learned_routing_feasible_sets(ar, expected):
    mask = WnALearnedRouting().feasible(torch.tensor([ar]))
    assert experts(mask[0]) == expected


def test_boundaries_from_pixel_sizes():
    # W/H computed from integer sizes hits the closed boundaries exactly
    ar = torch.tensor([3 / 10, 30 / 10, 10 / 10], dtype=torch.float64)
    mask = WnALearnedRouting().feasible(ar)
    assert [experts(r) for r in mask] == [{V, R}, {H, R}, {H, V, R}]


def test_length_filter_at_training():
    policy = WnALearnedRouting()
    mask = policy.feasible(torch.tensor([1.0, 1.0, 1.0, 1.0]), torch.tensor([0, 1, 32, 33]))
    assert [experts(r) for r in mask] == [set(), {H, V, R}, {H, V, R}, set()]


@pytest.mark.parametrize('ar,expected', [
    (5.0, H), (2.0, H), (1.99, R), (1.0, R), (0.51, R), (0.5, V), (0.2, V), (3.5, H),
])
def test_rule_based_closest_anchor(ar, expected):
    policy = WnARuleBasedRouting()
    mask = policy.feasible(torch.tensor([ar]))
    assert experts(mask[0]) == {expected}
    # the router has no say: whatever the logits, the rule expert is selected
    logits = torch.tensor([[0.0, 5.0, -5.0]]) if expected != V else torch.tensor([[5.0, 0, 5]])
    assert experts(policy.select(logits, mask, k=1)[0]) == {expected}


def test_selection_all_feasible_at_training_and_best_feasible_at_test():
    policy = WnALearnedRouting()
    ar = torch.tensor([1.0, 2.0, 0.5, 10.0])
    logits = torch.tensor([[0.1, 0.9, 0.5], [0.2, 0.1, 3.0], [9.0, 1.0, 2.0],
                           [-5.0, 4.0, 3.0]])
    mask = policy.feasible(ar)
    assert torch.equal(policy.select(logits, mask), mask)
    chosen = policy.select(logits, mask, k=1)
    assert [experts(r) for r in chosen] == [{V}, {R}, {R}, {H}]


def test_test_mask_falls_back_to_closest_anchor():
    policy = WnALearnedRouting()
    mask = policy.test_mask(torch.tensor([20000.0, float('nan'), 1.5]))
    assert [experts(r) for r in mask] == [{H}, {R}, {H, R}]
