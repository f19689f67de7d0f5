"""The README's timeline picture: three real UCF101 clips joined into one video, ranked window by window.

    python examples/long_video.py [--data ../shared/data] [--out examples/timeline.png]

The clips are PushUps, Shotput and PushUps again (25 fps, 320x240), so the true segments are known. The model is
the tiny UNTRAINED test model (no real weights can be downloaded here) with a linear adapter fitted on the two
clips; the picture shows the pipeline (windows, smoothing, segments, boundaries), not a real model's accuracy.
With real weights the same command is ``actionzs predict joined.mp4 --labels ucf101 --window 1 --hop 0.5 ...``.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import av
import numpy as np

from actionzs.video import open_video

REPO = Path(__file__).resolve().parents[1]
CLIPS = ("videos/real_time_video_action_recognition/v_PushUps_g02_c03.avi",
         "videos/3DNet_Visualization/v_Shotput_g05_c02.avi",
         "videos/real_time_video_action_recognition/v_PushUps_g02_c03.avi")


def join(clips: list[Path], out: Path) -> None:
    with av.open(str(out), "w") as container:
        stream = container.add_stream("mpeg4", rate=25)
        stream.width, stream.height, stream.pix_fmt = 320, 240, "yuv420p"
        for clip in clips:
            with open_video(clip) as video:
                for frame in video.frames(np.arange(len(video))):
                    container.mux(stream.encode(av.VideoFrame.from_ndarray(np.ascontiguousarray(frame), "rgb24")))
        container.mux(stream.encode())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--out", type=Path, default=REPO / "examples" / "timeline.png")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        join([args.data / c for c in CLIPS], tmp / "joined.mp4")
        for clip, label in zip(CLIPS[:2], ("PushUps", "Shotput")):
            (tmp / "support" / label).mkdir(parents=True)
            shutil.copy(args.data / clip, tmp / "support" / label)
        actionzs = [sys.executable, "-m", "actionzs"]
        subprocess.run([*actionzs, "adapt", str(tmp / "support"), "-o", str(tmp / "adapter"), "-m",
                        "random:openclip-tiny", "--method", "linear"], check=True)
        subprocess.run([*actionzs, "predict", str(tmp / "joined.mp4"), "--adapter", str(tmp / "adapter"),
                        "--window", "1", "--hop", "0.5", "--smooth", "3", "--segments", "--timeline", str(args.out)],
                       check=True)


if __name__ == "__main__":
    main()
