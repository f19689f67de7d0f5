"""``eval``: a method under a published protocol, with a report that says how to reproduce it.

Video protocols score the dataset's videos with any registered method or an adapter; the caption method reads
observers' captions files instead of videos; anticipation protocols run the Ego4D LTA text benchmark.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from .. import __version__
from ..runtime import Runtime
from ..errors import InputError
from ..eval.report import EvalReport
from ..options import AnticipationOptions, CaptionOptions, EvalRequest, Sampling


def protocol_header(request: EvalRequest, **extra) -> dict:
    """The ``protocol`` block of every report: which protocol, how many runs, which seed."""
    protocol = request.protocol
    return {"name": protocol.name, "dataset": protocol.dataset, "kind": protocol.kind,
            "description": protocol.description, "runs": request.runs or protocol.runs,
            "seed": protocol.seed if request.seed is None else request.seed, **protocol.extra, **extra}


def evaluate(request: EvalRequest, *, sampling: Sampling = Sampling(), captions: CaptionOptions | None = None,
             anticipation: AnticipationOptions | None = None, cache=None, runtime: Runtime = Runtime(),
             on_item=None) -> EvalReport:
    """The report of ``request``: ``protocol``, ``setup`` (everything needed to reproduce it) and ``result``.
    ``on_item()`` is called for each video or window evaluated; ``on_item(expected=n)`` announces n more."""
    from ..provenance import provenance

    captions = captions or CaptionOptions()
    inputs = [request.splits, request.adapter, request.video_labels]
    if request.protocol.kind == "anticipation":
        report = evaluate_anticipation(request, anticipation or AnticipationOptions(), on_item, runtime, cache)
        inputs.append(request.root)  # the window files: a few MB
    elif request.method_for(bool(captions.captions)) == "caption":
        report = evaluate_captions(request, captions, cache)
        inputs += captions.captions
    else:  # the evaluated videos' digest is in each split's data summary
        report = evaluate_videos(request, sampling, cache, runtime, on_item)
    report.provenance = provenance(inputs, {"seed": report.protocol.seed})
    return report


def evaluate_videos(request: EvalRequest, sampling: Sampling = Sampling(), cache=None, runtime: Runtime = Runtime(),
                    on_item=None) -> EvalReport:
    """A video method (or an adapter) on the dataset under ``request.root``; features come from the cache."""
    from ..adapters.base import load_adapter
    from ..eval.video_eval import evaluate_videos as run
    from ..methods import METHODS
    from ..text.labels import load_labels

    if request.root is None:
        raise InputError(f"protocol {request.protocol.name} evaluates videos: give the dataset folder with --root")
    labels = load_labels(request.protocol.dataset)
    adapter = load_adapter(request.adapter) if request.adapter is not None else None
    if adapter:
        method = adapter.video_method(runtime, request.model)
        sampling, prompt_name, templates = adapter.info.sampling, adapter.info.prompts, None
        name, model = adapter.info.name, adapter.info.base_model
    else:
        kind = METHODS.load(request.method_for(captions_given=False))
        prompt_name, templates = kind.templates(request.prompts)
        method = kind.load(request.model, runtime)
        name, model = kind.name, method.model_name
        if request.protocol.kind == "few-shot":
            name = f"{kind.name}+{request.adapt_method}"
    result = run(request, method, labels, templates, sampling, cache, (lambda _: on_item()) if on_item else None,
                 adapter)
    setup = {"method": name, "model": model, "untrained": method.untrained, "prompts": prompt_name,
             "templates": templates, "views": method.setup(sampling), "runtime": method.runtime.as_dict(), "root": str(request.root),
             "splits": str(request.splits) if request.splits else None,
             "adapter": str(request.adapter) if request.adapter is not None else None, "actionzs": __version__}
    return EvalReport.model_validate({"protocol": protocol_header(request, **({"episodes": request.episodes}
                                                                              if request.episodes else {})),
                                      "setup": setup, "result": result})


def evaluate_captions(request: EvalRequest, captions: CaptionOptions, cache=None) -> EvalReport:
    """Zero-shot evaluation from observers' captions files (every captioned video of the dataset)."""
    from ..eval.caption_eval import captioned_videos, evaluate_captions as run, read_video_labels
    from ..eval.video_eval import split_groups
    from ..models.embedder import load_embedder
    from ..text.captions import read_observers
    from ..text.labels import load_labels

    if not captions.captions:
        raise InputError("caption evaluation needs --captions FILE.json (one per observer)")
    if captions.captioner:
        raise InputError("--captioner: eval reads observers' captions from --captions files; make them first with "
                         "`actionzs caption VIDEOS --captioner MODEL --json --out FILE.json`")
    if request.model is not None:
        raise InputError(f"--model {request.model!r} does not apply to caption evaluation: its model is the sentence "
                         f"embedder (--embedder)")
    protocol = request.protocol
    labels = load_labels(protocol.dataset)
    groups = [(name, {item.path: item.label for item in items}, split_labels)
              for name, items, split_labels in split_groups(protocol, request.splits, labels)]
    known = None
    if request.video_labels is not None:
        known = read_video_labels(request.video_labels, labels)
    elif groups:
        known = {video: label for _, members, _ in groups for video, label in members.items()}
    videos = captioned_videos(read_observers(captions.captions), labels, protocol.dataset, known)
    result = run(videos, labels, request, load_embedder(captions.embedder, cache), captions, groups)
    setup = {"method": "caption", "embedder": captions.embedder, "captions": [str(c) for c in captions.captions],
             "observers": videos.observers, "descriptions": asdict(captions.descriptions),
             "match": captions.match.as_dict(), "num_videos": len(videos.ids), "actionzs": __version__,
             "splits": str(request.splits) if request.splits else None,
             "video_labels": str(request.video_labels) if request.video_labels else None}
    return EvalReport.model_validate({"protocol": protocol_header(request), "setup": setup, "result": result})


def evaluate_anticipation(request: EvalRequest, options: AnticipationOptions = AnticipationOptions(),
                          on_item=None, runtime: Runtime = Runtime(), cache=None) -> EvalReport:
    """Ego4D LTA text: baselines and (unless ``options.llm`` is None) the LLM method, per history."""
    from ..anticipation.data import Vocabulary
    from ..anticipation.evaluate import evaluate_anticipation as run
    from ..anticipation.llm_method import LLMAnticipator
    from ..models.embedder import load_embedder
    from ..models.llm import load_llm

    if request.root is None:
        raise InputError(f"protocol {request.protocol.name} reads its windows from --root")
    root, settings = Path(request.root).expanduser(), options.settings
    folds = request.protocol.extra.get("folds", 5)
    anticipator = sentence_model = None
    if options.llm:
        model, tokenizer = load_llm(options.llm, runtime.resolve().device, cache)
        anticipator = LLMAnticipator(model, tokenizer, Vocabulary.from_file(root / "dicts.json"), settings)
        sentence_model = load_embedder(options.embedder, cache)
    histories = ("gt", "recog") if options.history == "both" else (options.history,)
    runs = [run(root, h, options.subset, options.limit, folds, anticipator, sentence_model, settings, on_item)
            for h in histories]
    setup = {"llm": options.llm, "embedder": options.embedder if options.llm else None,
             "settings": settings.as_dict(), "actionzs": __version__}
    return EvalReport.model_validate({"protocol": protocol_header(request, folds=folds, subset600=options.subset,
                                                                  limit=options.limit),
                                      "setup": setup, "result": {"histories": runs}})
