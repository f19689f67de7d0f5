"""Throughput of ``predict``/``eval``: the video pipeline against the model and decoding alone, and label texts.

    python benchmarks/throughput.py [--device cpu|cuda] [--data ../shared/data] [--out FILE]

Randomly initialised models of the real ViT-B/32 and ViT-B/16 shapes (speed does not depend on weight values;
the numbers are never predictions), on the real clips of ``../shared/data/videos`` repeated to ``--videos``:

(a) model only: pre-decoded frames at the best of several batch sizes;
(b) decode only: the pipeline's decoding (PyAV/decord, TSN 8 frames, the model's resize and crop), in the same
    worker processes, no model;
(c) the actionzs pipeline: ``VideoMethod.features`` (decoding workers, frames of several videos per call),
    run in a fresh process so its peak memory is its own;
(d) a naive baseline: per video, decode every frame with PyAV, sample 8, preprocess each with open_clip's own
    transform and run the encoder frame by frame;
(e) label texts (ViT-B/32): the UCF101 prompts at 77 tokens against their real length, and ``predict --labels
    ucf101`` cold and warm in fresh CLI processes against the 2-label call.

Each precision the device can do is timed (model only) and compared with fp32 on the pipeline's videos (cosine
of video embeddings, top-5 of UCF101 unchanged); ``auto`` is what ``--precision auto`` resolves to here.
Targets: (c) >= 3x (d) and >= 0.87 x min(a, b) in videos/s; auto never slower than fp32; warm predict within 1.5x
of 2 labels; text at real length >= 5x faster.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
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


def _videos(data: Path, count: int) -> list[str]:
    clips = sorted(str(p) for p in (data / "videos").glob("*/*") if p.suffix in (".avi", ".mp4")
                   and "corrupt" not in p.name)
    return (clips * (count // len(clips) + 1))[:count]


def _rate(videos: int, seconds: float) -> float:
    return round(videos / seconds, 3)


def model_only(method, pixels: torch.Tensor, device: str) -> dict:
    """(a): frames already decoded and prepared; the best of several batch sizes."""
    encoder, frames = method.encoder, pixels.flatten(0, 1)
    rates = {}
    for batch in (16, 32, 64) if device == "cpu" else (64, 128, 256, 512):
        encoder.encode_images(frames[:batch], batch)  # warm-up
        _sync(device)
        seconds = _timed(lambda: (encoder.encode_images(frames, batch), _sync(device)), repeat=1)
        rates[batch] = _rate(len(pixels), seconds)
    best = max(rates, key=rates.get)
    return {"videos_per_s": rates[best], "best_batch_size": best, "by_batch_size": rates}


def decode_only(method, videos: list[str], workers: int, decoder: str = "auto") -> dict:
    """(b): the pipeline's decoding in its clean worker processes (``features.decoded``), nothing consuming it."""
    import functools

    from actionzs.features import decoded
    from actionzs.options import Sampling

    decode = functools.partial(method.decoder(Sampling()), backend=decoder)
    list(decoded(videos[:2], decode, workers))  # the fork server's start is paid once per process, not per run
    start = time.perf_counter()
    count = sum(1 for pixels, _ in decoded(videos, decode, workers) if pixels is not None)
    return {"videos_per_s": _rate(count, time.perf_counter() - start), "workers": workers, "decoder": decoder}


def decode_table(method, videos: list[str]) -> list[dict]:
    """Decode-only videos/s for each decoder installed and 0, 1, 2, 4, ... workers up to the cores."""
    from actionzs.runtime import cores
    from actionzs.video import reader

    decoders = ["pyav"] + (["decord"] if reader.decord is not None else []) + (
        ["torchcodec"] if reader.torchcodec_decoder() is not None else [])
    counts = [0] + [2**i for i in range(8) if 2**i <= max(1, cores() - 1)]
    return [decode_only(method, videos, workers, decoder) for decoder in decoders for workers in counts]


def naive(model, preprocess, videos: list[str], device: str) -> dict:
    """(d): decode every frame with PyAV, keep 8 (TSN centres), open_clip's PIL transform, one frame per call."""
    import av
    from PIL import Image

    from actionzs.video.sampling import segment_indices

    start = time.perf_counter()
    with torch.inference_mode():
        for path in videos:
            with av.open(path) as container:
                frames = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
            for i in segment_indices(len(frames), 8):
                model.encode_image(preprocess(Image.fromarray(frames[i]))[None].to(device))
        _sync(device)
    return {"videos_per_s": _rate(len(videos), time.perf_counter() - start), "videos": len(videos)}


