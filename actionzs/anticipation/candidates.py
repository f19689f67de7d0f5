"""Continuations the LLM chooses among when it ranks instead of generating: what followed the most similar
pool sequences, what the pool's n-gram model predicts, and the last observed action held on."""

from __future__ import annotations

from .baselines import ActionBigram, repeat_last
from .data import Action, Window


def _distinct(sequences) -> list[list[Action]]:
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
    return _distinct([*_pool_futures(nearest, z), *model, *repeat_last(observed, z, 1)])


def unranked_mix(observed: list[Action], nearest: list[Window], ngram: ActionBigram, z: int, k: int) -> list[list[Action]]:
    """The ranker's ablation: the same kinds of candidate in a fixed mix (K-2 nearest futures, the n-gram's
    best, repeat-last), no LLM. The gap to the ranked K is what the LLM itself adds."""
    chosen = _distinct([*_pool_futures(nearest, z)[: max(k - 2, 0)], *ngram.predict(observed, z, 1),
                        *repeat_last(observed, z, 1)])
    return chosen[:k]
