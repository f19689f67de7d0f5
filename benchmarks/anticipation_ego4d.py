"""Ego4D LTA v1 text: the LLM method against repeat-last, most-frequent and bigram baselines, on the same
windows, both histories (ground-truth and recognised observed actions).

    python benchmarks/anticipation_ego4d.py [--limit 60] [--examples 6] [--data ../shared/data]

Accuracy, not speed: ED = edit distance / Z (Z=20), best of K=5, lower is better. The LLM is the embedded
SmolLM2-135M-Instruct on the CPU (~10 s a window), so it runs on --limit windows spread evenly over AntGPT's
600-window subset; the baselines are reported on those same windows and on all 600.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from actionzs.api import evaluate_anticipation_protocol
from actionzs.anticipation.llm_method import LLMSettings
from actionzs.eval.protocols import load_protocol

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(REPO.parent / "shared" / "data"))
    parser.add_argument("--limit", type=int, default=60)
    parser.add_argument("--examples", type=int, default=8)
    parser.add_argument("--out", default=str(REPO / "benchmarks/results/anticipation_ego4d.json"))
    args = parser.parse_args()
    root = Path(args.data) / "anticipation/ego4d_lta_v1"
    protocol = load_protocol("ego4d-lta-v1-text")
    start = time.time()
    full = evaluate_anticipation_protocol(protocol, root, "both", None, llm=None)
    settings = LLMSettings(examples=args.examples)
    subset = evaluate_anticipation_protocol(protocol, root, "both", args.limit, settings=settings)
    print(f"{'history':<8} {'method':<14} {'windows':>7} {'ED verb':>8} {'ED noun':>8} {'ED action':>10}")
    for report in (full, subset):
        for run in report["result"]["histories"]:
            for method, ed in run["results"].items():
                print(f"{run['history']:<8} {method:<14} {run['windows']:>7} {ed['verb']:8.3f} {ed['noun']:8.3f} {ed['action']:10.3f}")
    Path(args.out).write_text(json.dumps({"all_600": full, "llm_subset": subset}, indent=2))
    print(f"wrote {args.out} in {time.time() - start:.0f} s")


if __name__ == "__main__":
    main()
