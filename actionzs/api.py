"""The Python API: what the CLI calls, and what users call from their own code.

    >>> from actionzs import api
    >>> report = api.predict(["clip.mp4"], labels="ucf101", model="ViT-B-16:openai")
    >>> report.predictions[0].top[0]
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from . import __version__
from .cache import FeatureCache
from .errors import InputError
from .features import Sampling, iter_features
from .models.tiny import UNTRAINED_WARNING
from .text.labels import LabelSet, load_labels

DEFAULT_MODEL = "ViT-B-16:openai"


@dataclass
class Ranked:
    label: str
    text: str
    score: float  # probability


@dataclass
class VideoPrediction:
    video: str
    top: list[Ranked]


@dataclass
class PredictReport:
    """Everything ``predict`` produced, ready for a table, JSON or CSV."""

    method: str
    model: str
    labels: str
    num_classes: int
    sampling: dict
    prompts: str | None
    untrained: bool
    predictions: list[VideoPrediction] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    version: str = __version__

    def to_dict(self) -> dict:
        return asdict(self)


def softmax(logits: np.ndarray) -> np.ndarray:
    z = logits - logits.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def rank(logits: np.ndarray, classes: LabelSet, top_k: int) -> list[Ranked]:
    probs = softmax(np.asarray(logits, dtype=np.float64))
    order = np.argsort(-probs, kind="stable")[: max(1, min(top_k, len(classes)))]
    return [Ranked(classes.ids[i], classes.texts[i], float(probs[i])) for i in order]


def resolve_labels(labels: str | LabelSet) -> LabelSet:
    return labels if isinstance(labels, LabelSet) else load_labels(labels)


def predict(
    videos: Sequence[str | Path],
    *,
    labels: str | LabelSet = "ucf101",
    model: str = DEFAULT_MODEL,
    method: str = "clip",
    prompts: str | None = None,
    sampling: Sampling = Sampling(),
    top_k: int = 5,
    cache: FeatureCache | None = None,
    device: str = "cpu",
    on_video: Callable[[str], None] | None = None,
    caption_options: dict | None = None,
    adapter: str | Path | None = None,
) -> PredictReport:
    """Rank ``labels`` for each video. Bad videos are reported in ``errors`` and skipped, never fatal."""
    if not videos:
        raise InputError("no videos given")
    if top_k < 1:
        raise InputError(f"--top-k must be at least 1, got {top_k}")
    if adapter is not None:
        return _predict_with_adapter(videos, adapter, model, top_k, cache, device, on_video)
    classes = resolve_labels(labels)
    if method == "caption":
        return _predict_from_captions(videos, classes, top_k, on_video, **(caption_options or {}))
    if method != "clip":
        raise InputError(f"unknown method '{method}' (available: clip, caption)")

    from .methods.clip_zeroshot import ClipZeroShot
    from .models.clip import load_clip
    from .text.prompts import clip_templates

    prompt_name, templates = clip_templates(prompts)
    encoder = load_clip(model, device=device)
    scorer = ClipZeroShot(encoder, classes, templates)
    report = PredictReport(
        method="clip", model=model, labels=classes.name, num_classes=len(classes), sampling=sampling.as_dict(),
        prompts=prompt_name, untrained=encoder.untrained,
    )
    if encoder.untrained:
        report.warnings.append(UNTRAINED_WARNING)
    for path, features, error in iter_features(videos, encoder, sampling, cache):
        if error:
            report.errors.append({"video": path, "error": error})
        else:
            logits = scorer.scores(features[None])[0]
            report.predictions.append(VideoPrediction(path, rank(logits, classes, top_k)))
        if on_video:
            on_video(path)
    return report


def _predict_from_captions(
    videos,
    classes: LabelSet,
    top_k: int,
    on_video,
    captions: Sequence[str | Path] = (),
    embedder: str = "all-MiniLM-L6-v2",
    descriptions=None,
    match=None,
    dataset: str | None = None,
    captioner: str | None = None,
) -> PredictReport:
    """Rank labels from what observers said: ActivityNet-captions JSON files (one per observer), or captions
    made now by an image-to-text model when no files are given."""
    from .methods.caption_match import CaptionMatcher, MatchConfig
    from .models.embedder import load_embedder
    from .text.captions import read_observers, video_key
    from .text.corpora import DescriptionConfig, class_sentences

    failures = []
    if captions:
        observers = read_observers(captions)
    else:  # caption now, with an image-to-text model
        observer, failures = caption_videos(videos, captioner or DEFAULT_CAPTIONER)
        observers = [observer]
    known = set().union(*(o.videos for o in observers))
    descriptions = descriptions or DescriptionConfig()
    match = match or MatchConfig()
    model = load_embedder(embedder)
    sentences = class_sentences(classes, descriptions, model, dataset=dataset or classes.name)
    matcher = CaptionMatcher(classes, sentences, model, match)
    report = PredictReport(
        method="caption", model=embedder, labels=classes.name, num_classes=len(classes),
        sampling={"captions": [o.name for o in observers], **match.as_dict()}, prompts=None,
        untrained=any(o.name.startswith("random:") for o in observers),
    )
    if report.untrained:
        report.warnings.append(UNTRAINED_WARNING)
    failed = {f["video"] for f in failures}
    report.errors.extend(failures)
    found, said = [], []
    for video in videos:
        if str(video) in failed:
            continue
        key = video_key(video, known)
        if key is None:
            report.errors.append({"video": str(video), "error": f"{video}: no captions for this video in {', '.join(map(str, captions))}"})
        else:
            found.append(str(video))
            said.append([[c.sentence for c in o.videos.get(key, [])] for o in observers])
        if on_video:
            on_video(str(video))
    if found:
        everything = [[[c.sentence for c in o.videos.get(key, [])] for o in observers] for key in sorted(known)]
        logits = matcher.scores(matcher.embed_videos(said, reference=everything))
        report.predictions = [VideoPrediction(v, rank(row, classes, top_k)) for v, row in zip(found, logits)]
    return report


def evaluate_captions_protocol(protocol, captions, embedder="all-MiniLM-L6-v2", descriptions=None, match=None,
                               runs=None, seed=None, dataset=None) -> dict:
    """Zero-shot protocol evaluation from precomputed captions; the report records the full setup."""
    from .eval.caption_eval import captioned_videos, evaluate_captions
    from .methods.caption_match import MatchConfig
    from .models.embedder import load_embedder
    from .text.captions import read_observers
    from .text.corpora import DescriptionConfig

    if not captions:
        raise InputError("caption evaluation needs --captions FILE.json (one per observer)")
    labels = load_labels(protocol.dataset)
    descriptions = descriptions or DescriptionConfig()
    match = match or MatchConfig()
    observers = read_observers(captions)
    videos = captioned_videos(observers, labels, protocol.dataset)
    result = evaluate_captions(videos, labels, protocol, load_embedder(embedder), descriptions, match, runs, seed)
    return {
        "protocol": {"name": protocol.name, "dataset": protocol.dataset, "kind": protocol.kind,
                     "description": protocol.description, "runs": runs or protocol.runs,
                     "seed": protocol.seed if seed is None else seed},
        "setup": {"method": "caption", "embedder": embedder, "captions": [str(c) for c in captions],
                  "observers": videos.observers, "descriptions": asdict(descriptions), "match": match.as_dict(),
                  "num_videos": len(videos.ids), "actionzs": __version__},
        "result": result,
    }


DEFAULT_CAPTIONER = "Salesforce/blip-image-captioning-base"


def caption_videos(videos, captioner: str = DEFAULT_CAPTIONER, window_s: float = 2.0, stride_s: float = 2.0,
                   on_video=None):
    """Caption each video with an image-to-text model: (ObserverCaptions named after the model, errors)."""
    from .errors import VideoError
    from .models.captioner import load_captioner
    from .text.captions import Caption, ObserverCaptions

    model = load_captioner(captioner)
    observer = ObserverCaptions(captioner)
    errors = []
    for video in videos:
        try:
            entries = caption_video(video, model, window_s, stride_s)
            observer.videos[str(video)] = [Caption(e["sentence"], *e["timestamp"]) for e in entries]
        except VideoError as exc:
            errors.append({"video": str(video), "error": str(exc)})
        if on_video:
            on_video(str(video))
    return observer, errors


def caption_video(path: str | Path, captioner, window_s: float = 2.0, stride_s: float = 2.0) -> list[dict]:
    """Caption the middle frame of each window; consecutive identical captions merge into one stretch.

    Returns ActivityNet-style entries ``{"sentence", "timestamp": [start, end]}`` in time order."""
    from .video import open_video, sliding_windows

    with open_video(path) as video:
        windows = sliding_windows(len(video), video.info.fps, window_s, stride_s, frames_per_window=1)
        frames = video.frames([int(w.indices[0]) for w in windows])
    entries: list[dict] = []
    for window, sentence in zip(windows, captioner.caption(frames)):
        if entries and entries[-1]["sentence"] == sentence:
            entries[-1]["timestamp"][1] = round(window.end, 3)
        else:
            entries.append({"sentence": sentence, "timestamp": [round(window.start, 3), round(window.end, 3)]})
    return entries


def evaluate_protocol(protocol, root, splits=None, model: str | None = None, prompts: str | None = None,
                      sampling: Sampling = Sampling(), runs=None, seed=None, episodes=None,
                      cache: FeatureCache | None = None, device: str = "cpu", on_video=None,
                      adapter: str | Path | None = None, adapt_method: str = "prototype") -> dict:
    """A video model under a protocol on a dataset root; features come from (and go to) the cache."""
    from .eval.video_eval import evaluate_videos
    from .models.clip import load_clip
    from .text.prompts import clip_templates

    if root is None:
        raise InputError(f"protocol {protocol.name} evaluates videos: give the dataset folder with --root")
    labels = load_labels(protocol.dataset)
    prompt_name, templates = clip_templates(prompts)
    fitted = adapter_classes = None
    if adapter is not None:
        meta, fitted, adapter_classes, encoder, sampling = _open_adapter(adapter, model, device)
        model = meta["base_model"]
    else:
        model = model or DEFAULT_MODEL
        encoder = load_clip(model, device=device)
    result = evaluate_videos(protocol, root, splits, encoder, labels, templates, sampling, cache, runs, seed,
                             episodes, on_video, adapter=fitted, adapter_labels=adapter_classes,
                             adapt_method=adapt_method)
    return {
        "protocol": {"name": protocol.name, "dataset": protocol.dataset, "kind": protocol.kind,
                     "description": protocol.description, "runs": runs or protocol.runs,
                     "seed": protocol.seed if seed is None else seed, **protocol.extra,
                     **({"episodes": episodes} if episodes else {})},
        "setup": {"method": f"adapter:{adapter}" if adapter else ("clip+" + adapt_method if protocol.kind == "few-shot" else "clip"),
                  "model": model, "untrained": encoder.untrained, "prompts": prompt_name,
                  "templates": templates, "views": sampling.as_dict(), "root": str(root),
                  "splits": str(splits) if splits else None, "actionzs": __version__},
        "result": result,
    }


def _open_adapter(adapter, model: str | None, device: str):
    """(metadata, adapter, label set, encoder, sampling), checking the adapter's base model."""
    from .adapter import adapter_labels, load_adapter
    from .models.clip import load_clip

    meta, fitted = load_adapter(adapter)
    if model is not None and model != meta["base_model"]:
        raise InputError(f"adapter {adapter} was made on '{meta['base_model']}', not '{model}'")
    encoder = load_clip(meta["base_model"], device=device)
    if encoder.key != meta["base_model_key"]:
        raise InputError(f"adapter {adapter}: the weights of '{meta['base_model']}' differ from those it was made on")
    return meta, fitted, adapter_labels(meta), encoder, Sampling(**meta["sampling"])


