"""Segments as subtitles a video player shows (SRT or WebVTT), written by pysubs2: each labelled segment is one
cue, its text the label and its mean score (a probability, or a similarity for the caption method)."""

from __future__ import annotations

from pathlib import Path

from ..errors import InputError

FORMATS = {".srt": "srt", ".vtt": "vtt"}


def check_subtitles_path(path: str | Path) -> Path:
    path = Path(path).expanduser()
    if path.suffix.lower() not in FORMATS:
        raise InputError(f"--subtitles {path}: choose a .srt or .vtt file")
    return path


def write_subtitles(video, path: str | Path) -> Path:
    """``video`` (a ``report.VideoTimeline``): one cue per segment, written atomically."""
    import pysubs2

    from ..cache import atomic_write_text

    path = check_subtitles_path(path)
    subs = pysubs2.SSAFile()
    for segment in video.segments:
        subs.append(pysubs2.SSAEvent(start=round(segment.start * 1000), end=round(segment.end * 1000),
                                     text=f"{segment.text} ({segment.mean_score:.2f})"))
    atomic_write_text(path, subs.to_string(FORMATS[path.suffix.lower()]))
    return path
