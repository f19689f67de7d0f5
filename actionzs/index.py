"""faiss inner-product indexes over unit vectors (cosine similarity): class sentences, example pools.

faiss is imported when an index is built, so that methods without one (CLIP, X-CLIP, the adapters) run where
faiss is not installed."""

from __future__ import annotations

import numpy as np

from .errors import InputError


class CosineIndex:
    """Exact search; vectors are unit-normalised on the way in so inner product is cosine similarity."""

    def __init__(self, vectors: np.ndarray, owners: np.ndarray | None = None):
        try:
            import faiss
        except ImportError as exc:
            raise InputError(f"the caption method and anticipation's example search need faiss ({exc}): "
                             f"pip install faiss-cpu") from exc
        vectors = _unit(vectors)
        self.index = faiss.IndexFlatIP(vectors.shape[1])
        self.index.add(vectors)
        self.owners = np.arange(len(vectors)) if owners is None else np.asarray(owners)

    def __len__(self) -> int:
        return self.index.ntotal

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(similarities [N, k], owner ids [N, k]), best first."""
        k = min(k, len(self))
        sims, ids = self.index.search(_unit(queries), k)
        return sims, self.owners[ids]


def _unit(x: np.ndarray) -> np.ndarray:
    x = np.ascontiguousarray(x, dtype=np.float32)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.maximum(norms, 1e-12)
