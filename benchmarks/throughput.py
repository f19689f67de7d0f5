"""Label-text throughput: what one ``predict --labels ucf101`` spends on label embeddings, cold and warm.

    python benchmarks/throughput.py [--data ../shared/data] [--out benchmarks/results/throughput_text.json]

Part (e) of issue 14 (the video pipeline parts a-d are not built yet). A randomly initialised ViT-B/32 of the
real shape is saved as a local checkpoint (speed does not depend on weight values) and run by the CLI, as a
user would, in fresh processes:

* the 808 UCF101 prompts (101 classes x 8 templates) encoded the old way (one batch padded to 77 tokens,
  open_clip's ``encode_text``) and the new way (batches at the prompts' real length);
* ``predict one_clip --labels ucf101`` cold (empty cache) and warm (video and label texts cached), against the
  same warm call with 2 labels and one template.

Targets: warm within 1.5x of the 2-label call; cold text encoding at least 5x faster than the old way.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

REPO = Path(__file__).resolve().parents[1]


def _timed(fn, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def text_encoding(model, tokenizer) -> dict:
    from actionzs.models import openclip_text
    from actionzs.text.labels import load_labels
    from actionzs.text.prompts import clip_templates

    _, templates = clip_templates(None)
    prompts = [t.format(c) for c in load_labels("ucf101").texts for t in templates]
    tokens = tokenizer(prompts)
    with torch.no_grad():
        full = _timed(lambda: model.encode_text(tokens), repeat=2)
        real = _timed(lambda: torch.cat([openclip_text.encode_text(model, tokens[i : i + 256])
                                         for i in range(0, len(tokens), 256)]), repeat=2)
        diff = (model.encode_text(tokens[:64]) - openclip_text.encode_text(model, tokens[:64])).abs().max().item()
    return {"prompts": len(prompts), "real_length": int((tokens != 0).sum(1).max()), "full_77_s": round(full, 2),
            "real_length_s": round(real, 2), "speedup": round(full / real, 1), "max_abs_diff": diff}


def _predict(clip: Path, model: str, cache: Path, *labels: str) -> float:
    env = {**os.environ, "ACTIONZS_CACHE": str(cache), "HF_HUB_OFFLINE": "1"}
    command = [sys.executable, "-m", "actionzs", "predict", str(clip), "-m", model, "--json", *labels]
    start = time.perf_counter()
    subprocess.run(command, check=True, env=env, capture_output=True)
    return round(time.perf_counter() - start, 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks" / "results" / "throughput_text.json")
    args = parser.parse_args()
    import open_clip
    from safetensors.torch import save_file

    clip = args.data / "videos/3DNet_Visualization/v_Shotput_g05_c02.avi"
    torch.manual_seed(0)
    model = open_clip.create_model("ViT-B-32").eval()  # UNTRAINED: random weights of the real shape
    results = {"machine": {"platform": platform.platform(), "cpus": os.cpu_count(), "torch": torch.__version__,
                           "threads": torch.get_num_threads(), "device": "cpu"}}
    results["text_encoding"] = text_encoding(model, open_clip.get_tokenizer("ViT-B-32"))
    print(json.dumps(results["text_encoding"]), flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        checkpoint = Path(tmp) / "vit-b-32-random.safetensors"
        save_file(model.state_dict(), str(checkpoint))
        name = f"ViT-B-32:{checkpoint}"
        cache = Path(tmp) / "cache"
        runs = {"cold_ucf101_s": _predict(clip, name, cache, "--labels", "ucf101"),
                "warm_ucf101_s": _predict(clip, name, cache, "--labels", "ucf101"),
                "warm_2_labels_s": _predict(clip, name, cache, "--labels", "shot put,knitting", "--prompts", "single")}
    runs["warm_ratio_to_2_labels"] = round(runs["warm_ucf101_s"] / runs["warm_2_labels_s"], 2)
    results["predict"] = runs
    results["targets"] = {"warm_within_1.5x_of_2_labels": runs["warm_ratio_to_2_labels"] <= 1.5,
                          "cold_text_5x_faster": results["text_encoding"]["speedup"] >= 5}
    print(json.dumps(runs), flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
