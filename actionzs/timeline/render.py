"""A timeline as text: per-window top-k or segments as a table, CSV rows, JSON; and progress in video time."""

from __future__ import annotations

import csv
import io
import sys

from ..console import clock
from .report import TimelineReport


def render_timeline(report: TimelineReport, fmt: str, segments_only: bool = False) -> str:
    if fmt == "json":
        return report.model_dump_json(indent=2) + "\n"
    if fmt == "csv":
        return _csv(report, segments_only)
    lines = ["UNTRAINED TEST MODEL: the scores below are not predictions."] if report.untrained and report.videos else []
    for video in report.videos:
        lines.append(f"{video.video}  ({clock(video.duration)}, {len(video.windows)} windows of {report.window:g} s "
                     f"every {report.hop:g} s; scores are {_meaning(report)})")
        if segments_only:
            if not video.segments:
                lines.append(f"  no segment above --background {report.background:g}")
            for s in video.segments:
                lines.append(f"  {clock(s.start):>9} - {clock(s.end):<9} {s.text:<30} mean {s.mean_score:6.1%}  "
                             f"max {s.max_score:6.1%}")
            continue
        for w in video.windows:
            ranked = "  ".join(f"{r.score:6.1%} {r.text}" for r in w.top)
            lines.append(f"  {clock(w.start):>9} - {clock(w.end):<9} {ranked}")
    return "\n".join(lines) + "\n"


def _csv(report: TimelineReport, segments_only: bool) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf)
    if segments_only:
        writer.writerow(["video", "start", "end", "label", "text", "mean_score", "max_score", "windows"])
        for video in report.videos:
            for s in video.segments:
                writer.writerow([video.video, s.start, s.end, s.label, s.text, f"{s.mean_score:.6f}",
                                 f"{s.max_score:.6f}", s.windows])
        return buf.getvalue()
    writer.writerow(["video", "start", "end", "rank", "label", "text", "score"])
    for video in report.videos:
        for w in video.windows:
            for rank, r in enumerate(w.top, 1):
                writer.writerow([video.video, w.start, w.end, rank, r.label, r.text, f"{r.score:.6f}"])
    return buf.getvalue()


class VideoClock:
    """A progress bar in video time ("12:30 / 58:00") on stderr, hidden with -q or when stderr is not a terminal."""

    def __init__(self):
        from tqdm import tqdm

        from ..console import quiet

        self.bar = tqdm(total=0, unit="s", file=sys.stderr, disable=True if quiet() else None, leave=False,
                        bar_format="{desc} {percentage:3.0f}%|{bar}| {postfix} [{elapsed}<{remaining}]")
        self.video = None

    def __call__(self, video: str, done: float, duration: float) -> None:
        if video != self.video:
            self.video = video
            self.bar.reset(total=round(duration, 3))
            self.bar.set_description_str(video.rsplit("/", 1)[-1][:40])
        self.bar.update(round(done - self.bar.n, 3))
        self.bar.set_postfix_str(f"{clock(done)} / {clock(duration)}")

    def __enter__(self) -> "VideoClock":
        return self

    def __exit__(self, *exc) -> None:
        self.bar.close()


def _meaning(report) -> str:
    return "probabilities" if report.score == "probability" else "similarities, not probabilities"
