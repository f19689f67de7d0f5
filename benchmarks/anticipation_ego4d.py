"""Ego4D LTA v1 text: the LLM method against repeat-last, most-frequent and bigram baselines, on the same
windows, both histories (ground-truth and recognised observed actions).

    python benchmarks/anticipation_ego4d.py [--limit 60] [--decoding rank generate] [--data ../shared/data]

Accuracy, not speed: ED = edit distance / Z (Z=20), best of K=5, lower is better. The LLM is the embedded
SmolLM2-135M-Instruct on the CPU, so it runs on --limit windows spread evenly over AntGPT's 600-window subset;
the baselines are reported on those same windows and on all 600. Each decoding is one run: "rank" (the LLM
scores candidate continuations; its run also reports `unranked_mix`, the same kinds of candidate without the
LLM) and "generate" (constrained generation). Seconds per window are printed for each.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch

from actionzs.anticipation.llm_method import LLMSettings
from actionzs.api import AnticipationOptions, EvalRequest, evaluate_anticipation
from actionzs.eval.protocols import load_protocol

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(REPO.parent / "shared" / "data"))
    parser.add_argument("--limit", type=int, default=60)
    parser.add_argument("--examples", type=int, default=8)
    parser.add_argument("--decoding", nargs="+", choices=["rank", "generate"], default=["rank", "generate"])
    parser.add_argument("--out", default=str(REPO / "benchmarks/results/anticipation_ego4d.json"))
    args = parser.parse_args()
    root = Path(args.data) / "anticipation/ego4d_lta_v1"
    request = EvalRequest(load_protocol("ego4d-lta-v1-text"), root)
    results = {"all_600": evaluate_anticipation(request, AnticipationOptions(llm=None))}
    seconds = {}
    for decoding in args.decoding:
        start = time.time()
        settings = LLMSettings(examples=args.examples, decoding=decoding)
        options = AnticipationOptions(limit=args.limit, settings=settings)
        results[f"llm_{decoding}"] = evaluate_anticipation(request, options)
        seconds[decoding] = (time.time() - start) / (2 * args.limit)
    print(f"{'run':<14} {'history':<8} {'method':<14} {'windows':>7} {'ED verb':>8} {'ED noun':>8} {'ED action':>10}")
    for name, report in results.items():
        for run in report["result"]["histories"]:
            for method, ed in run["results"].items():
                print(f"{name:<14} {run['history']:<8} {method:<14} {run['windows']:>7} {ed['verb']:8.3f} "
                      f"{ed['noun']:8.3f} {ed['action']:10.3f}")
    for decoding, s in seconds.items():
        print(f"{decoding}: {s:.1f} s per window ({torch.get_num_threads()} CPU threads)")
    results["seconds_per_window"] = seconds
    Path(args.out).write_text(json.dumps(results, indent=2))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
