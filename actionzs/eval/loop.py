"""The one loop every scored protocol runs, whatever gives the scores (video features, an adapter, observers'
captions): for each split group, for each run of test classes, the scores of that run's videos over its classes
become metrics; top-1 is then averaged over the runs (in %, with the population std the papers report)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..errors import InputError
from .metrics import mean_std, summarize


@dataclass
class ScoredGroup:
    """The videos of one split group: their classes, and how to score any of them over any classes."""

    name: str | None  # the split file pattern; None when the protocol has no split lists
    labels: object  # the group's LabelSet: the classes its runs draw from
    targets: np.ndarray  # class id of each video
    scores: Callable[[np.ndarray, list[str]], np.ndarray]  # (row mask, classes) -> [rows, classes]


def run_protocol(protocol, groups: list[ScoredGroup], runs: int | None = None, seed: int | None = None) -> dict:
    """Per-run metrics and the mean, std and list of top-1 (%) over every run of every group."""
    results = []
    for group in groups:
        class_runs = (protocol.splits(group.labels, runs=runs, seed=seed) if protocol.restricts_classes
                      else [list(group.labels.ids)])
        for test_classes in class_runs:
            rows = np.isin(group.targets, test_classes)
            if not rows.any():
                raise InputError(f"no evaluated video of {group.name or 'the protocol'}'s test classes "
                                 f"({', '.join(test_classes[:3])}{', ...' if len(test_classes) > 3 else ''})")
            index = {c: i for i, c in enumerate(test_classes)}
            metrics = summarize(group.scores(rows, list(test_classes)),
                                np.array([index[t] for t in group.targets[rows]]))
            metrics["classes"] = list(test_classes)
            if group.name:
                metrics["split"] = group.name
            results.append(metrics)
    return top1_over_runs(results)


def top1_over_runs(results: list[dict]) -> dict:
    top1 = [100 * r["top1"] for r in results]
    mean, std = mean_std(top1)
    return {"top1_mean": mean, "top1_std": std, "top1_runs": top1, "runs": results}
