"""``actionzs eval``."""

from __future__ import annotations

import click

from ..adapters import FROZEN_FEATURE_ADAPTERS
from ..methods import METHODS
from . import completion
from ..options import DECODINGS, HISTORIES, AnticipationOptions, EvalRequest, LLMSettings
from .options import (ConfiguredOption, CAPTION_OPTIONS, SAMPLING_OPTIONS, bundle, cache_options, caption_options,
                      field_default, given_options, json_output_options, prompts_option, runtime_options,
                      sampling_options)

ANTICIPATION_OPTIONS = ("history", "limit", "all_windows", "llm", "decoding")


def _anticipation(history, limit, all_windows, llm, decoding):
    return AnticipationOptions(history=history, limit=limit, subset=not all_windows,
                               llm=None if llm == "none" else llm, settings=LLMSettings(decoding=decoding))


anticipation_options = bundle(
    "anticipation", _anticipation,
    click.option("--history", type=click.Choice(HISTORIES), default=field_default(AnticipationOptions, "history"),
                 show_default=True,
                 help="[anticipation] observed actions as annotated or as recognised."),
    click.option("--limit", type=click.IntRange(min=1), default=None, help="[anticipation] evaluate this many windows, evenly spread."),
    click.option("--all-windows", is_flag=True, help="[anticipation] every window, not the 600-window subset."),
    click.option("--llm", default=field_default(AnticipationOptions, "llm"), show_default=True,
                 help="[anticipation] causal LM (Hugging Face name, folder or .gguf file), or 'none' for the baselines only."),
    click.option("--decoding", type=click.Choice(DECODINGS), default=field_default(LLMSettings, "decoding"),
                 show_default=True,
                 help="[anticipation] the LLM ranks candidate continuations, or generates (see anticipate --help)."),
)


def _request(protocol, method, root, splits, model, prompts, episodes, adapter, adapt_method, runs, seed, video_labels):
    """The EvalRequest, or None without --protocol."""
    from ..eval.protocols import load_protocol

    if protocol is None:
        return None
    return EvalRequest(load_protocol(protocol), root, splits, runs, seed, episodes, method, model, prompts, adapter,
                       adapt_method, video_labels)


request_options = bundle(
    "request", _request,
    click.option("-p", "--protocol", required=False, shell_complete=completion.protocols, help="Protocol name (see --list) or a protocol YAML file."),
    click.option("--method", type=click.Choice(list(METHODS)), default=None,
                 help="The method scoring the dataset's videos [default: clip; caption when --captions is given]. "
                      + METHODS.help()),
    click.option("--root", type=click.Path(file_okay=False), default=None, help="Dataset folder (class folders of videos)."),
    click.option("--splits", type=click.Path(file_okay=False), default=None,
                 help="Folder of the protocol's split files (e.g. UCF101's ucfTrainTestlist)."),
    click.option("-m", "--model", cls=ConfiguredOption, setting="model", applies="for --method clip", default=None, shell_complete=completion.models,
                 help="Model name or path [default: the method's]."),
    prompts_option,
    click.option("--episodes", type=click.IntRange(min=1), default=None, help="[episodic] number of episodes [default: the protocol's]."),
    click.option("--adapter", type=click.Path(file_okay=False), default=None,
                 help="Score with an adapter from `actionzs adapt`."),
    click.option("--adapt-method", type=click.Choice(FROZEN_FEATURE_ADAPTERS), default=field_default(EvalRequest, "adapt_method"),
                 show_default=True, help="[few-shot protocols] adapter fitted on the K-shot support list."),
    click.option("--runs", type=click.IntRange(min=1), default=None,
                 help="Runs of a random-class protocol, or the first N of fixed ones [default: all the protocol's]."),
    click.option("--seed", type=click.IntRange(min=0), default=None, help="Seed of a random-class protocol [default: the protocol's]."),
    click.option("--video-labels", type=click.Path(dir_okay=False), default=None,
                 help="[caption] a 'video<TAB>label' file naming the class of each caption id, for datasets whose ids "
                      "do not say it (UCF101 and HMDB51 ids do; Kinetics-600 reads its lists from --splits)."),
)