def _sync(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def pipeline_child(args) -> None:
    """(c) in a fresh process: load, run ``features`` over the videos, print rate, embeddings and peak memory."""
    from actionzs.options import Sampling
    from actionzs.methods.clip_zeroshot import ClipMethod
    from actionzs.runtime import Runtime

    videos = json.loads(Path(args.videos_file).read_text())
    method = ClipMethod.load(args.model, Runtime(args.device, args.precision, args.batch_size))
    list(method.features(videos[:2], Sampling()))  # warm-up (first-call allocations, cuDNN/oneDNN plans)
    start = time.perf_counter()
    feats = [f for _, f, _ in method.features(videos, Sampling())]
    seconds = time.perf_counter() - start
    np.save(args.embeddings, method.pool(np.stack(feats)))
    peak = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    gpu = torch.cuda.max_memory_allocated() / 2**20 if args.device.startswith("cuda") else None
    print(json.dumps({"videos_per_s": _rate(len(feats), seconds), "precision": method.runtime.precision,
                      "workers": method.runtime.workers, "batch_size": args.batch_size,
                      "peak_rss_mib": round(peak / 1024), "peak_gpu_mib": gpu and round(gpu)}))


def _pipeline(checkpoint: str, videos_file: Path, device: str, precision: str, batch_size: int, out: Path) -> dict:
    command = [sys.executable, __file__, "--child", "--model", checkpoint, "--videos-file", str(videos_file),
               "--device", device, "--precision", precision, "--batch-size", str(batch_size), "--embeddings", str(out)]
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def video_part(arch: str, args, tmp: Path, decode_table_rows: bool = False) -> dict:
    import open_clip
    from safetensors.torch import save_file

    from actionzs.options import Sampling
    from actionzs.methods.clip_zeroshot import ClipMethod, ensemble_text_embeddings
    from actionzs.runtime import Runtime, resolve_precision
    from actionzs.text.labels import load_labels

    count = args.videos or (192 if arch == "ViT-B-32" else 48) * (4 if args.device.startswith("cuda") else 1)
    videos = _videos(args.data, count)
    torch.manual_seed(0)
    model, _, preprocess = open_clip.create_model_and_transforms(arch)  # UNTRAINED: random weights, real shape
    checkpoint = tmp / f"{arch}-random.safetensors"
    save_file(model.state_dict(), str(checkpoint))
    name = f"{arch}:{checkpoint}"
    method = ClipMethod.load(name, Runtime(args.device, "fp32", workers=0))
    device = method.runtime.device
    pixels = torch.stack([method.decoder(Sampling())(Path(v))[0] for v in videos[: min(len(videos), count // 2, 64)]])
    result = {"videos": len(videos), "model_only": model_only(method, pixels, device)}
    workers = Runtime().resolve().workers
    result["decode_only"] = decode_only(method, videos, workers)
    if decode_table_rows:
        result["decode_table"] = decode_table(method, videos)
    videos_file = tmp / "videos.json"
    videos_file.write_text(json.dumps(videos))
    best = result["model_only"]["best_batch_size"]
    runs = {}
    for precision in ("fp32", "bf16", "fp16", "auto"):
        try:
            resolved = resolve_precision(precision, device)
        except Exception as exc:  # noqa: BLE001 - a precision this device cannot do is reported, not run
            runs[precision] = {"unavailable": str(exc)}
            continue
        if precision == "auto" and resolved in runs:
            runs["auto"] = {"resolves_to": resolved, **runs[resolved]}
            continue
        runs[precision] = _pipeline(name, videos_file, device, precision, best, tmp / f"{precision}.npy")
        print(arch, precision, json.dumps(runs[precision]), flush=True)
    result["pipeline"] = runs["fp32"]
    result["naive"] = naive(model.to(device).eval(), preprocess, videos[: max(8, len(videos) // 8)], device)
    fp32 = np.load(tmp / "fp32.npy")
    text = ensemble_text_embeddings(method.encoder, load_labels("ucf101").texts, ["a video of a person {}."]).numpy()
    top5 = lambda e: np.argsort(-(e @ text.T), axis=1)[:, :5]  # noqa: E731
    for precision, run in runs.items():
        if "videos_per_s" in run and precision != "fp32":
            other = np.load(tmp / f"{run.get('resolves_to', precision)}.npy")
            run["speed_vs_fp32"] = round(run["videos_per_s"] / runs["fp32"]["videos_per_s"], 2)
            run["min_cosine_to_fp32"] = round(float((other * fp32).sum(1).min()), 5)
            run["top5_unchanged"] = round(float((top5(other) == top5(fp32)).all(1).mean()), 4)
    result["precisions"] = runs
    c, a, b, d = (result[k]["videos_per_s"] for k in ("pipeline", "model_only", "decode_only", "naive"))
    result["ratios"] = {"pipeline_vs_naive": round(c / d, 2), "pipeline_vs_min_model_decode": round(c / min(a, b), 2)}
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--videos", type=int, default=None, help="videos per model [default: 192 B/32, 48 B/16; x4 on GPU]")
    parser.add_argument("--skip-text", action="store_true", help="leave out part (e)")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--decoders", action="store_true",
                        help="only the decode-only table: each installed decoder and 'auto', 0 workers, ViT-B/32 geometry")
    for hidden in ("--model", "--videos-file", "--precision", "--embeddings"):
        parser.add_argument(hidden, help=argparse.SUPPRESS)
    parser.add_argument("--batch-size", type=int, default=64, help=argparse.SUPPRESS)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return pipeline_child(args)
    if args.decoders:
        return decoders_only(args)
    out = args.out or REPO / "benchmarks" / "results" / f"throughput_{args.device.split(':')[0]}.json"
    from actionzs.runtime import Runtime

    runtime = Runtime(args.device).resolve()
    results = {"command": " ".join(["python", "benchmarks/throughput.py", *sys.argv[1:]]),
               "machine": {"platform": platform.platform(), "cpus": os.cpu_count(), "torch": torch.__version__,
                           "threads": torch.get_num_threads(), "device": runtime.device,
                           "gpu": torch.cuda.get_device_name(runtime.device) if runtime.device.startswith("cuda") else None,
                           "decoding_workers": runtime.workers}}
    with tempfile.TemporaryDirectory() as tmp:
        for arch in ("ViT-B-32", "ViT-B-16"):
            results[arch] = video_part(arch, args, Path(tmp))
            print(arch, json.dumps({k: results[arch][k] for k in ("model_only", "decode_only", "pipeline", "naive",
                                                                  "ratios")}), flush=True)
        if not args.skip_text:
            results["text"] = text_part(args.data, Path(tmp))
    checks = [results[a] for a in ("ViT-B-32", "ViT-B-16")]
    results["targets"] = {
        "pipeline_3x_naive": all(r["ratios"]["pipeline_vs_naive"] >= 3 for r in checks),
        "pipeline_within_15pct_of_min_model_decode": all(r["ratios"]["pipeline_vs_min_model_decode"] >= 0.87 for r in checks),
        "auto_never_slower_than_fp32": all(r["precisions"]["auto"].get("speed_vs_fp32", 1.0) >= 0.95 for r in checks),
    }
    if "text" in results:
        results["targets"].update(results["text"].pop("targets"))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results["targets"]))
    print(f"wrote {out}")


def decoders_only(args) -> None:
    """Decode-only videos/s of every installed decoder and of 'auto', twice in turn (the spread shows the noise)."""
    import open_clip
    from safetensors.torch import save_file

    from actionzs.methods.clip_zeroshot import ClipMethod
    from actionzs.runtime import Runtime
    from actionzs.video import reader

    videos = _videos(args.data, args.videos or 82)
    decoders = ["pyav"] + (["decord"] if reader.decord is not None else []) + (
        ["torchcodec"] if reader.torchcodec_decoder() is not None else []) + ["auto"]
    with tempfile.TemporaryDirectory() as tmp:
        torch.manual_seed(0)
        checkpoint = Path(tmp) / "vit-b-32-random.safetensors"  # UNTRAINED: only its pixel geometry matters here
        save_file(open_clip.create_model("ViT-B-32").state_dict(), str(checkpoint))
        method = ClipMethod.load(f"ViT-B-32:{checkpoint}", Runtime(args.device, "fp32", workers=0))
        rows = [decode_only(method, videos, 0, decoder) for _ in range(2) for decoder in decoders]
    for row in rows:
        print(json.dumps(row), flush=True)
    out = args.out or REPO / "benchmarks" / "results" / "decoders_cpu.json"
    out.write_text(json.dumps({"command": " ".join(["python", "benchmarks/throughput.py", *sys.argv[1:]]),
                               "machine": {"platform": platform.platform(), "cpus": os.cpu_count()},
                               "videos": len(videos), "rows": rows}, indent=2) + "\n")
    print(f"wrote {out}")


def text_part(data: Path, tmp: Path) -> dict:
    """(e): label texts, cold and warm."""
    import open_clip
    from safetensors.torch import save_file

    clip = data / "videos/3DNet_Visualization/v_Shotput_g05_c02.avi"
    torch.manual_seed(0)
    model = open_clip.create_model("ViT-B-32").eval()  # UNTRAINED: random weights of the real shape
    result = {"text_encoding": text_encoding(model, open_clip.get_tokenizer("ViT-B-32"))}
    checkpoint = tmp / "vit-b-32-text.safetensors"
    save_file(model.state_dict(), str(checkpoint))
    name, cache = f"ViT-B-32:{checkpoint}", tmp / "cache"
    runs = {"cold_ucf101_s": _predict(clip, name, cache, "--labels", "ucf101"),
            "warm_ucf101_s": _predict(clip, name, cache, "--labels", "ucf101"),
            "warm_2_labels_s": _predict(clip, name, cache, "--labels", "shot put,knitting", "--prompts", "single")}
    runs["warm_ratio_to_2_labels"] = round(runs["warm_ucf101_s"] / runs["warm_2_labels_s"], 2)
    result["predict"] = runs
    result["targets"] = {"warm_within_1.5x_of_2_labels": runs["warm_ratio_to_2_labels"] <= 1.5,
                         "cold_text_5x_faster": result["text_encoding"]["speedup"] >= 5}
    print(json.dumps(result), flush=True)
    return result


if __name__ == "__main__":
    main()
