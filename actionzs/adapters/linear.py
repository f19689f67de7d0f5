"""``linear``: multinomial logistic regression (scikit-learn) on frozen video embeddings, initialised from the
text classifier and regularised with a strength chosen by cross-validation on the support set.

Inputs are unit video embeddings ``[N, D]``, text weights unit class embeddings ``[C, D]``; outputs are logits
``[N, C]`` on the scale of the base model's logit scale.
"""

from __future__ import annotations

import numpy as np

from .base import EmbeddingHead

CS = (0.1, 1.0, 10.0, 100.0)


class LinearAdapter(EmbeddingHead):
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
    def from_state(cls, state: dict, directory=None, info=None) -> "LinearAdapter":
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