@click.command(name="eval")
@request_options
@click.option("--list", "list_protocols", is_flag=True, help="List the built-in protocols and exit.")
@click.option("--schema", is_flag=True, help="Print the JSON schema of report.json (and of --json) and exit.")
@sampling_options
@anticipation_options
@caption_options
@cache_options
@runtime_options
@click.option("--out-dir", default=None, help="Write report.json, report.md and confusion.png here.")
@json_output_options
def eval_(request, list_protocols, schema, sampling, anticipation, captions, cache, runtime, out_dir, output):
    """Evaluate a method under a published protocol, with a report that says how to reproduce it.

    \b
    Examples:
      actionzs eval --list
      actionzs eval --schema          # what report.json holds, as a JSON schema
      actionzs eval -p ucf101-zs-split1 --root UCF-101/ --splits ucfTrainTestlist/ -m ViT-B-16:openai
      actionzs eval -p ucf101-5way-1shot --root UCF-101/ --splits arn_splits/ --episodes 1000
      actionzs eval -p ucf101-kshot-4 --root UCF-101/ --splits vifi_splits/ --adapt-method linear
      actionzs eval -p ucf101-zs-split1 --root UCF-101/ --splits ucfTrainTestlist/ --adapter my_adapter
      actionzs eval -p hmdb51-truze --captions obs1/hmdb51.json --captions obs2/hmdb51.json
      actionzs eval -p hmdb51-random50 --runs 10 --seed 0 --captions ... --out-dir reports/r50
    \b
    The published "tell me what you see" setup (observers + web documents, 1-NN):
      actionzs eval -p hmdb51-truze --captions ... --corpus class_texts/ --no-own-descriptions \\
          --append-class-name --combine concat --aggregate max --no-center
    """

    from ..errors import InputError
    from ..eval.protocols import available_protocols, load_protocol
    from ..output import data_warnings, render_eval, render_protocols

    if schema:
        import json

        from ..eval.report import EvalReport

        output.finish(json.dumps(EvalReport.model_json_schema(), indent=2) + "\n", [], [])
        return
    if list_protocols or request is None:
        text = render_protocols({name: load_protocol(name) for name in available_protocols()}, output.format == "json")
        if not list_protocols:
            click.echo(text, nl=False)
            raise InputError("choose a protocol with --protocol NAME (listed above)")
        output.finish(text, [], [])
        return
    method = "anticipation" if request.protocol.kind == "anticipation" else (
        request.method_for(bool(captions.captions)))
    _check_options(method, request)
    if method in METHODS:
        METHODS.require(method)  # a missing library fails here, before torch is imported
    from ..api import evaluate
    from ..cache import require_writable
    from ..console import notice, progress

    runtime = runtime.resolve()  # an absent device fails here, before any work (listings above need no torch)
    runtime.start_workers(videos=0 if method in ("anticipation", "caption") else None)  # these read text, not video

    if out_dir:
        require_writable(out_dir, "--out-dir", directory=True)
    with progress("windows" if request.protocol.kind == "anticipation" else "videos") as bar:

        def advance(expected: int | None = None):  # expected: more items announced (the bar's total, for an ETA)
            if expected:
                bar.total = (bar.total or 0) + expected
                bar.refresh()
            else:
                bar.update(1)

        report = evaluate(request, sampling=sampling, captions=captions, anticipation=anticipation, cache=cache,
                          runtime=runtime, on_item=advance)
    warnings = list(data_warnings(report))
    if report.untrained:
        from ..models.tiny import UNTRAINED_WARNING

        warnings.insert(0, UNTRAINED_WARNING)
    if out_dir:
        from ..output import write_report

        for path in write_report(out_dir, report):
            notice(f"wrote {path}")
    output.finish(render_eval(report, output.format == "json"), warnings, [])


def _check_options(method: str, request) -> None:
    """Options that this protocol and method would not use are errors, never silently dropped."""
    unused = [*given_options(CAPTION_OPTIONS + ("video_labels",))] if method != "caption" else []
    if method != "anticipation":
        unused += given_options(ANTICIPATION_OPTIONS)
    if method in ("anticipation", "caption"):
        unused += given_options(SAMPLING_OPTIONS + ("adapter", "prompts", "episodes", "adapt_method"))
    if method == "caption":
        unused += given_options(("root",))  # captions files stand for the videos
    if unused:
        raise click.UsageError(f"{unused[0]} does not apply to protocol {request.protocol.name} with the "
                               f"{method} method")
