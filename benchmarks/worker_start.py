"""What a clean start of the decoding workers costs: fork (the old way, unsafe once the parent has decoded),
forkserver (the product's choice where it exists) and spawn, each in a fresh process that has already decoded a
video, as a CLI run has.

    python benchmarks/worker_start.py [--data ../shared/data] [--workers 1] [--out FILE]

Per start method: seconds to the first decoded video (the start-up cost) and for all the real clips; the machine
is recorded. Also the import time of the CLIP path and of `actionzs --help` (``python -X importtime``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

_CHILD = """
import json, sys, time
from pathlib import Path
import torch
from actionzs.features import _Decoded, _as_is
from actionzs.methods.clip_zeroshot import ClipMethod
from actionzs.options import Sampling
from actionzs.runtime import Runtime, WORKER_PRELOAD
import multiprocessing

method, videos, workers = sys.argv[1], json.loads(sys.argv[2]), int(sys.argv[3])
clip = ClipMethod.load("random:openclip-tiny", Runtime("cpu", "fp32", 32, 0, decoder="pyav"))
decode = clip.decoder(Sampling())
decode(Path(videos[0]))  # the parent decodes first, as a CLI run does before its workers start
context = multiprocessing.get_context(method)
if method == "forkserver":
    context.set_forkserver_preload(WORKER_PRELOAD)
start = time.perf_counter()
loader = torch.utils.data.DataLoader(_Decoded(videos, decode), batch_size=None, num_workers=workers,
                                     collate_fn=_as_is, multiprocessing_context=context)
first = None
for i, _ in enumerate(loader):
    first = first or time.perf_counter() - start
print(json.dumps({"start_method": method, "first_video_s": round(first, 3), "all_s": round(time.perf_counter() - start, 3),
                  "videos": len(videos)}))
"""


def _import_seconds(code: str) -> float:
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True, check=True)
    rows = [line.split("|") for line in done.stderr.splitlines() if line.startswith("import time:")]
    return round(sum(int(r[0].split(":")[1]) for r in rows[1:]) / 1e6, 2)  # self times, the header row aside


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks" / "results" / "worker_start_cpu.json")
    args = parser.parse_args()
    videos = sorted(str(p) for p in (args.data / "videos").glob("*/v_*_g*_c*.avi"))
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    rows = []
    for method in ("fork", "forkserver", "spawn"):
        done = subprocess.run([sys.executable, "-c", _CHILD, method, json.dumps(videos), str(args.workers)], env=env,
                              capture_output=True, text=True, check=True)
        rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
        print(json.dumps(rows[-1]), flush=True)
    imports = {"clip_path_s": _import_seconds("import actionzs.methods.clip_zeroshot, actionzs.features"),
               "cli_help_s": _import_seconds("import actionzs.cli")}
    result = {"command": " ".join(["python", "benchmarks/worker_start.py", *sys.argv[1:]]),
              "machine": {"platform": platform.platform(), "cpus": os.cpu_count(), "python": platform.python_version()},
              "workers": args.workers, "start_methods": rows, "imports": imports}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(imports))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
