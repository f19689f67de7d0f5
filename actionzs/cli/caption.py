"""``actionzs caption``."""

from __future__ import annotations

import click

from ..options import CaptionRequest
from .options import device_options, field_default, json_output_options, videos_given
from .time_options import span_options


@click.command()
@click.argument("videos", nargs=-1, required=True, type=click.Path(), metavar="VIDEOS...")
@click.option("--captioner", default=field_default(CaptionRequest, "captioner"), show_default=True,
              help="Hugging Face image-to-text model (BLIP, GIT, ...) or a local folder.")
@click.option("--window", type=click.FloatRange(min=0.1), default=field_default(CaptionRequest, "window"), show_default=True,
              help="Seconds per captioned window.")
@click.option("--hop", type=click.FloatRange(min=0.1), default=field_default(CaptionRequest, "hop"),
              help="Seconds between window starts [default: half the window, as predict --window; longer than --window leaves gaps].")
@span_options
@json_output_options
@device_options
def caption(videos, captioner, window, hop, span, output, runtime):
    """Describe each VIDEO in words: the middle frame of every window is captioned, timestamps kept.

    \b
    Examples:
      actionzs caption clip.mp4
      actionzs caption *.mp4 --window 4 --json --out blip.json
      actionzs predict *.mp4 --labels hmdb51 --method caption --captions blip.json

    Consecutive windows with the same caption are merged into one stretch. --json writes ActivityNet-captions
    JSON, ready for predict --captions.

    VIDEOS are files, folders (searched recursively), globs or @list.txt files (one path per line).
    """
    from ..api import caption as run
    from ..models.tiny import UNTRAINED_WARNING
    from ..console import progress
    from ..output import render_captions

    runtime = runtime.resolve()
    inputs = videos_given(videos)
    with progress("videos", len(inputs.paths)) as bar:
        report = run(inputs.paths, CaptionRequest(captioner, window, hop, *span), runtime=runtime,
                     on_video=lambda _: bar.update(1))
    output.finish(render_captions(report, output.format), [UNTRAINED_WARNING] if report.untrained else [],
                  inputs.errors + report.errors)
