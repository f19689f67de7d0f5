"""From per-window scores to labelled segments: smoothing over neighbouring windows, a "no action" threshold, and
consecutive windows of the same label merged into one segment."""

from __future__ import annotations

import numpy as np

from ..options import check_smoothing
from ..video.windows import TimeWindow
from .report import Segment

def smooth(probabilities: np.ndarray, size: int = 1, how: str = "mean") -> np.ndarray:
    """``[W, C]`` scores averaged (or median-filtered) over a centred run of ``size`` windows; at the ends the
    run is shortened to the windows there are (no padding that would invent scores)."""
    check_smoothing(size, how)
    scores = np.asarray(probabilities, dtype=np.float64)
    if size == 1 or len(scores) < 2:
        return scores
    half = size // 2
    reduce = np.mean if how == "mean" else np.median
    return np.stack([reduce(scores[max(0, i - half) : i + half + 1], axis=0) for i in range(len(scores))])


def cells(windows: list[TimeWindow], duration: float) -> list[tuple[float, float]]:
    """The stretch of time each window speaks for: consecutive windows meet in the middle of their overlap (or of
    the gap between them), the first starts at 0 and the last ends at the end; so windows tile the video, and
    windows that do not overlap speak for exactly their own time."""
    edges = [0.0] + [(b.start + a.end) / 2 for a, b in zip(windows, windows[1:])] + [max(duration, windows[-1].end)]
    return list(zip(edges[:-1], edges[1:]))


def segments(probabilities: np.ndarray, windows: list[TimeWindow], duration: float, ids, texts,
             background: float = 0.0) -> list[Segment]:
    """Label each window by its best class, or none where that class's score is under ``background``; merge
    consecutive windows with the same label. Windows without a label are gaps between segments."""
    scores = np.asarray(probabilities, dtype=np.float64)
    if len(scores) != len(windows):
        raise ValueError(f"{len(scores)} score rows for {len(windows)} windows")
    best = scores.argmax(axis=1)
    labelled = [int(c) if scores[i, c] >= background else None for i, c in enumerate(best)]
    spans = cells(windows, duration)
    out: list[Segment] = []
    first = 0
    for i in range(1, len(windows) + 1):
        if i < len(windows) and labelled[i] == labelled[first]:
            continue
        label = labelled[first]
        if label is not None:
            run = scores[first:i, label]
            out.append(Segment(label=ids[label], text=texts[label], start=round(spans[first][0], 3),
                               end=round(spans[i - 1][1], 3), mean_score=float(run.mean()), max_score=float(run.max()),
                               windows=i - first))
        first = i
    return out