def _predict_with_adapter(videos, adapter, model, top_k, cache, device, on_video) -> PredictReport:
    from .methods.clip_zeroshot import pool_video

    meta, fitted, classes, encoder, sampling = _open_adapter(adapter, model, device)
    report = PredictReport(
        method=f"adapter:{meta['method']}", model=meta["base_model"], labels=classes.name, num_classes=len(classes),
        sampling=sampling.as_dict(), prompts=meta.get("prompts"), untrained=encoder.untrained,
    )
    if encoder.untrained:
        report.warnings.append(UNTRAINED_WARNING)
    for path, features, error in iter_features(videos, encoder, sampling, cache):
        if error:
            report.errors.append({"video": path, "error": error})
        else:
            logits = fitted.scores(pool_video(features[None]).numpy())[0]
            report.predictions.append(VideoPrediction(path, rank(logits, classes, top_k)))
        if on_video:
            on_video(path)
    return report


def adapt(support, out, *, method: str = "prototype", labels=None, model: str = DEFAULT_MODEL,
          prompts: str | None = None, sampling: Sampling = Sampling(), shots: int | None = None, seed: int = 0,
          cache: FeatureCache | None = None, device: str = "cpu", on_video=None) -> dict:
    """Learn an adapter from labelled clips and write it to ``out``; returns its metadata and skipped clips."""
    from .adapter import read_support, sample_shots, save_adapter
    from .methods.clip_zeroshot import ClipZeroShot, pool_video
    from .methods.fewshot import ADAPTERS
    from .models.clip import load_clip
    from .text.prompts import clip_templates

    if method not in ADAPTERS:
        raise InputError(f"unknown adapter method '{method}' (available: {', '.join(ADAPTERS)})")
    support, classes = read_support(support, resolve_labels(labels) if labels else None)
    if shots:
        support = sample_shots(support, shots, seed)
    prompt_name, templates = clip_templates(prompts)
    encoder = load_clip(model, device=device)
    kept, targets, skipped = [], [], []
    label_of = dict(zip(support.paths, support.labels))
    for path, features, error in iter_features(support.paths, encoder, sampling, cache):
        if error:
            skipped.append(error)
        else:
            kept.append(features)
            targets.append(classes.ids.index(label_of[path]))
        if on_video:
            on_video(path)
    empty = sorted(set(support.labels) - {classes.ids[t] for t in targets})
    if empty:
        raise InputError(f"class '{empty[0]}' has no readable support clip ({len(skipped)} clip(s) unreadable)")
    embeddings = pool_video(np.stack(kept)).numpy()
    text = ClipZeroShot(encoder, classes, templates).text_embeddings.numpy()
    fitted = (ADAPTERS[method].fit(embeddings, np.array(targets), text, encoder.logit_scale, seed=seed)
              if method == "linear" else ADAPTERS[method].fit(embeddings, np.array(targets), text, encoder.logit_scale))
    train_acc = float((fitted.scores(embeddings).argmax(1) == np.array(targets)).mean())
    meta = {
        "method": method, "base_model": model, "base_model_key": encoder.key, "untrained_base": encoder.untrained,
        "labels_name": classes.name, "classes": [{"id": i, "text": t} for i, t in zip(classes.ids, classes.texts)],
        "sampling": sampling.as_dict(), "prompts": prompt_name,
        "training": {"shots": shots, "seed": seed, "support_clips": len(kept), "skipped_clips": len(skipped),
                     "support_accuracy": train_acc,
                     **({"alpha": fitted.alpha, "beta": fitted.beta} if method == "prototype" else {})},
    }
    save_adapter(out, meta, fitted.state())
    return {"adapter": str(out), "meta": meta, "skipped": skipped}
