"""Simple anticipation baselines, each fitted on the in-context pool only (never on the evaluated clip)."""

from __future__ import annotations

from collections import Counter, defaultdict

from .data import Action, Window


def repeat_last(observed: list[Action], z: int, k: int) -> list[list[Action]]:
    return [[observed[-1]] * z]


class MostFrequent:
    """The K most frequent actions of the pool, each repeated Z times (one sequence per action)."""

    def __init__(self, pool: list[Window]):
        counts = Counter(a for w in pool for a in (*w.observed, *w.future))
        self.top = [a for a, _ in counts.most_common()]

    def predict(self, observed: list[Action], z: int, k: int) -> list[list[Action]]:
        return [[a] * z for a in self.top[:k]]


class ActionBigram:
    """First-order transitions between actions, backing off to the most frequent action; K sequences start
    from the K likeliest successors of the last observed action and continue greedily."""

    def __init__(self, pool: list[Window]):
        self.next: dict[Action, Counter] = defaultdict(Counter)
        counts = Counter()
        for w in pool:
            sequence = (*w.observed, *w.future)
            counts.update(sequence)
            for a, b in zip(sequence, sequence[1:]):
                self.next[a][b] += 1
        self.fallback = counts.most_common(1)[0][0]

    def _best(self, action: Action, skip: int = 0) -> Action:
        ranked = [a for a, _ in self.next[action].most_common(skip + 1)] if action in self.next else []
        return ranked[skip] if len(ranked) > skip else (ranked[0] if ranked else self.fallback)

    def predict(self, observed: list[Action], z: int, k: int) -> list[list[Action]]:
        sequences = []
        for start in range(k):
            current = self._best(observed[-1], start)
            sequence = [current]
            while len(sequence) < z:
                current = self._best(current)
                sequence.append(current)
            if sequence not in sequences:
                sequences.append(sequence)
        return sequences
