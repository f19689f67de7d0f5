"""Part of a video (``--start/--end``): an open video seen as if it began at ``start`` and stopped at ``end``, so
sampling, windows and captions need no change; ``origin`` turns its times back into the whole video's."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..console import clock
from ..errors import VideoError


class Span:
    """The frames shown from ``start`` (inclusive) to ``end`` (exclusive) of ``video``, indexed from 0."""

    def __init__(self, video, start: float | None, end: float | None):
        times = video.times()
        self.video = video
        self.first = int(np.searchsorted(times, (start or 0.0) - 1e-9, side="left"))
        last = len(times) if end is None else int(np.searchsorted(times, end - 1e-9, side="left"))
        if last <= self.first:
            raise VideoError(video.path, f"--start {clock(start or 0)} --end {clock(end) if end is not None else 'end'}:"
                                         f" no frame there (it lasts {clock(video.duration)})")
        self.last = last
        self.origin = float(times[self.first])  # the whole video's time of this part's first frame
        self.info = replace(video.info, num_frames=last - self.first)
        self.path = video.path

    def __len__(self) -> int:
        return self.last - self.first

    def times(self) -> np.ndarray:
        return self.video.times()[self.first : self.last] - self.origin

    @property
    def duration(self) -> float:
        times = self.video.times()
        step = (times[-1] / (len(times) - 1)) if len(times) > 1 else 1 / self.info.fps
        return float(times[self.last - 1] - self.origin + step)

    def index_at(self, seconds) -> np.ndarray:
        found = self.video.index_at(np.asarray(seconds, dtype=np.float64) + self.origin) - self.first
        return np.clip(found, 0, len(self) - 1)

    def frames(self, indices) -> np.ndarray:
        return self.video.frames(np.asarray(indices, dtype=np.int64) + self.first)

    def __enter__(self) -> "Span":
        return self

    def __exit__(self, *exc) -> None:
        self.video.close()

    def close(self) -> None:
        self.video.close()


def part(video, start: float | None = None, end: float | None = None):
    """``video`` itself when no part is asked for, else its ``Span``."""
    return video if start is None and end is None else Span(video, start, end)
