"""Render two small example clips (stick figures doing jumping jacks and waving) into examples/clips/.

Drawn by this script, so the repository carries no video files; real footage works the same way.
"""

from __future__ import annotations

import math
from pathlib import Path

import av
import numpy as np

HERE = Path(__file__).resolve().parent
SIZE, FPS, SECONDS = 224, 25, 3


def _line(img, p, q, width=5, colour=(30, 30, 30)):
    steps = int(max(abs(q[0] - p[0]), abs(q[1] - p[1]))) + 1
    for t in np.linspace(0, 1, steps):
        x, y = p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1])
        img[max(0, int(y) - width // 2): int(y) + width // 2 + 1, max(0, int(x) - width // 2): int(x) + width // 2 + 1] = colour


def _figure(phase: float, action: str) -> np.ndarray:
    img = np.full((SIZE, SIZE, 3), (235, 225, 200), dtype=np.uint8)
    img[180:] = (90, 150, 80)  # grass
    hip, neck, head = (112, 130), (112, 75), (112, 55)
    yy, xx = np.ogrid[:SIZE, :SIZE]
    img[(xx - head[0]) ** 2 + (yy - head[1]) ** 2 <= 14 ** 2] = (220, 180, 150)
    _line(img, neck, hip)
    if action == "jumping_jacks":
        spread = 0.5 + 0.5 * math.sin(phase)
        lift = 12 * spread
        hip_y = hip[1] - lift
        for side in (-1, 1):
            _line(img, (112, hip_y), (112 + side * (10 + 30 * spread), 178 - lift))
            angle = math.radians(200 - 160 * spread) if side < 0 else math.radians(-20 + 160 * spread)
            _line(img, neck, (112 + side * 40 * abs(math.cos(angle)), 75 - 40 * math.sin(math.radians(-30 + 150 * spread))))
    else:  # waving: one arm swings overhead, the other hangs
        for side in (-1, 1):
            _line(img, hip, (112 + side * 15, 178))
        _line(img, neck, (90, 120))
        elbow = (140, 60)
        _line(img, neck, elbow)
        _line(img, elbow, (140 + 25 * math.sin(phase), 25))
    return img


def render(action: str, path: Path) -> None:
    with av.open(str(path), "w") as out:
        stream = out.add_stream("mpeg4", rate=FPS)
        stream.width = stream.height = SIZE
        stream.pix_fmt = "yuv420p"
        for i in range(FPS * SECONDS):
            frame = av.VideoFrame.from_ndarray(_figure(2 * math.pi * i / 12, action), format="rgb24")
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)


def main(folder: Path = HERE / "clips") -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for action in ("jumping_jacks", "waving"):
        path = folder / f"{action}.mp4"
        if not path.exists():
            render(action, path)
        paths.append(path)
    return paths


if __name__ == "__main__":
    for p in main():
        print(p)
