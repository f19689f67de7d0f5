"""Accuracy metrics over score matrices; classes are indices into the evaluated label set."""

from __future__ import annotations

import numpy as np


def topk_accuracy(scores: np.ndarray, targets: np.ndarray, k: int) -> float:
    """Share of videos whose true class is among the k best scores (ties broken by class order)."""
    k = min(k, scores.shape[1])
    top = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    return float((top == targets[:, None]).any(axis=1).mean())


def confusion_matrix(predicted: np.ndarray, targets: np.ndarray, num_classes: int) -> np.ndarray:
    """[true, predicted] counts."""
    matrix = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(matrix, (targets, predicted), 1)
    return matrix


def per_class_accuracy(matrix: np.ndarray) -> np.ndarray:
    totals = matrix.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(totals > 0, np.diag(matrix) / np.maximum(totals, 1), np.nan)


def summarize(scores: np.ndarray, targets: np.ndarray) -> dict:
    """top-1, top-5, mean class accuracy, per-class accuracy and the confusion matrix."""
    targets = np.asarray(targets)
    predicted = scores.argmax(axis=1)
    matrix = confusion_matrix(predicted, targets, scores.shape[1])
    per_class = per_class_accuracy(matrix)
    return {
        "top1": topk_accuracy(scores, targets, 1),
        "top5": topk_accuracy(scores, targets, 5),
        "mean_class_accuracy": float(np.nanmean(per_class)),
        "per_class": per_class.tolist(),
        "confusion": matrix.tolist(),
        "num_videos": int(len(targets)),
    }


def mean_std(values) -> tuple[float, float]:
    """Mean and population standard deviation (numpy's default, as the zero-shot papers report)."""
    values = np.asarray(list(values), dtype=np.float64)
    return float(values.mean()), float(values.std())


def confidence_interval_95(values) -> float:
    """Half-width of the normal-approximation 95% interval of the mean (few-shot episode convention)."""
    values = np.asarray(list(values), dtype=np.float64)
    return float(1.96 * values.std(ddof=1) / np.sqrt(len(values))) if len(values) > 1 else float("nan")
