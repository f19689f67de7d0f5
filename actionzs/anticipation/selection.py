"""Choosing K sequences for a best-of-K metric: the set that minimises the expected edit distance of its best
member to the future, the future being one of the candidates with the given probabilities (minimum Bayes risk
over sets). K near-copies of the likeliest sequence waste the K tries; a set spread over the likely futures
does not."""

from __future__ import annotations

import itertools
from math import comb

import numpy as np

from .data import Action

EXACT_LIMIT = 20000  # sets searched exhaustively up to this many; beyond, greedy then improving swaps


def distance_matrix(candidates: list[list[Action]]) -> np.ndarray:
    """Edit distance between every pair of candidates (rapidfuzz's ``cdist``, the metric of ``edit_distance``)."""
    from rapidfuzz.distance import Levenshtein
    from rapidfuzz.process import cdist

    sequences = [list(c) for c in candidates]
    return cdist(sequences, sequences, scorer=Levenshtein.distance).astype(np.float64)


def expected_best_of_k(chosen, distances: np.ndarray, weights: np.ndarray) -> float:
    """Σ_j w_j · min over the chosen set of the distance to candidate j."""
    return float(weights @ distances[:, list(chosen)].min(axis=1))


def choose_k(candidates: list[list[Action]], weights, k: int) -> list[list[Action]]:
    """The K candidates (in order of their weight) whose expected best-of-K edit distance is least."""
    if len(candidates) <= k:
        return list(candidates)
    weights = np.asarray(weights, dtype=np.float64)
    weights = weights / weights.sum()
    distances = distance_matrix(candidates)
    n = len(candidates)
    if comb(n, k) <= EXACT_LIMIT:
        chosen = min(itertools.combinations(range(n), k), key=lambda s: expected_best_of_k(s, distances, weights))
    else:
        chosen = _greedy_then_swaps(distances, weights, k)
    return [candidates[i] for i in sorted(chosen, key=lambda i: -weights[i])]


def _greedy_then_swaps(distances, weights, k) -> list[int]:
    n = len(weights)
    chosen: list[int] = []
    while len(chosen) < k:
        rest = [i for i in range(n) if i not in chosen]
        chosen.append(min(rest, key=lambda i: expected_best_of_k(chosen + [i], distances, weights)))
    improved = True
    while improved:
        improved = False
        for slot, i in itertools.product(range(k), range(n)):
            if i in chosen:
                continue
            trial = chosen[:slot] + [i] + chosen[slot + 1 :]
            if expected_best_of_k(trial, distances, weights) < expected_best_of_k(chosen, distances, weights) - 1e-12:
                chosen, improved = trial, True
    return chosen
