"""Continuations the LLM chooses among when it ranks instead of generating: what followed the most similar
pool sequences, what the pool's n-gram model predicts, and the last observed action held on; and continuations
read from the structure of the observed history itself (activities repeat: the last few actions cycle)."""

from __future__ import annotations

from collections import Counter

from .baselines import ActionBigram, repeat_last
from .data import Action, Window


def distinct(sequences) -> list[list[Action]]:
    out: list[list[Action]] = []
    for sequence in sequences:
        if sequence not in out:
            out.append(sequence)
    return out


def _pool_futures(nearest: list[Window], z: int) -> list[list[Action]]:
    return [(list(w.future[:z]) + [w.future[-1]] * z)[:z] for w in nearest if w.future]


def candidate_futures(observed: list[Action], nearest: list[Window], ngram: ActionBigram | None, z: int,
                      k: int) -> list[list[Action]]:
    """Distinct Z-action sequences: nearest pool futures first, then the n-gram's K, then repeat-last."""
    model = ngram.predict(observed, z, k) if ngram else []
    return distinct([*_pool_futures(nearest, z), *model, *repeat_last(observed, z, 1)])


def unranked_mix(observed: list[Action], nearest: list[Window], ngram: ActionBigram, z: int, k: int) -> list[list[Action]]:
    """The ranker's ablation: the same kinds of candidate in a fixed mix (K-2 nearest futures, the n-gram's
    best, repeat-last), no LLM. The gap to the ranked K is what the LLM itself adds."""
    chosen = distinct([*_pool_futures(nearest, z)[: max(k - 2, 0)], *ngram.predict(observed, z, 1),
                        *repeat_last(observed, z, 1)])
    return chosen[:k]


CYCLES = (1, 2, 3, 4, 6, 8)  # history suffixes whose repetition is a candidate


def _cycle(sequence: list[Action], z: int) -> list[Action]:
    return [sequence[i % len(sequence)] for i in range(z)]


def history_futures(observed: list[Action], z: int) -> list[list[Action]]:
    """Distinct Z-action sequences made of the observed actions alone: the last p actions repeated (p in
    CYCLES), the distinct actions cycled in order of their last occurrence, and the most frequent one held."""
    observed = list(observed)
    recency: list[Action] = []
    for action in observed:
        if action in recency:
            recency.remove(action)
        recency.append(action)
    frequent = Counter(observed).most_common(1)[0][0]
    return distinct([*(_cycle(observed[-p:], z) for p in CYCLES), _cycle(recency, z), [frequent] * z])
