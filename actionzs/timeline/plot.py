"""A timeline picture: time across, the labels that score highest down the side, score as colour, segments as a
labelled band on top with their boundaries carried down; PNG, SVG, or an HTML page with the SVG and a table."""

from __future__ import annotations

import html
import io
from pathlib import Path

import numpy as np

from ..cache import atomic_write, atomic_write_text
from ..errors import InputError
from ..console import clock
from ..video.windows import TimeWindow
from .report import TimelineReport, VideoTimeline
from .segments import cells

FORMATS = (".png", ".svg", ".html")
ROWS = 10  # labels shown: those with the highest score anywhere in the video


def check_timeline_path(path: str | Path) -> Path:
    path = Path(path).expanduser()
    if path.suffix.lower() not in FORMATS:
        raise InputError(f"--timeline {path}: choose a .png, .svg or .html file")
    return path


def timeline_paths(path: str | Path, videos: list[str]) -> list[Path]:
    """One picture per video: ``path`` itself for one video, ``<stem>-<video stem><suffix>`` for several; videos
    whose stems collide (``a/x.mp4``, ``b/x.mp4``) add a short digest of their path, so no two share a file."""
    return per_video_paths(check_timeline_path(path), videos)


def per_video_paths(path: str | Path, videos: list[str]) -> list[Path]:
    """``path`` for one video; ``<stem>-<video stem><suffix>`` each for several (a short digest of the video's
    path added where stems collide)."""
    import hashlib
    from collections import Counter

    path = Path(path).expanduser()
    if len(videos) == 1:
        return [path]
    stems = Counter(Path(v).stem for v in videos)

    def name(video: str) -> str:
        stem = Path(video).stem
        if stems[stem] > 1:
            stem += "-" + hashlib.sha256(str(Path(video).resolve()).encode()).hexdigest()[:8]
        return f"{path.stem}-{stem}{path.suffix}"

    return [path.with_name(name(v)) for v in videos]


def _figure(video: VideoTimeline, report: TimelineReport, rows: int = ROWS):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    probs = np.asarray(video.scores)
    shown = np.argsort(-probs.max(axis=0), kind="stable")[: min(rows, probs.shape[1])]
    names = [report.class_texts[i] for i in shown]
    windows = [TimeWindow(w.start, w.end) for w in video.windows]
    edges = [a for a, _ in cells(windows, video.duration)] + [max(video.duration, windows[-1].end)]
    fig, (band, heat) = plt.subplots(2, 1, sharex=True, figsize=(12, 1.6 + 0.34 * len(shown)),
                                     gridspec_kw={"height_ratios": [1, max(2, len(shown))], "hspace": 0.05})
    mesh = heat.pcolormesh(edges, np.arange(len(shown) + 1), probs[:, shown].T, cmap="viridis", vmin=0.0,
                           vmax=max(float(probs.max()), 1e-6))
    heat.set_yticks(np.arange(len(shown)) + 0.5, [n[:32] for n in names], fontsize=8)
    heat.invert_yaxis()
    palette = plt.get_cmap("tab10")
    colour = {label: palette(i % 10) for i, label in enumerate(dict.fromkeys(s.label for s in video.segments))}
    for s in video.segments:
        band.axvspan(s.start, s.end, color=colour[s.label], alpha=0.85)
        if s.end - s.start > video.duration / 25:
            band.text((s.start + s.end) / 2, 0.5, s.text[:24], ha="center", va="center", fontsize=7, clip_on=True)
        for t in (s.start, s.end):
            heat.axvline(t, color="white", linewidth=0.6, alpha=0.8)
    band.set_yticks([])
    band.set_ylabel("segments", rotation=0, ha="right", va="center", fontsize=8)
    heat.xaxis.set_major_locator(MaxNLocator(nbins=12, steps=[1, 2, 3, 5, 6, 10]))
    heat.xaxis.set_major_formatter(FuncFormatter(lambda x, _: clock(x)))
    heat.set_xlim(0, edges[-1])
    heat.set_xlabel("video time")
    fig.colorbar(mesh, ax=[band, heat], label=report.score, fraction=0.025, pad=0.01)
    title = f"{Path(video.video).name}: {report.method} ({report.model}), windows of {report.window:g} s every {report.hop:g} s"
    if report.untrained:
        title += "\nUNTRAINED TEST MODEL: not predictions"
    band.set_title(title, fontsize=9)
    return fig, plt


def write_timeline(video: VideoTimeline, report: TimelineReport, path: str | Path) -> Path:
    """Write the picture (format from the extension) atomically."""
    path = check_timeline_path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig, plt = _figure(video, report)
    try:
        if path.suffix.lower() == ".html":
            svg = io.StringIO()
            fig.savefig(svg, format="svg", bbox_inches="tight")
            atomic_write_text(path, _page(video, report, svg.getvalue()))
        else:
            atomic_write(path, lambda fh: fig.savefig(fh, format=path.suffix[1:].lower(), dpi=120, bbox_inches="tight"))
    finally:
        plt.close(fig)
    return path


def _page(video: VideoTimeline, report: TimelineReport, svg: str) -> str:
    rows = "\n".join(f"<tr><td>{clock(s.start)}</td><td>{clock(s.end)}</td><td>{html.escape(s.text)}</td>"
                     f"<td>{s.mean_score:.1%}</td><td>{s.max_score:.1%}</td></tr>" for s in video.segments)
    name = html.escape(Path(video.video).name)
    warning = "<p><b>UNTRAINED TEST MODEL: these are not predictions.</b></p>" if report.untrained else ""
    return (f"<!doctype html>\n<html><head><meta charset='utf-8'><title>{name}: timeline</title></head><body>\n"
            f"<h1>{name}</h1>{warning}\n<p>{html.escape(report.method)} ({html.escape(report.model)}), labels "
            f"{html.escape(report.labels)}; windows of {report.window:g} s every {report.hop:g} s, smoothing "
            f"{report.smooth} ({report.smoothing}), background {report.background:g}.</p>\n{svg[svg.find('<svg'):]}\n"
            f"<table border='1' cellpadding='4'><tr><th>start</th><th>end</th><th>label</th><th>mean</th>"
            f"<th>max</th></tr>\n{rows}\n</table></body></html>\n")
