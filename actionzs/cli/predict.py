"""``actionzs predict``."""

from __future__ import annotations

import click

from .. import defaults
from ..methods import METHODS
from ..options import PredictRequest
from . import completion
from .options import (CAPTION_OPTIONS, ConfiguredOption, cache_options, caption_options, field_default,
                      given_options, output_options, prompts_option, runtime_options, sampling_options,
                      videos_given)
from .time_options import span_options, timeline_options


@click.command()
@click.argument("videos", nargs=-1, required=True, type=click.Path(), metavar="VIDEOS...")
@click.option("-l", "--labels", cls=ConfiguredOption, setting="labels", default=None, shell_complete=completion.label_sets,
              help="Built-in set (ucf101, hmdb51, kinetics400, kinetics600), a file with one label per line, or "
                   f"'a,b,c' [default: {defaults.LABELS}].")
@click.option("-m", "--model", cls=ConfiguredOption, setting="model", applies="for --method clip", default=None, shell_complete=completion.models, help="Model name or local path [default: the method's, "
                                                   f"{defaults.CLIP_MODEL} for clip].")
@click.option("--method", type=click.Choice(METHODS.ranking()), default=field_default(PredictRequest, "method"),
              show_default=True, help=METHODS.help(METHODS.ranking()) + " (VideoMAE features rank labels through "
                                                                       "an adapter: adapt --method curriculum, then "
                                                                       "--adapter)")
@prompts_option
@sampling_options
@span_options
@click.option("-k", "--top-k", type=click.IntRange(min=1), default=field_default(PredictRequest, "top_k"), show_default=True,
              help="How many labels to show per video.")
@output_options
@cache_options
@runtime_options
@click.option("--adapter", type=click.Path(file_okay=False), default=None,
              help="Use an adapter made by `actionzs adapt` (its classes, base model and sampling).")
@caption_options
@timeline_options
def predict(videos, labels, model, method, prompts, sampling, span, top_k, output, cache, runtime, adapter, captions,
            timeline):
    """Rank action labels for each VIDEO, zero-shot.

    \b
    Examples:
      actionzs predict v_PushUps_g02_c03.avi --labels ucf101
      actionzs predict a.mp4 b.mp4 --labels my_labels.txt --top-k 3 --csv
      actionzs predict clips/ @more_videos.txt 'archive/**/*.avi' --json --out preds.json
      actionzs predict clip.mp4 -m ViT-B-32:laion2b_s34b_b79k --clips 4 --crops 3
      actionzs predict v_dive_x.avi --labels hmdb51 --method caption --captions ob1.json --captions ob2.json
      actionzs predict match.mp4 --window 4 --hop 2 --smooth 3 --segments --timeline match.png

    Scores are probabilities: a softmax over all labels of the cosine similarity scaled by the model's
    learned temperature. The caption method's scores are cosine similarities (not probabilities).
    Unreadable videos are reported and skipped; the exit code is then 1.

    VIDEOS are files, folders (searched recursively), globs ('clips/**/*.mp4', expanded here when the shell
    did not) or @list.txt files (one path per line, relative to the list).

    \b
    Long videos: --window 4 --hop 2 ranks every 4-second window (starting every 2 s) with any method or
    adapter; --smooth 3 averages each window's scores with its neighbours'; windows whose best score is under
    --background are "no action"; consecutive windows of one label make a segment (--segments). --json holds
    windows and segments; --timeline draws them. Window features are cached, so changing --smooth or
    --background recomputes nothing.

    \b
    Sampling (recorded in reports and part of the feature-cache key):
      --frames 8            frames per view: one from each of 8 equal segments (TSN)
      --stride 2            instead, dense clips of --frames frames, 2 apart
      --clips 4 --crops 3   test-time views: 4 temporal clips x 3 spatial crops
    """
    import dataclasses

    _check_options(method, adapter)
    if adapter is None:
        METHODS.require(method)  # a missing library fails here, before torch is imported
    from ..api import predict as run
    from ..console import progress
    from ..output import render_predictions

    runtime = runtime.resolve()
    inputs = videos_given(videos)
    runtime.start_workers(videos=0 if timeline.windowing is not None else len(inputs.paths))  # windows: read here
    sampling = dataclasses.replace(sampling, start=span[0], end=span[1])
    request = PredictRequest(labels=labels, method=method, model=model, prompts=prompts, adapter=adapter,
                             sampling=sampling, captions=captions, top_k=top_k, windowing=timeline.windowing)
    if timeline.windowing is not None:
        _predict_windows(inputs, request, timeline, output, cache, runtime)
        return
    with progress("videos", len(inputs.paths)) as bar:
        report = run(inputs.paths, request, cache=cache, runtime=runtime, on_video=lambda _: bar.update(1))
    output.finish(render_predictions(report, output.format), report.warnings, inputs.errors + report.errors)


def _check_options(method, adapter):
    """Options that the chosen method or adapter would not use are errors, never silently dropped."""
    if adapter is not None:
        fixed = given_options(("labels", "method", "prompts", "frames", "clips", "crops", "stride", *CAPTION_OPTIONS))
        if fixed:
            raise click.UsageError(f"{fixed[0]}: an adapter brings its own classes, method, prompts and sampling "
                                   f"(see its adapter.yaml); drop {fixed[0]}")
    elif method != "caption":
        unused = given_options(CAPTION_OPTIONS)
        if unused:
            raise click.UsageError(f"{unused[0]} is an option of --method caption")
    elif given_options(("prompts", "frames", "clips", "crops", "stride", "start", "end")):
        option = given_options(("prompts", "frames", "clips", "crops", "stride", "start", "end"))[0]
        raise click.UsageError(f"{option} does not apply to --method caption (it reads captions, not frames)")


def _predict_windows(inputs, request, timeline, output, cache, runtime):
    from ..api import predict as run
    from ..console import notice
    from ..launch import is_main_process
    from ..timeline.plot import per_video_paths, timeline_paths, write_timeline
    from ..timeline.subtitles import write_subtitles
    from ..timeline.render import VideoClock, render_timeline

    videos = inputs.paths
    pictures = dict(zip(videos, timeline_paths(timeline.picture, videos))) if timeline.picture else {}
    with VideoClock() as clock:
        report = run(videos, request, cache=cache, runtime=runtime, on_time=clock)
    cues = dict(zip(videos, per_video_paths(timeline.subtitles, videos))) if timeline.subtitles else {}
    for video in report.videos if is_main_process() else ():  # under a launcher the main process writes
        if video.video in pictures:
            notice(f"wrote {write_timeline(video, report, pictures[video.video])}")
        if video.video in cues:
            notice(f"wrote {write_subtitles(video, cues[video.video])}")
    output.finish(render_timeline(report, output.format, timeline.segments_only), report.warnings,
                  inputs.errors + report.errors)
