"""Windows of a long video, by time: the one windowing code behind ``predict --window``, ``caption --window`` and
the observed segments of ``anticipate``.

Windows are cut in seconds, never in frame counts, and frames are found by their timestamps
(``Video.index_at``), so a variable frame rate puts every window where it belongs in time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import InputError


#: Windows are read front to back with PyAV's forward decoder (``Video`` keeps it where it stopped): flat memory
#: at any length. decord's random access grew by gigabytes over a 10-minute 720p video interleaved with a model,
#: and was slower (see benchmarks/long_video.py).
SEQUENTIAL = "pyav"


@dataclass(frozen=True)
class TimeWindow:
    """``[start, end)`` in seconds from the first frame."""

    start: float
    end: float

    @property
    def middle(self) -> float:
        return (self.start + self.end) / 2

    def sample_times(self, frames: int) -> np.ndarray:
        """TSN in time: the middle of each of ``frames`` equal parts of the window."""
        return self.start + (np.arange(frames) + 0.5) * (self.end - self.start) / frames


def time_windows(duration: float, window: float, hop: float) -> list[TimeWindow]:
    """Windows of ``window`` seconds starting every ``hop`` seconds, from 0 until one reaches the end.

    The last window is cut at the end of the video (a partial window: the tail is covered, never dropped, and no
    window repeats earlier time); a video shorter than one window is one window over all of it. A hop longer
    than the window leaves gaps (sparse captions, say)."""
    if not (window > 0 and hop > 0):
        raise InputError(f"window and hop must be positive seconds (got {window}, {hop})")
    if not duration > 0:
        raise InputError("the video has no duration")
    windows, k = [], 0
    while True:
        start = k * hop
        windows.append(TimeWindow(start, min(start + window, duration)))
        k += 1
        if start + window >= duration - 1e-9 or k * hop >= duration - 1e-9:
            return windows


def equal_parts(duration: float, parts: int) -> list[TimeWindow]:
    """``parts`` consecutive windows of equal length covering the video."""
    if parts < 1:
        raise InputError(f"need at least one part, got {parts}")
    edges = np.linspace(0.0, duration, parts + 1)
    return [TimeWindow(float(a), float(b)) for a, b in zip(edges[:-1], edges[1:])]


def window_indices(video, windows: list[TimeWindow], frames: int) -> np.ndarray:
    """``[W, frames]`` indices of the frames on screen at each window's sample times."""
    times = np.stack([w.sample_times(frames) for w in windows])
    return video.index_at(times.reshape(-1)).reshape(len(windows), frames)
