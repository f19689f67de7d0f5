"""Continuations the LLM weighs when it ranks instead of generating: read from the structure of the observed
history itself (activities repeat: the last few actions cycle), predicted by the pool's n-gram model, and what
followed the most similar pool sequences."""

from __future__ import annotations

from collections import Counter

from .baselines import ActionBigram
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
    """Distinct Z-action sequences: the history's own (``history_futures``), the n-gram's K, then what followed
    the nearest pool sequences."""
    model = ngram.predict(observed, z, k) if ngram else []
    return distinct([*history_futures(observed, z), *model, *_pool_futures(nearest, z)])


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
