"""Ego4D LTA v1 text, AntGPT's 600-window subset, both histories: the default LLM method against every
baseline and against its own ablation with uniform candidate weights, with clip-bootstrap 95% intervals and
paired differences. Prints the README table (markdown) and writes the full reports as JSON.

    python benchmarks/anticipation_ego4d.py [--limit N] [--data ../shared/data]

ED = edit distance / Z (Z=20), best of K=5, lower is better. The LLM is the embedded SmolLM2-135M-Instruct
with the default settings (LLMSettings()); "s/window" is the LLM's own time per window on this machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import torch

from actionzs.api import AnticipationOptions, EvalRequest, FeatureCache, evaluate_anticipation
from actionzs.eval.protocols import load_protocol

REPO = Path(__file__).resolve().parents[1]
BASELINES = ("repeat_last", "most_frequent", "bigram", "structure", "uniform_weights")


def table(report: dict) -> str:
    lines = ["| history | method | ED verb | ED noun | ED action [95% CI] | llm - method [95% CI] |",
             "|---|---|---|---|---|---|"]
    for run in report["result"]["histories"]:
        for method, ed in run["results"].items():
            low, high = ed["action_ci95"]
            delta = run["paired"].get(method)
            versus = f"{delta['mean']:+.3f} [{delta['ci95'][0]:+.3f}, {delta['ci95'][1]:+.3f}]" if delta else "(reference)"
            name = f"**{method}** (default)" if method == "llm" else method
            lines.append(f"| {run['history']} | {name} | {ed['verb']:.3f} | {ed['noun']:.3f} | "
                         f"{ed['action']:.3f} [{low:.3f}, {high:.3f}] | {versus} |")
    seconds = ", ".join(f"{r['history']} {r['llm_seconds_per_window']:.2f}" for r in report["result"]["histories"])
    windows = ", ".join(f"{r['history']} {r['windows']} windows of {r['clips']} clips" for r in report["result"]["histories"])
    return "\n".join(lines) + f"\n\n{windows}; LLM s/window: {seconds} ({torch.get_num_threads()} CPU threads)\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(REPO.parent / "shared" / "data"))
    parser.add_argument("--limit", type=int, default=None, help="windows per history, evenly spread (default: all 600)")
    parser.add_argument("--out", default=str(REPO / "benchmarks/results/anticipation_ego4d.json"))
    args = parser.parse_args()
    request = EvalRequest(load_protocol("ego4d-lta-v1-text"), Path(args.data) / "anticipation/ego4d_lta_v1")
    start = time.time()
    report = evaluate_anticipation(request, AnticipationOptions(limit=args.limit), cache=FeatureCache()).to_dict()
    report["wall_seconds"] = time.time() - start
    report["machine"] = {"platform": platform.platform(), "cpus": os.cpu_count(), "torch": torch.__version__,
                         "threads": torch.get_num_threads()}
    print(table(report))
    print(f"wall time {report['wall_seconds'] / 60:.1f} min")
    Path(args.out).write_text(json.dumps(report, indent=2))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
