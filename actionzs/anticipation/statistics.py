"""Uncertainty of anticipation results: bootstrap intervals that resample clips, not windows (the sliding
windows of one clip share most of their actions, so they are not independent), paired across methods (every
method is scored on the same resampled windows)."""

from __future__ import annotations

import numpy as np

RESAMPLES = 2000


def clip_resamples(clips, resamples: int = RESAMPLES, seed: int = 0) -> np.ndarray:
    """``[resamples, windows]`` weights: how often each window enters each resample of the clips."""
    clips = np.asarray(clips)
    names, index = np.unique(clips, return_inverse=True)
    rng = np.random.default_rng(seed)
    drawn = rng.integers(0, len(names), size=(resamples, len(names)))
    counts = np.stack([np.bincount(row, minlength=len(names)) for row in drawn])  # [resamples, clips]
    return counts[:, index].astype(np.float64)


def interval(values, weights: np.ndarray) -> list[float]:
    """The 2.5 and 97.5 percentiles of the weighted means of ``values`` over the resamples."""
    means = weights @ np.asarray(values, dtype=np.float64) / weights.sum(axis=1)
    return [float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5))]


def paired_summary(per_window: dict[str, list[float]], clips, reference: str | None, seed: int = 0) -> dict:
    """For each method its 95% interval; for ``reference`` its mean difference to every other method with the
    interval of that difference (negative: the reference has the lower, better, edit distance)."""
    weights = clip_resamples(clips, seed=seed)
    out = {"intervals": {m: interval(v, weights) for m, v in per_window.items()}, "differences": {}}
    if reference in per_window:
        base = np.asarray(per_window[reference])
        for method, values in per_window.items():
            if method != reference:
                delta = base - np.asarray(values)
                out["differences"][method] = {"mean": float(delta.mean()), "ci95": interval(delta, weights)}
    return out
