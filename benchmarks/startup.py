"""Start-up: how long the commands that should answer at once take in a fresh process, and what a one-clip
predict with a tiny model imports (``python -X importtime``), so a slow import shows by name.

    python benchmarks/startup.py [--data ../shared/data] [--out FILE]

Target: --help, --version, labels, models, config, eval --list and a usage error each under 1.5 s here.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
QUICK = [["--help"], ["--version"], ["labels"], ["models"], ["config"], ["eval", "--list"], ["predict", "--nope"]]


def _seconds(argv: list[str], env: dict, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "actionzs", *argv], env=env, capture_output=True)
        best = min(best, time.perf_counter() - start)
    return round(best, 2)


def _imports(argv: list[str], env: dict, top: int = 12) -> list[dict]:
    """The modules with the largest cumulative import time (top-level packages only)."""
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "actionzs", *argv], env=env, capture_output=True,
                          text=True)
    rows = []
    for line in done.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            _, cumulative, name = (part.strip() for part in line.split(":", 1)[1].split("|"))
            if cumulative.isdigit() and not name.startswith(" ") and "." not in name.strip():
                rows.append({"module": name.strip(), "seconds": round(int(cumulative) / 1e6, 3)})
    return sorted(rows, key=lambda r: -r["seconds"])[:top]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks" / "results" / "startup_cpu.json")
    args = parser.parse_args()
    env = {**os.environ, "PYTHONPATH": str(REPO), "HF_HUB_OFFLINE": "1"}
    quick = {" ".join(argv): _seconds(argv, env) for argv in QUICK}
    clip = str(next((args.data / "videos").glob("*/v_*_g*_c*.avi")))
    predict = ["predict", clip, "-m", "random:openclip-tiny", "--labels", "a,b", "--no-cache", "--workers", "0"]
    result = {"command": " ".join(["python", "benchmarks/startup.py", *sys.argv[1:]]),
              "machine": {"platform": platform.platform(), "cpus": os.cpu_count(), "python": platform.python_version()},
              "seconds": quick, "all_under_1.5_s": all(v < 1.5 for v in quick.values()),
              "one_clip_predict_s": _seconds(predict, env, repeat=1),
              "one_clip_predict_imports": _imports(predict, env)}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({k: result[k] for k in ("seconds", "all_under_1.5_s", "one_clip_predict_s")}))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
