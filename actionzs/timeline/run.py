"""Rank every window of a video with any classifier (zero-shot method or adapter), window features cached in
chunks so that changing the smoothing or the threshold recomputes nothing, and memory stays flat in length."""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from ..errors import InputError, VideoError
from ..models.tiny import UNTRAINED_WARNING
from ..options import Windowing
from ..provenance import provenance
from ..ranking import top_k as best
from ..video import open_video
from ..video.memory import content_digest, exists
from ..video.span import part
from ..video.windows import SEQUENTIAL, TimeWindow, time_windows
from .report import TimelineReport, VideoTimeline, WindowResult
from .segments import segments, smooth

CACHE_WINDOWS = 64  # windows per feature-cache entry (and per step of the progress report)
OnTime = Callable[[str, float, float], None]  # (video, seconds done, duration)


def timeline(classifier, videos: Sequence[str | Path], windowing: Windowing, top_k: int,
             on_time: OnTime | None = None) -> TimelineReport:
    """Per-window top-k and segments for each video; unreadable videos go to ``errors``, never fatal."""
    if classifier.sampling.clips != 1:
        raise InputError("--clips: with --window the windows are the temporal views; use --clips 1")
    method, classes = classifier.method, classifier.classes
    report = TimelineReport(method=classifier.name, model=classifier.model, labels=classes.name,
                            num_classes=len(classes), window=windowing.window, hop=windowing.step,
                            smooth=windowing.smooth, smoothing=windowing.smoothing, background=windowing.background,
                            sampling=method.setup(classifier.sampling), prompts=classifier.prompts,
                            untrained=method.untrained, score=classifier.score_kind, runtime=method.runtime.as_dict(),
                            classes=list(classes.ids),
                            class_texts=list(classes.texts))
    if report.untrained:
        report.warnings.append(UNTRAINED_WARNING)
    _embed_share(classifier, videos, windowing, on_time)
    for video in videos:
        try:
            duration, windows, values = window_scores(classifier, Path(video), windowing, on_time)
        except VideoError as exc:
            report.errors.append({"video": str(video), "error": str(exc)})
            continue
        report.videos.append(_video_timeline(str(video), duration, windows, values, classes, windowing, top_k))
    report.provenance = provenance([*classifier.input_files, *(v.video for v in report.videos)])
    return report


def _embed_share(classifier, videos, windowing: Windowing, on_time: OnTime | None) -> None:
    """Under a launcher of N processes: each one first computes the window features of every N-th video into the
    cache, so that the pass over all videos reads them (see ``launch``)."""
    from ..launch import current, launched_processes, require_shared_cache

    if launched_processes() <= 1:
        return
    cache = classifier.cache
    require_shared_cache(cache is not None and cache.enabled and bool(classifier.method.window_cache_key))
    launch = current()
    for video in launch.share(list(videos)):
        try:
            window_scores(classifier, Path(video), windowing, on_time)
        except VideoError:
            pass  # said once, by the pass over all videos
    launch.barrier()


def window_scores(classifier, path: Path, windowing: Windowing, on_time: OnTime | None = None):
    """(duration, windows, scores ``[W, C]``) of one video, window features read from or written to the cache; the
    scores mean what they mean for a whole video (``classifier.shown_scores``: probabilities or similarities)."""
    method, sampling, cache = classifier.method, classifier.sampling, classifier.cache
    cache_key = method.window_cache_key
    if not exists(path):
        raise VideoError(path, "no such file" if not path.exists() else "not a regular file")
    digest = content_digest(path, cache) if cache is not None and cache.enabled and cache_key else None
    with open_video(path, backend=SEQUENTIAL) as whole:
        video = part(whole, sampling.start, sampling.end)  # --start/--end: windows cover that part alone
        duration = video.duration
        windows = time_windows(duration, windowing.window, windowing.step)
        parts = []
        for first in range(0, len(windows), CACHE_WINDOWS):
            chunk = windows[first : first + CACHE_WINDOWS]
            entry = f"{sampling.key}|w{windowing.window:g}h{windowing.step:g}|{first}"
            features = cache.get(digest, cache_key, entry) if digest else None
            if features is None:
                features = method.window_features(video, chunk, sampling)
                if digest:
                    cache.put(digest, cache_key, entry, features)
            parts.append(classifier.shown_scores(features))
            if on_time:
                on_time(str(path), chunk[-1].end, duration)
    origin = getattr(video, "origin", 0.0)  # times of the whole video, as a player shows them
    shifted = [TimeWindow(w.start + origin, w.end + origin) for w in windows] if origin else windows
    return duration + origin, shifted, np.concatenate(parts)


def _video_timeline(video, duration, windows, values, classes, windowing: Windowing, top_k: int) -> VideoTimeline:
    probs = smooth(np.asarray(values, dtype=np.float64), windowing.smooth, windowing.smoothing)
    rows = [WindowResult(start=round(window.start, 3), end=round(window.end, 3),
                         top=best(p, classes.ids, classes.texts, top_k)) for window, p in zip(windows, probs)]
    found = segments(probs, windows, duration, classes.ids, classes.texts, windowing.background)
    return VideoTimeline(video=video, duration=round(duration, 3), windows=rows, segments=found,
                         scores=probs.tolist())
