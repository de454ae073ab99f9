"""Median and range over training seeds (``projects.wna.analysis.seed_summary``)."""
import pytest

from projects.wna.analysis.seed_summary import format_seed_table, median_seed, summarize_seeds

RUNS = {0: {'T/acr': 0.30, 'T/f': 0.9, 'T/only0': 1.0},
        1: {'T/acr': 0.50, 'T/f': 0.8},
        2: {'T/acr': 0.20, 'T/f': 0.7}}


def test_median_range_and_common_keys():
    summary = summarize_seeds(RUNS)
    assert list(summary) == ['T/acr', 'T/f']  # only metrics every run has
    acr = summary['T/acr']
    assert acr['median'] == pytest.approx(0.30) and acr['min'] == 0.20 and acr['max'] == 0.50
    assert acr['range'] == pytest.approx(0.30) and acr['seeds'] == {0: 0.30, 1: 0.50, 2: 0.20}
    with pytest.raises(KeyError):
        summarize_seeds(RUNS, ['T/only0'])
    with pytest.raises(ValueError):
        summarize_seeds({})


def test_median_seed_and_table():
    assert median_seed(RUNS, 'T/acr') == 0
    assert median_seed({3: {'a': 0.1}, 4: {'a': 0.2}}, 'a') == 3  # lower middle
    table = format_seed_table(summarize_seeds(RUNS, ['T/acr']))
    assert table.splitlines()[0] == '| metric | median | range | seed 0 | seed 1 | seed 2 |'
    assert '| T/acr | 30.00 | 20.00-50.00 (30.00) | 30.00 | 50.00 | 20.00 |' in table
