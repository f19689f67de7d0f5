"""Few-shot adapters on frozen video embeddings, both starting from the zero-shot text classifier.

* ``prototype``: a training-free cache model in the manner of Tip-Adapter (Zhang et al., ECCV 2022): the
  support embeddings are keys, their one-hot labels values; a query adds ``alpha * exp(-beta * (1 - cos))``
  affinities to the zero-shot logits. ``alpha`` and ``beta`` are chosen by leave-one-out accuracy on the
  support set itself.
* ``linear``: multinomial logistic regression (scikit-learn) on the embeddings, initialised from the text
  classifier and regularised with a strength chosen by cross-validation on the support set.

Inputs are unit video embeddings ``[N, D]``; text weights are unit class embeddings ``[C, D]``; outputs are
logits ``[N, C]`` on the scale of the base model's logit scale.
"""

from __future__ import annotations

import numpy as np

ALPHAS = (0.0, 0.5, 1.0, 2.0, 4.0, 8.0)
BETAS = (1.0, 3.0, 5.5, 8.0, 12.0)
CS = (0.1, 1.0, 10.0, 100.0)


def _affinity(queries: np.ndarray, keys: np.ndarray, beta: float) -> np.ndarray:
    return np.exp(-beta * (1.0 - queries @ keys.T))


class PrototypeAdapter:
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

    def state(self) -> dict:
        return {"text_weights": self.text_weights, "keys": self.keys, "values": self.values,
                "scalars": np.array([self.logit_scale, self.alpha, self.beta], dtype=np.float32)}

    @classmethod
    def from_state(cls, state: dict) -> "PrototypeAdapter":
        scale, alpha, beta = state["scalars"].tolist()
        return cls(state["text_weights"], scale, state["keys"], state["values"], alpha, beta)


class LinearAdapter:
    method = "linear"

    def __init__(self, coef, intercept, logit_scale):
        self.coef = np.asarray(coef, dtype=np.float32)
        self.intercept = np.asarray(intercept, dtype=np.float32)
        self.logit_scale = float(logit_scale)

    @classmethod
    def fit(cls, embeddings, labels, text_weights, logit_scale, seed: int = 0) -> "LinearAdapter":
        from sklearn.linear_model import LogisticRegression

        embeddings = np.asarray(embeddings, dtype=np.float64)
        labels = np.asarray(labels)
        num_classes = len(text_weights)
        init = np.asarray(text_weights, dtype=np.float64) * logit_scale

        def train(c, x, y):
            # every class needs a row even when absent from x: sklearn fits only the classes it sees
            seen = np.unique(y)
            clf = LogisticRegression(C=c, max_iter=500, warm_start=True, random_state=seed)
            clf.coef_ = init[seen].copy()
            clf.intercept_ = np.zeros(len(seen))
            clf.fit(x, y)
            coef = init.copy()
            intercept = np.full(num_classes, -1e4)
            rows = clf.coef_ if len(seen) > 2 else np.vstack([-clf.coef_, clf.coef_]) / 2
            bias = clf.intercept_ if len(seen) > 2 else np.array([-clf.intercept_[0], clf.intercept_[0]]) / 2
            coef[seen], intercept[seen] = rows, bias
            return coef, intercept

        best_c, best_acc = CS[-1], -1.0
        folds = _folds(labels, seed)
        if folds:
            for c in CS:
                correct = 0
                for train_idx, test_idx in folds:
                    coef, intercept = train(c, embeddings[train_idx], labels[train_idx])
                    correct += int(((embeddings[test_idx] @ coef.T + intercept).argmax(1) == labels[test_idx]).sum())
                if correct > best_acc:
                    best_c, best_acc = c, correct
        coef, intercept = train(best_c, embeddings, labels)
        return cls(coef / logit_scale, intercept / logit_scale, logit_scale)

    def scores(self, embeddings) -> np.ndarray:
        return self.logit_scale * (np.asarray(embeddings, dtype=np.float32) @ self.coef.T + self.intercept)

    def state(self) -> dict:
        return {"coef": self.coef, "intercept": self.intercept,
                "scalars": np.array([self.logit_scale], dtype=np.float32)}

    @classmethod
    def from_state(cls, state: dict) -> "LinearAdapter":
        return cls(state["coef"], state["intercept"], float(state["scalars"][0]))


def _folds(labels: np.ndarray, seed: int, k: int = 4):
    """Stratified folds when every class has at least two clips; none (use the largest C) otherwise."""
    counts = np.bincount(labels)
    counts = counts[counts > 0]
    if counts.min() < 2:
        return []
    from sklearn.model_selection import StratifiedKFold

    splits = min(k, int(counts.min()))
    return list(StratifiedKFold(splits, shuffle=True, random_state=seed).split(np.zeros(len(labels)), labels))


ADAPTERS = {"prototype": PrototypeAdapter, "linear": LinearAdapter}
