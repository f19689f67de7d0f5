"""The ``linear`` adapter's fit (its strength chosen by cross-validation, then the head): the product's closed-form
gradient against autograd's gradient of the same loss (``F.cross_entropy`` plus the pull towards the text prior),
the baseline, on the same CLIP-like support sets. The chosen strengths must be the same and the heads equal to
float32 rounding (the two sum the loss in another order, so a weakly regularised fit can end an ulp apart).

    python benchmarks/linear_head.py [--shots 1] [--classes 10] [--out FILE]

Target: the same heads in at most 0.8x autograd's time.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from actionzs.adapters import linear
from bench_result import finish

REPO = Path(__file__).resolve().parents[1]


def autograd_lbfgs(x, y, prior, logit_scale, strength):
    """The baseline: the same problem and optimiser, the gradient by autograd."""
    x, prior = torch.as_tensor(x, dtype=torch.float64), torch.as_tensor(prior, dtype=torch.float64)
    y = torch.as_tensor(y, dtype=torch.long)
    delta = torch.zeros_like(prior, requires_grad=True)
    bias = torch.zeros(len(prior), dtype=torch.float64, requires_grad=True)
    optimiser = torch.optim.LBFGS([delta, bias], lr=1.0, max_iter=200, tolerance_grad=1e-9,
                                  line_search_fn="strong_wolfe")

    def closure():
        optimiser.zero_grad()
        logits = logit_scale * (x @ (prior + delta).T + bias)
        loss = F.cross_entropy(logits, y) + strength * (delta.square().sum() + bias.square().sum())
        loss.backward()
        return loss

    optimiser.step(closure)
    return (prior + delta).detach().numpy(), bias.detach().numpy()


def support_sets(classes: int, shots: int, dim: int = 512, seeds: int = 6):
    """Unit video embeddings near their class's unit text embedding (half the seeds informative, half noise)."""
    for seed in range(seeds):
        rng = np.random.default_rng(seed)
        text = rng.normal(size=(classes, dim))
        text /= np.linalg.norm(text, axis=1, keepdims=True)
        labels = np.repeat(np.arange(classes), shots)
        signal = 0.3 if seed % 2 == 0 else 0.0
        video = signal * text[labels] + rng.normal(size=(len(labels), dim)) / np.sqrt(dim)
        yield video / np.linalg.norm(video, axis=1, keepdims=True), labels, text


def fit_all(sets, solver) -> tuple[float, list]:
    saved, linear._lbfgs = linear._lbfgs, solver
    try:
        start = time.perf_counter()
        heads = [linear.LinearAdapter.fit(x, y, text, 100.0) for x, y, text in sets]
        return time.perf_counter() - start, heads
    finally:
        linear._lbfgs = saved


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shots", type=int, default=1)
    parser.add_argument("--classes", type=int, default=10)
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks" / "results" / "linear_head_cpu.json")
    args = parser.parse_args()
    torch.set_num_threads(1)  # as train_head runs it
    sets = list(support_sets(args.classes, args.shots))
    fit_all(sets[:1], linear._lbfgs)  # imports and first-call costs out of both timings
    baseline_s, baseline = fit_all(sets, autograd_lbfgs)
    product_s, product = fit_all(sets, linear._lbfgs)
    same_strengths = all(a.strength == b.strength for a, b in zip(baseline, product))
    difference = max(max(np.abs(a.coef - b.coef).max(), np.abs(a.intercept - b.intercept).max())
                     for a, b in zip(baseline, product))
    same = same_strengths and difference <= 1e-6
    ratio = round(product_s / baseline_s, 2)
    result = {"command": " ".join(["python", "benchmarks/linear_head.py", *sys.argv[1:]]),
              "machine": {"platform": platform.platform(), "cpus": os.cpu_count(), "python": platform.python_version(),
                          "torch": torch.__version__},
              "support_sets": len(sets), "classes": args.classes, "shots": args.shots,
              "autograd_s": round(baseline_s, 2), "closed_form_s": round(product_s, 2), "ratio": ratio,
              "same_strengths": same_strengths, "largest_head_difference": float(difference),
              "target_ratio": 0.8}
    result["meets_target"] = same and ratio <= 0.8
    finish(result, args.out)


if __name__ == "__main__":
    main()
