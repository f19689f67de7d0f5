"""In-context example selection by maximal marginal relevance (Carbonell and Goldstein, 1998)."""

from __future__ import annotations

import numpy as np

from ..index import CosineIndex


def mmr(query: np.ndarray, candidates: np.ndarray, n: int, lam: float = 0.5) -> list[int]:
    """Indices into ``candidates`` (unit rows): each pick maximises lam * sim(query, c) - (1 - lam) * max
    sim(c, already picked), trading relevance against redundancy."""
    relevance = candidates @ query
    redundancy = np.full(len(candidates), -np.inf)
    chosen: list[int] = []
    for _ in range(min(n, len(candidates))):
        score = lam * relevance - (1 - lam) * np.where(np.isfinite(redundancy), redundancy, 0.0)
        score[chosen] = -np.inf
        best = int(np.argmax(score))
        chosen.append(best)
        redundancy = np.maximum(redundancy, candidates @ candidates[best])
    return chosen


class ExamplePool:
    """Embedded pool windows in a faiss index; ``select`` fetches ``fetch`` nearest then applies MMR."""

    def __init__(self, windows, embeddings: np.ndarray):
        self.windows = list(windows)
        self.embeddings = embeddings
        self.index = CosineIndex(embeddings)

    def nearest(self, query: np.ndarray, n: int) -> list:
        if n <= 0:
            return []
        _, ids = self.index.search(query[None], min(n, len(self.windows)))
        return [self.windows[i] for i in ids[0]]

    def select(self, query: np.ndarray, n: int, fetch: int = 40, lam: float = 0.5) -> list:
        _, ids = self.index.search(query[None], min(max(fetch, n), len(self.windows)))
        candidates = ids[0]
        picked = mmr(query, self.embeddings[candidates], n, lam)
        return [self.windows[candidates[i]] for i in picked]
