"""HMDB51 zero-shot from observers' captions ("tell me what you see"): the paper's procedure and actionzs's
default, with each change in between, on TruZe and random 50% classes (10 seeded runs).

    python benchmarks/caption_hmdb51.py [--data ../shared/data] [--out benchmarks/results/caption_hmdb51.json]

Accuracy, not speed: every row uses the same captions (4 observers, all 6766 videos) and the offline
all-MiniLM-L6-v2 embedder. The published figures (paraphrase-distilroberta-base-v2, 5 observers):
TruZe 20.4, random 50% 28.3 ± 3.0 (Estevam et al.).
"""

from __future__ import annotations

import argparse
import glob
import json
import time
from pathlib import Path

from actionzs.api import CaptionOptions, EvalRequest, FeatureCache, evaluate_captions
from actionzs.eval.protocols import load_protocol
from actionzs.options import DescriptionConfig, MatchConfig

REPO = Path(__file__).resolve().parents[1]


def configurations(data: Path) -> list[tuple[str, DescriptionConfig, MatchConfig]]:
    web = str(data / "captions/hmdb51/class_texts")
    er = str(data / "corpora/er_zsar/HMDB51/classes_label_defn.json")
    motion = str(data / "corpora/motiondescriptions/hmdb51_motion_with_objectname.csv")
    ost = str(data / "corpora/ost/hmdb/spatio_descriptors/8_descriptors.json")
    paper_desc = DescriptionConfig(corpora=(web,), own=False, append_class_name=True)
    paper_match = MatchConfig(combine="concat", first_only=True, aggregate="max", center=False)
    own = DescriptionConfig(own=True)
    return [
        ("paper procedure (web documents, concat, 1-NN)", paper_desc, paper_match),
        ("paper procedure + centering", paper_desc, MatchConfig(combine="concat", aggregate="max", center=True)),
        ("own descriptions instead of web (concat, 1-NN)", own, MatchConfig(combine="concat", aggregate="max", center=False)),
        ("own + mean of observers, class centroid", own, MatchConfig(combine="mean", aggregate="centroid", center=False)),
        ("own + mean of observers, mean similarity", own, MatchConfig(combine="mean", aggregate="mean", center=False)),
        ("own + mean of observers, 5-NN vote", own, MatchConfig(combine="mean", aggregate="knn", center=False)),
        ("actionzs default: own, mean, centroid, centering", own, MatchConfig()),
        ("default + ER-ZSAR and motion descriptions", DescriptionConfig(corpora=(er, motion), own=True, select=False), MatchConfig()),
        ("default + OST spatial descriptors", DescriptionConfig(corpora=(ost,), own=True, select=False), MatchConfig()),
        ("default + web documents", DescriptionConfig(corpora=(web,), own=True), MatchConfig()),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(REPO.parent / "shared" / "data"))
    parser.add_argument("--out", default=str(REPO / "benchmarks/results/caption_hmdb51.json"))
    args = parser.parse_args()
    data = Path(args.data)
    captions = sorted(glob.glob(str(data / "captions/hmdb51/observers/*/hmdb51.json")))
    if not captions:
        raise SystemExit(f"no HMDB51 captions under {data}/captions/hmdb51/observers")
    rows = []
    print(f"{'configuration':<52} {'TruZe':>6} {'random 50%':>12}  seconds")
    for name, descriptions, match in configurations(data):
        start = time.time()
        results = {}
        for protocol in ("hmdb51-truze", "hmdb51-random50"):
            options = CaptionOptions(tuple(captions), descriptions=descriptions, match=match)
            report = evaluate_captions(EvalRequest(load_protocol(protocol)), options, FeatureCache()).to_dict()
            results[protocol] = {"top1_mean": report["result"]["top1_mean"], "top1_std": report["result"]["top1_std"],
                                 "top1_runs": report["result"]["top1_runs"]}
        t, r = results["hmdb51-truze"], results["hmdb51-random50"]
        print(f"{name:<52} {t['top1_mean']:6.1f} {r['top1_mean']:6.1f} ± {r['top1_std']:.1f}  {time.time() - start:6.0f}",
              flush=True)
        rows.append({"configuration": name, "descriptions": report["setup"]["descriptions"],
                     "match": report["setup"]["match"], "results": results})
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps({"embedder": "all-MiniLM-L6-v2", "observers": len(captions),
                                          "rows": rows}, indent=2))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
