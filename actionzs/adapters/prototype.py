"""``prototype``: a training-free cache model, Tip-Adapter (Zhang et al., ECCV 2022).

The support embeddings are keys, their one-hot labels values; a query's logits are the zero-shot logits plus
``alpha * exp(-beta * (1 - cos)) @ values``, with ``alpha`` on Tip-Adapter's scale (the zero-shot logits carry
the model's logit scale, about 100; the cache term does not). ``alpha`` and ``beta`` are chosen by
leave-one-out accuracy on the support set; ties, and support sets too small to tell (one shot leaves a class
with no key), keep the released training-free setting (alpha 1.17 and beta 1 at 16 shots; the same cache
weight at K shots). Inputs are unit video embeddings ``[N, D]``, text weights unit class embeddings
``[C, D]``; outputs are logits ``[N, C]``.
"""

from __future__ import annotations

import numpy as np

from .base import EmbeddingHead, best_setting

ALPHAS = (0.0, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0)
BETAS = (1.0, 3.0, 5.5, 8.0, 12.0)
PAPER_SETTING = (1.17, 1.0)  # Tip-Adapter's released ImageNet setting (init_alpha, init_beta), set at 16 shots
PAPER_SHOTS = 16


def paper_setting(shots: int) -> tuple[float, float]:
    """The released setting's cache weight at ``shots`` keys per class: its cache sums a class's keys, so alpha
    1.17 over 16 keys is alpha 1.17 * 16 / K over K keys."""
    alpha, beta = PAPER_SETTING
    return alpha * PAPER_SHOTS / max(shots, 1), beta


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

        def loo_accuracy(setting):
            alpha, beta = setting
            affinity = _affinity(embeddings, embeddings, beta)
            np.fill_diagonal(affinity, 0.0)  # leave one out: a clip never votes for itself
            return float(((zero_shot + alpha * affinity @ values).argmax(1) == labels).mean())

        counts = np.bincount(labels)
        default = paper_setting(int(counts[counts > 0].min()))
        if counts.max() < 2:  # one shot: leaving it out leaves its class without a key to judge by
            alpha, beta = default
        else:
            grid = [(a, b) for b in BETAS for a in (*ALPHAS, default[0])]
            alpha, beta = best_setting(grid, loo_accuracy, default)
        return cls(text_weights, logit_scale, embeddings, values, alpha, beta)

    def scores(self, embeddings) -> np.ndarray:
        embeddings = np.asarray(embeddings, dtype=np.float32)
        cache = _affinity(embeddings, self.keys, self.beta) @ self.values
        return self.logit_scale * embeddings @ self.text_weights.T + self.alpha * cache

    def record(self) -> dict:
        return {"alpha": self.alpha, "beta": self.beta}

    class_axes = {"text_weights": 0, "values": 1, "keys": None, "scalars": None}

    def state(self) -> dict:
        # a 4th scalar marks alpha on Tip-Adapter's scale; adapters saved without it scaled alpha by logit_scale
        return {"text_weights": self.text_weights, "keys": self.keys, "values": self.values,
                "scalars": np.array([self.logit_scale, self.alpha, self.beta, 1.0], dtype=np.float32)}

    @classmethod
    def from_state(cls, state: dict, directory=None, info=None) -> "PrototypeAdapter":
        scalars = state["scalars"].tolist()
        scale, alpha, beta = scalars[:3]
        if len(scalars) == 3:
            alpha *= scale
        return cls(state["text_weights"], scale, state["keys"], state["values"], alpha, beta)
