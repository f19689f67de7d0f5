"""Options of time, shared by the commands that look at videos: the part of each video (``--start/--end``) and
the windows of a long one (``--window``, ``--hop``, smoothing, segments, pictures, subtitles)."""

from __future__ import annotations

from dataclasses import dataclass

import click

from ..options import SMOOTHING, Windowing
from .options import bundle, field_default


def _span(start, end):
    from ..options.media import check_span, parse_time

    span = parse_time(start, "--start"), parse_time(end, "--end")
    check_span(*span)
    return span


span_options = bundle(
    "span", _span,
    click.option("--start", "-s", default=None, metavar="TIME",
                 help="Look only from this time on: seconds (12.5), m:ss (1:05) or h:mm:ss [default: the beginning]."),
    click.option("--end", "-e", default=None, metavar="TIME",
                 help="...and only until this time (same forms) [default: the end]. Reported times stay the video's."),
)


@dataclass(frozen=True)
class Timeline:
    """``predict --window``: the windowing, and how to show it (segments instead of windows, a picture)."""

    windowing: object  # options.Windowing, or None without --window
    segments_only: bool = False
    picture: str | None = None
    subtitles: str | None = None


def _timeline(window, hop, smooth, smooth_by, background, show_segments, timeline, subtitles):
    if window is None:
        given = [name for name, value in (("--hop", hop), ("--smooth", smooth), ("--background", background),
                                          ("--segments", show_segments), ("--timeline", timeline),
                                          ("--smooth-by", smooth_by), ("--subtitles", subtitles)) if value]
        if given:
            raise click.UsageError(f"{given[0]} works on windows of a long video: add --window SECONDS")
        return Timeline(None)
    if timeline:
        from ..cache import require_writable
        from ..timeline.plot import check_timeline_path

        require_writable(check_timeline_path(timeline), "--timeline")
    if subtitles:
        from ..cache import require_writable
        from ..timeline.subtitles import check_subtitles_path

        require_writable(check_subtitles_path(subtitles), "--subtitles")
    given = {"hop": hop, "smooth": smooth, "smoothing": smooth_by, "background": background}
    return Timeline(Windowing(window, **{k: v for k, v in given.items() if v is not None}), show_segments, timeline,
                    subtitles)


timeline_options = bundle(
    "timeline", _timeline,
    click.option("--window", type=click.FloatRange(min=0.1), default=None, metavar="SECONDS",
                 help="[long videos] Rank each window of this many seconds instead of the whole video."),
    click.option("--hop", type=click.FloatRange(min=0.1), default=None, metavar="SECONDS",
                 help="[long videos] Seconds between window starts [default: half the window]."),
    click.option("--smooth", type=click.IntRange(min=1), default=None, metavar="N",
                 help=f"[long videos] Smooth scores over a centred run of N windows (odd) [default: "
                      f"{field_default(Windowing, 'smooth')}, none]."),
    click.option("--smooth-by", type=click.Choice(SMOOTHING), default=None,
                 help=f"[long videos] Moving average or moving median [default: {field_default(Windowing, 'smoothing')}]."),
    click.option("--background", type=click.FloatRange(0.0, 1.0), default=None, metavar="P",
                 help=f"[long videos] A window whose best score (a probability; for --method caption a similarity) "
                      f"is under P is 'no action' [default: {field_default(Windowing, 'background'):g}]."),
    click.option("--segments", "show_segments", is_flag=True,
                 help="[long videos] Show labelled segments (merged windows) instead of every window."),
    click.option("--timeline", type=click.Path(dir_okay=False), default=None, metavar="FILE",
                 help="[long videos] Draw the timeline: .png, .svg or .html (one file per video when several)."),
    click.option("--subtitles", type=click.Path(dir_okay=False), default=None, metavar="FILE",
                 help="[long videos] Write the segments as subtitles a video player shows: .srt or .vtt (one file "
                      "per video when several)."),
)
