"""How much could a language model's weights earn on recognised histories? The default pipeline's candidates for
recognised histories, weighed by the LLM as the product does (conditioned on the recognised history), against
the same LLM conditioned on the window's true, annotated history: an upper bound that the product can never
use, which says whether a better reading of the noisy history could help at all with this LLM.

    python benchmarks/anticipation_llm_ceiling.py [--llm NAME] [--device cuda] [--limit N]

Windows: those of the clips of val_nseg8.jsonl that AntGPT's 600-window subset does not contain (the split the
rank defaults were chosen on), so the benchmark windows stay untouched. Folds by clip as in the benchmark.
ED = action edit distance / Z (Z=20), best of K=5, lower is better; intervals resample clips (paired).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import numpy as np
import torch

from actionzs.anticipation.baselines import ActionBigram
from actionzs.anticipation.candidates import candidate_futures
from actionzs.anticipation.data import Vocabulary, clip_folds, format_actions, lta_edit_distance, read_windows
from actionzs.anticipation.evaluate import test_windows
from actionzs.anticipation.icl import ExamplePool
from actionzs.anticipation.llm_method import LLMAnticipator
from actionzs.anticipation.selection import choose_k
from actionzs.options import LLMSettings
from actionzs.anticipation.statistics import paired_summary
from actionzs.console import setup
from actionzs.defaults import LLM
from actionzs.models.embedder import load_embedder
from actionzs.models.llm import load_llm

REPO = Path(__file__).resolve().parents[1]
METHODS = {"uniform": "uniform weights (no LLM)", "llm": "LLM given the recognised history (the product)",
           "ceiling": "LLM given the true history (upper bound)", "oracle": "best single candidate (oracle)"}


def dev_windows(root: Path, vocab: Vocabulary, limit: int | None):
    """(annotated windows, recognised windows, indices of the dev windows): the two files align line by line."""
    annotated = read_windows(root / "val_nseg8.jsonl", vocab)
    recognised = read_windows(root / "val_nseg8_recog.jsonl", vocab)
    if [(w.clip, w.future) for w in annotated] != [(w.clip, w.future) for w in recognised]:
        raise SystemExit("val_nseg8.jsonl and val_nseg8_recog.jsonl do not align line by line")
    benchmark_clips = {w.clip for w in test_windows(root, "recog", True, vocab)[0]}
    dev = [i for i, w in enumerate(annotated) if w.clip not in benchmark_clips]
    if limit:
        dev = [dev[j] for j in np.unique(np.linspace(0, len(dev) - 1, limit).round().astype(int))]
    return annotated, recognised, dev


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(REPO.parent / "shared" / "data"))
    parser.add_argument("--llm", default=LLM)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--limit", type=int, default=None, help="dev windows, evenly spread (default: all)")
    parser.add_argument("--out", default=str(REPO / "benchmarks/results/anticipation_llm_ceiling.json"))
    args = parser.parse_args()
    setup()  # the libraries' progress bars off: ours is the line per 25 windows
    root = Path(args.data) / "anticipation/ego4d_lta_v1"
    vocab = Vocabulary.from_file(root / "dicts.json")
    annotated, recognised, dev = dev_windows(root, vocab, args.limit)
    settings = LLMSettings()
    model, tokenizer = load_llm(args.llm, args.device)
    anticipator = LLMAnticipator(model, tokenizer, vocab, settings)
    embedder = load_embedder()
    keys = embedder.encode([format_actions(w.observed) for w in annotated])
    folds = clip_folds(annotated, 5)
    fitted: dict[int, tuple] = {}
    per_window: dict[str, list[float]] = {m: [] for m in METHODS}
    start = time.time()
    for n, i in enumerate(dev, 1):
        if folds[i] not in fitted:
            members = [j for j, f in enumerate(folds) if f != folds[i]]
            pool = [annotated[j] for j in members]
            fitted[folds[i]] = ActionBigram(pool), ExamplePool(pool, keys[members])
        bigram, pool = fitted[folds[i]]
        seen, true_history, future = list(recognised[i].observed), list(annotated[i].observed), list(annotated[i].future)
        nearest = pool.nearest(embedder.encode([format_actions(seen)])[0], settings.candidates)
        assert all(w.clip != annotated[i].clip for w in nearest)  # folds: never the evaluated clip
        candidates = candidate_futures(seen, nearest, bigram, settings.z, settings.k)
        ed = lambda sequences: lta_edit_distance(sequences, future, settings.z)["action"]  # noqa: E731
        per_window["uniform"].append(ed(choose_k(candidates, np.ones(len(candidates)), settings.k)))
        for method, history in (("llm", seen), ("ceiling", true_history)):
            weights = anticipator.weights(history, [], candidates)
            per_window[method].append(ed(choose_k(candidates, weights, settings.k)))
        per_window["oracle"].append(min(ed([c]) for c in candidates))
        if n % 25 == 0 or n == len(dev):
            print(f"{n}/{len(dev)} windows, {(time.time() - start) / n:.2f} s a window", flush=True)
    clips = [annotated[i].clip for i in dev]
    summary = paired_summary(per_window, clips, "uniform")
    lines = [f"{len(dev)} windows of {len(set(clips))} clips, recognised histories, LLM {args.llm}", "",
             "| method | ED action [95% CI] | method - uniform weights [95% CI] |", "|---|---|---|"]
    for method, label in METHODS.items():
        low, high = summary["intervals"][method]
        delta = summary["differences"].get(method)
        versus = (f"{-delta['mean']:+.3f} [{-delta['ci95'][1]:+.3f}, {-delta['ci95'][0]:+.3f}]" if delta
                  else "(reference)")
        lines.append(f"| {label} | {np.mean(per_window[method]):.3f} [{low:.3f}, {high:.3f}] | {versus} |")
    print("\n".join(lines))
    report = {"llm": args.llm, "windows": len(dev), "clips": len(set(clips)), "settings": settings.as_dict(),
              "results": {m: float(np.mean(v)) for m, v in per_window.items()}, "intervals": summary["intervals"],
              "uniform_minus_method": summary["differences"], "wall_seconds": time.time() - start,
              "machine": {"platform": platform.platform(), "cpus": os.cpu_count(), "torch": torch.__version__,
                          "threads": torch.get_num_threads(), "device": args.device}}
    Path(args.out).write_text(json.dumps(report, indent=2))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
