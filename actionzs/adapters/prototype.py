"""``prototype``: a training-free cache model in the manner of Tip-Adapter (Zhang et al., ECCV 2022).

The support embeddings are keys, their one-hot labels values; a query adds ``alpha * exp(-beta * (1 - cos))``
affinities to the zero-shot logits. ``alpha`` and ``beta`` are chosen by leave-one-out accuracy on the support
set itself. Inputs are unit video embeddings ``[N, D]``, text weights unit class embeddings ``[C, D]``; outputs
are logits ``[N, C]`` on the scale of the base model's logit scale.
"""

from __future__ import annotations

import numpy as np

from .base import EmbeddingHead

ALPHAS = (0.0, 0.5, 1.0, 2.0, 4.0, 8.0)
BETAS = (1.0, 3.0, 5.5, 8.0, 12.0)


def _affinity(queries: np.ndarray, keys: np.ndarray, beta: float) -> np.ndarray:
    return np.exp(-beta * (1.0 - queries @ keys.T))


class PrototypeAdapter(EmbeddingHead):
    method = "prototype"

    def __init__(self, text_weights, logit_scale, keys, values, alpha, beta):
        self.text_weights = np.asarray(text_weights, dtype=np.float32)
        self.logit_scale = float(logit_scale)
        self.keys = np.asarray(keys, dtype=np.float32)
        self.values = np.asarray(values, dtype=np.float32)
        self.alpha, self.beta = float(alpha), float(beta)

    @classmethod
    def fit(cls, embeddings, labels, text_weights, logit_scale, seed: int = 0) -> "PrototypeAdapter":
        """Leave-one-out grid search: deterministic, so ``seed`` (kept for one fit signature) is unused."""
        embeddings = np.asarray(embeddings, dtype=np.float32)
        labels = np.asarray(labels)
        values = np.eye(len(text_weights), dtype=np.float32)[labels]
        zero_shot = logit_scale * embeddings @ np.asarray(text_weights).T
        best, best_acc = (0.0, BETAS[0]), -1.0
        for beta in BETAS:
            affinity = _affinity(embeddings, embeddings, beta)
            np.fill_diagonal(affinity, 0.0)  # leave one out: a clip never votes for itself
            cache = affinity @ values
            for alpha in ALPHAS:
                acc = float(((zero_shot + alpha * logit_scale * cache).argmax(1) == labels).mean())
                if acc > best_acc + 1e-9:
                    best, best_acc = (alpha, beta), acc
        return cls(text_weights, logit_scale, embeddings, values, *best)

    def scores(self, embeddings) -> np.ndarray:
        embeddings = np.asarray(embeddings, dtype=np.float32)
        cache = _affinity(embeddings, self.keys, self.beta) @ self.values
        return self.logit_scale * (embeddings @ self.text_weights.T + self.alpha * cache)

    def record(self) -> dict:
        return {"alpha": self.alpha, "beta": self.beta}

    def state(self) -> dict:
        return {"text_weights": self.text_weights, "keys": self.keys, "values": self.values,
                "scalars": np.array([self.logit_scale, self.alpha, self.beta], dtype=np.float32)}

    @classmethod
    def from_state(cls, state: dict, directory=None, info=None) -> "PrototypeAdapter":
        scale, alpha, beta = state["scalars"].tolist()
        return cls(state["text_weights"], scale, state["keys"], state["values"], alpha, beta)
