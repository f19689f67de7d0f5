"""``linear``: a linear head on frozen video embeddings that starts at the zero-shot text classifier and is
pulled back towards it: cross-entropy plus ``strength * |W - W_text|^2`` (and the bias towards 0), so the text
prior keeps its weight where the support set says little (the prior of Wise-FT and CLAP-style probes).

``strength`` is chosen by cross-validation on the support set (stratified folds, or leave-one-out when a class
has a single clip); ties keep a middle setting. Inputs are unit video embeddings ``[N, D]``, text weights unit
class embeddings ``[C, D]``; outputs are logits ``[N, C]`` on the scale of the base model's logit scale.
"""

from __future__ import annotations

import contextlib

import numpy as np
import torch
import torch.nn.functional as F

from .base import EmbeddingHead, best_setting

STRENGTHS = (1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1.0)
DEFAULT_STRENGTH = 1e-2


def train_head(x: np.ndarray, y: np.ndarray, prior: np.ndarray, logit_scale: float, strength: float):
    """(coef [C, D], intercept [C]): the convex problem solved by L-BFGS (deterministic, float64). The tensors are
    support-set sized, where one thread is 2-3x faster than a pool that only adds hand-off cost."""
    with _one_thread():
        return _lbfgs(x, y, prior, logit_scale, strength)


@contextlib.contextmanager
def _one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def _lbfgs(x, y, prior, logit_scale, strength):
    x, prior = torch.as_tensor(x, dtype=torch.float64), torch.as_tensor(prior, dtype=torch.float64)
    y = torch.as_tensor(y, dtype=torch.long)
    delta = torch.zeros_like(prior)
    bias = torch.zeros(len(prior), dtype=torch.float64)
    optimiser = torch.optim.LBFGS([delta, bias], lr=1.0, max_iter=200, tolerance_grad=1e-9,
                                  line_search_fn="strong_wolfe")
    targets = F.one_hot(y, len(prior)).to(torch.float64)

    def closure():
        loss, delta.grad, bias.grad = objective(x, targets, prior, logit_scale, strength, delta, bias)
        return loss

    optimiser.step(closure)
    return (prior + delta).numpy(), bias.numpy()


def objective(x, targets, prior, logit_scale, strength, delta, bias):
    """(loss, d loss / d delta, d loss / d bias) of the head's convex problem, the gradient in closed form: on
    support-set-sized tensors autograd's bookkeeping took more time than the arithmetic (benchmarks/linear_head.py:
    the fit takes ~0.7x the time, the same strengths and heads to float32 rounding)."""
    log_p = torch.log_softmax(logit_scale * (x @ (prior + delta).T + bias), dim=1)
    n = len(targets)
    loss = -(log_p * targets).sum() / n + strength * (delta.square().sum() + bias.square().sum())
    residual = (log_p.exp() - targets) * (logit_scale / n)  # d loss / d logits, times the scale
    return loss, residual.T @ x + 2 * strength * delta, residual.sum(0) + 2 * strength * bias


class LinearAdapter(EmbeddingHead):
    method = "linear"

    def __init__(self, coef, intercept, logit_scale, strength: float | None = None):
        self.coef = np.asarray(coef, dtype=np.float32)
        self.intercept = np.asarray(intercept, dtype=np.float32)
        self.logit_scale = float(logit_scale)
        self.strength = strength

    @classmethod
    def fit(cls, embeddings, labels, text_weights, logit_scale, seed: int = 0) -> "LinearAdapter":
        embeddings, labels = np.asarray(embeddings, dtype=np.float64), np.asarray(labels)
        prior = np.asarray(text_weights, dtype=np.float64)
        folds = _folds(labels, seed)

        def cv_accuracy(strength):
            correct = 0
            for train_idx, test_idx in folds:
                coef, bias = train_head(embeddings[train_idx], labels[train_idx], prior, logit_scale, strength)
                correct += int(((embeddings[test_idx] @ coef.T + bias).argmax(1) == labels[test_idx]).sum())
            return correct

        strength = best_setting(list(STRENGTHS), cv_accuracy, DEFAULT_STRENGTH) if folds else DEFAULT_STRENGTH
        coef, bias = train_head(embeddings, labels, prior, logit_scale, strength)
        return cls(coef, bias, logit_scale, strength)

    def scores(self, embeddings) -> np.ndarray:
        return self.logit_scale * (np.asarray(embeddings, dtype=np.float32) @ self.coef.T + self.intercept)

    def record(self) -> dict:
        return {"strength": self.strength} if self.strength is not None else {}

    class_axes = {"coef": 0, "intercept": 0, "scalars": None}

    def state(self) -> dict:
        return {"coef": self.coef, "intercept": self.intercept,
                "scalars": np.array([self.logit_scale], dtype=np.float32)}

    @classmethod
    def from_state(cls, state: dict, directory=None, info=None) -> "LinearAdapter":
        return cls(state["coef"], state["intercept"], float(state["scalars"][0]))


def _folds(labels: np.ndarray, seed: int, k: int = 4):
    """Stratified folds when every class has two clips or more; leave-one-out otherwise; none for one clip."""
    from sklearn.model_selection import LeaveOneOut, StratifiedKFold

    counts = np.bincount(labels)
    counts = counts[counts > 0]
    if len(labels) < 2:
        return []
    if counts.min() < 2:
        return list(LeaveOneOut().split(labels))
    splits = min(k, int(counts.min()))
    return list(StratifiedKFold(splits, shuffle=True, random_state=seed).split(np.zeros(len(labels)), labels))
