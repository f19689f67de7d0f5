"""Videos per second of ``predict`` on one process against N processes under ``accelerate launch``.

    python benchmarks/scale.py [--device cpu|cuda] [--processes 1 2] [--data ../shared/data] [--out FILE]

An UNTRAINED ViT-B/32 (random weights of the real shape, saved to a local file: the numbers are never
predictions) embeds every distinct real clip of ``../shared/data/videos`` (8 frames, 1 view) with a fresh cache.
Each command runs twice: cold (everything embedded) and warm (everything read from the cache), and the embedding
rate is videos / (cold - warm), so process start-up and model loading, paid alike by both, cancel. Ideal
scaling is N x the one-process rate; the ratio is reported. On a machine with N GPUs, ``--device cuda
--processes 1 N`` gives the GPU row.
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

REPO = Path(__file__).resolve().parents[1]


def clips(data: Path) -> list[str]:
    return sorted(str(p) for p in (data / "videos").glob("*/*") if p.suffix in (".avi", ".mp4")
                  and "corrupt" not in p.name)


def timed(command: list[str], env: dict) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=3600)
    if done.returncode not in (0, 1):  # 1: some inputs unreadable, reported in a line each
        raise SystemExit(f"{' '.join(command[:8])}...: exit {done.returncode}\n{done.stderr[-2000:]}")
    return time.perf_counter() - start


def measure(processes: int, model: str, videos_file: Path, device: str, tmp: Path, threads: int) -> dict:
    cache = tmp / f"cache-{processes}"
    env = {**os.environ, "ACTIONZS_CACHE": str(cache), "OMP_NUM_THREADS": str(threads)}
    args = ["-m", "actionzs", "predict", f"@{videos_file}", "-m", model, "--labels", "a,b", "--json",
            "--device", device, "--precision", "fp32", "--clips", "1", "--crops", "1"]
    if processes == 1:
        command = [sys.executable, *args]
    else:
        launcher = str(Path(sys.executable).with_name("accelerate"))
        command = [launcher, "launch", "--multi_gpu", "--num_processes", str(processes), "--num_machines", "1",
                   "--mixed_precision", "no", "--dynamo_backend", "no", *args]
    cold = timed(command, env)
    warm = timed(command, env)
    return {"processes": processes, "threads_per_process": threads, "cold_s": round(cold, 2),
            "warm_s": round(warm, 2), "embedding_s": round(cold - warm, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks" / "results" / "scale_cpu.json")
    args = parser.parse_args()

    import open_clip
    import torch
    from safetensors.torch import save_file

    videos = clips(args.data)
    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        torch.manual_seed(0)
        model = open_clip.create_model("ViT-B-32")  # UNTRAINED: random weights, real shape
        save_file(model.state_dict(), str(tmp / "vit-b-32-random.safetensors"))
        name = f"ViT-B-32:{tmp / 'vit-b-32-random.safetensors'}"
        videos_file = tmp / "videos.txt"
        videos_file.write_text("\n".join(videos) + "\n")
        rows = []
        for n in args.processes:
            threads = max(1, cores // n) if args.device == "cpu" else max(1, cores // (2 * n))
            row = measure(n, name, videos_file, args.device, tmp, threads)
            row["videos_per_s"] = round(len(videos) / max(row["embedding_s"], 1e-6), 3)
            rows.append(row)
            print(json.dumps(row), flush=True)
    base = rows[0]["videos_per_s"] / rows[0]["processes"]
    for row in rows:
        row["speedup"] = round(row["videos_per_s"] / rows[0]["videos_per_s"], 3)
        row["of_ideal"] = round(row["videos_per_s"] / (base * row["processes"]), 3)
    result = {"machine": {"platform": platform.platform(), "cpus": cores, "python": platform.python_version(),
                          "torch": torch.__version__,
                          "gpus": torch.cuda.device_count() if torch.cuda.is_available() else 0},
              "device": args.device, "model": "ViT-B-32 (random weights)", "videos": len(videos), "rows": rows}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"{'processes':>9} {'videos/s':>9} {'speed-up':>9} {'of ideal':>9}")
    for row in rows:
        print(f"{row['processes']:>9} {row['videos_per_s']:>9} {row['speedup']:>9} {row['of_ideal']:>9}")


if __name__ == "__main__":
    main()
