"""Set selection for best-of-K, history-structure candidates and clip-bootstrap intervals, each checked against a
direct computation (brute force, a hand-made history, resampling by hand)."""

import itertools

import numpy as np
import pytest

from actionzs.anticipation.candidates import history_futures
from actionzs.anticipation.data import edit_distance
from actionzs.anticipation.selection import EXACT_LIMIT, choose_k, distance_matrix, expected_best_of_k
from actionzs.anticipation.statistics import clip_resamples, interval, paired_summary

A, B, C, D = ("take", "a"), ("put", "b"), ("cut", "c"), ("wash", "d")


def brute_force_value(candidates, weights, k):
    w = np.asarray(weights) / np.sum(weights)
    return min(sum(wj * min(edit_distance(cj, s) for s in subset) for cj, wj in zip(candidates, w))
               for subset in itertools.combinations(candidates, k))


def value_of(chosen, candidates, weights):
    distances = distance_matrix(candidates)
    index = [candidates.index(c) for c in chosen]
    return expected_best_of_k(index, distances, np.asarray(weights) / np.sum(weights))


@pytest.mark.parametrize("seed", range(6))
def test_chosen_set_minimises_expected_best_of_k_like_brute_force(seed):
    rng = np.random.default_rng(seed)
    actions = [A, B, C, D]
    candidates = []
    while len(candidates) < 9:
        sequence = [actions[i] for i in rng.integers(0, 4, size=6)]
        if sequence not in candidates:
            candidates.append(sequence)
    weights = rng.dirichlet(np.ones(len(candidates)) * 0.5)
    chosen = choose_k(candidates, weights, 3)
    assert len(chosen) == 3 and len({tuple(c) for c in chosen}) == 3
    assert value_of(chosen, candidates, weights) == pytest.approx(brute_force_value(candidates, weights, 3))


def test_a_set_spreads_over_likely_futures_instead_of_near_copies():
    likely = [[A] * 6, [A] * 5 + [B], [A] * 4 + [B] * 2]  # near-copies of one future
    other = [[C] * 6]
    chosen = choose_k(likely + other, [0.3, 0.25, 0.2, 0.25], 2)
    assert [C] * 6 in chosen  # the top-2 by weight would be two near-copies


def test_greedy_with_swaps_beyond_the_exhaustive_limit_is_close_to_brute_force(monkeypatch):
    import actionzs.anticipation.selection as selection

    monkeypatch.setattr(selection, "EXACT_LIMIT", 1)
    rng = np.random.default_rng(7)
    candidates = [[[A, B, C, D][i] for i in rng.integers(0, 4, size=5)] for _ in range(10)]
    weights = np.ones(10)
    chosen = choose_k(candidates, weights, 3)
    assert value_of(chosen, candidates, weights) <= brute_force_value(candidates, weights, 3) * 1.1 + 1e-9
    assert EXACT_LIMIT > 1


def test_history_futures_repeat_suffixes_and_cycle_by_recency():
    observed = [A, B, A, C, A, C]
    got = history_futures(observed, 5)
    assert got[0] == [C] * 5  # the last action held
    assert got[1] == [A, C, A, C, A]  # the last two repeated
    assert [B, A, C, B, A] in got  # distinct actions cycled in order of last occurrence: B, A, C
    assert [A] * 5 in got  # the most frequent held
    assert len({tuple(g) for g in got}) == len(got)


def test_clip_bootstrap_moves_a_clip_s_windows_together_and_pairs_methods():
    clips = [0, 0, 1, 1, 1]
    weights = clip_resamples(clips, resamples=500, seed=3)
    assert np.all(weights[:, 0] == weights[:, 1]) and np.all(weights[:, 2] == weights[:, 4])
    assert set(weights.sum(axis=1) / 1) <= {4.0, 5.0, 6.0}  # 2 clips drawn: 2+2, 2+3 or 3+3 windows
    values = [0.0, 0.0, 1.0, 1.0, 1.0]
    low, high = interval(values, weights)
    assert low == 0.0 and high == 1.0  # a resample of clip 0 twice has mean 0, of clip 1 twice mean 1
    summary = paired_summary({"x": values, "y": values, "z": [1.0] * 5}, clips, "x")
    assert summary["differences"]["y"] == {"mean": 0.0, "ci95": [0.0, 0.0]}
    by_hand = np.asarray(values) - 1.0
    assert summary["differences"]["z"]["mean"] == pytest.approx(by_hand.mean())
    assert summary["intervals"]["z"] == [1.0, 1.0]
