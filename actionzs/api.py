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
from .models.clip import load_clip
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
    if method == "xclip":
        return _predict_xclip(videos, classes, model, prompts, sampling, top_k, cache, device, on_video)
    if method != "clip":
        raise InputError(f"unknown method '{method}' (available: clip, xclip, caption)")

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
    score = adapter_classes = None
    encode, pool = None, None
    if adapter is not None:
        meta, fitted, adapter_classes, encoder, sampling = _open_adapter(adapter, model, device)
        model = meta["base_model"]
        score, encode = adapter_scorer(meta, fitted, adapter_classes)
        if meta["method"] == "xclip":
            pool = _pool_xclip
    else:
        model = model or DEFAULT_MODEL
        encoder = load_clip(model, device=device)
    result = evaluate_videos(protocol, root, splits, encoder, labels, templates, sampling, cache, runs, seed,
                             episodes, on_video, adapter=score, adapter_labels=adapter_classes,
                             adapt_method=adapt_method, **({"encode": encode} if encode else {}), pool=pool)
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


DEFAULT_XCLIP = "microsoft/xclip-base-patch32"


def _score_videos(videos, encoder, scorer, classes, sampling, top_k, cache, on_video, report, encode):
    if encoder.untrained:
        report.warnings.append(UNTRAINED_WARNING)
    for path, features, error in iter_features(videos, encoder, sampling, cache, encode=encode):
        if error:
            report.errors.append({"video": path, "error": error})
        else:
            report.predictions.append(VideoPrediction(path, rank(scorer(features[None])[0], classes, top_k)))
        if on_video:
            on_video(path)
    return report


def _predict_xclip(videos, classes, model, prompts, sampling, top_k, cache, device, on_video) -> PredictReport:
    from .methods.xclip import XClipZeroShot, encode_xclip_video
    from .models.xclip import load_xclip
    from .text.prompts import clip_templates

    model = DEFAULT_XCLIP if model in (None, DEFAULT_MODEL) else model
    prompt_name, templates = clip_templates(prompts or "classname")
    encoder = load_xclip(model, device=device)
    report = PredictReport(method="xclip", model=model, labels=classes.name, num_classes=len(classes),
                           sampling=sampling.as_dict(), prompts=prompt_name, untrained=encoder.untrained)
    scorer = XClipZeroShot(encoder, classes, templates)
    return _score_videos(videos, encoder, scorer.scores, classes, sampling, top_k, cache, on_video, report,
                         encode_xclip_video)


def _open_adapter(adapter, model: str | None, device: str):
    """(metadata, adapter, label set, encoder, sampling), checking the adapter's base model."""
    from .adapter import adapter_labels, load_adapter
    from .models.clip import load_clip

    meta, fitted = load_adapter(adapter)
    if model is not None and model != meta["base_model"]:
        raise InputError(f"adapter {adapter} was made on '{meta['base_model']}', not '{model}'")
    if meta["method"] == "xclip":  # the tuned model is the adapter itself
        return meta, fitted, adapter_labels(meta), fitted, Sampling(**meta["sampling"])
    encoder = load_clip(meta["base_model"], device=device)
    if encoder.key != meta["base_model_key"]:
        raise InputError(f"adapter {adapter}: the weights of '{meta['base_model']}' differ from those it was made on")
    return meta, fitted, adapter_labels(meta), encoder, Sampling(**meta["sampling"])


def _pool_xclip(features: np.ndarray) -> np.ndarray:
    """[N, V, 1 + P, D] X-CLIP features -> [N, D] unit video embeddings (row 0, averaged over views)."""
    video = features[:, :, 0].mean(axis=1)
    return video / np.linalg.norm(video, axis=1, keepdims=True)


def adapter_scorer(meta, fitted, classes):
    """(score function over a batch of cached features, encode function) for any adapter."""
    from .features import encode_video
    from .methods.clip_zeroshot import pool_video

    if meta["method"] == "xclip":
        from .methods.xclip import XClipZeroShot, encode_xclip_video
        from .text.prompts import clip_templates

        return XClipZeroShot(fitted, classes, clip_templates(meta.get("prompts"))[1]).scores, encode_xclip_video
    return (lambda features: fitted.scores(pool_video(features).numpy())), encode_video


def _predict_with_adapter(videos, adapter, model, top_k, cache, device, on_video) -> PredictReport:
    meta, fitted, classes, encoder, sampling = _open_adapter(adapter, model, device)
    report = PredictReport(
        method=f"adapter:{meta['method']}", model=meta["base_model"], labels=classes.name, num_classes=len(classes),
        sampling=sampling.as_dict(), prompts=meta.get("prompts"), untrained=encoder.untrained,
    )
    score, encode = adapter_scorer(meta, fitted, classes)
    return _score_videos(videos, encoder, score, classes, sampling, top_k, cache, on_video, report, encode)


def adapt(support, out, *, method: str = "prototype", labels=None, model: str | None = None,
          prompts: str | None = None, sampling: Sampling = Sampling(), shots: int | None = None, seed: int = 0,
          cache: FeatureCache | None = None, device: str = "cpu", on_video=None, train: dict | None = None,
          checkpoint: str | Path | None = None) -> dict:
    """Learn an adapter from labelled clips and write it to ``out``; returns its metadata and skipped clips."""
    from .adapter import read_support, sample_shots, save_adapter
    from .methods.clip_zeroshot import ClipZeroShot, pool_video
    from .methods.fewshot import ADAPTERS
    from .text.prompts import clip_templates

    if method not in (*ADAPTERS, "xclip"):
        raise InputError(f"unknown adapter method '{method}' (available: {', '.join(ADAPTERS)}, xclip)")
    support, classes = read_support(support, resolve_labels(labels) if labels else None)
    if shots:
        support = sample_shots(support, shots, seed)
    if method == "xclip":
        return _adapt_xclip(support, classes, out, model, prompts, sampling, seed, device, on_video, train or {},
                            checkpoint)
    prompt_name, templates = clip_templates(prompts)
    model = model or DEFAULT_MODEL
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
    fitted = ADAPTERS[method].fit(embeddings, np.array(targets), text, encoder.logit_scale, seed=seed)
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


def _adapt_xclip(support, classes, out, model, prompts, sampling, seed, device, on_step, train, checkpoint) -> dict:
    """Fine-tune X-CLIP on the support clips. The base is a published X-CLIP checkpoint, or a Hugging Face
    CLIP (by name, folder, or random:hf-clip-tiny) turned into X-CLIP with CLIP's weights."""
    from .adapter import save_adapter
    from .errors import VideoError
    from .methods.xclip import TrainConfig, train_xclip
    from .models import xclip as xc
    from .text.prompts import clip_templates
    from .video import open_video

    prompt_name, templates = clip_templates(prompts or "classname")
    base = DEFAULT_XCLIP if model in (None, DEFAULT_MODEL) else model
    if base.startswith("random:xclip") or "xclip" in base.lower():
        encoder = xc.load_xclip(base, device=device)
        copied = None
    else:
        clip = load_clip(base)
        if clip.backend != "hf":
            raise InputError(f"X-CLIP starts from a Hugging Face CLIP or X-CLIP model, not the open_clip '{base}'")
        xmodel, copied = xc.xclip_from_clip(clip.model, num_frames=sampling.frames, seed=seed)
        encoder = xc.wrap(base, xmodel, clip.tokenizer, clip.untrained, clip.pixel, device=device)
    if sampling.frames != encoder.num_frames:
        raise InputError(f"{base} integrates {encoder.num_frames} frames: use --frames {encoder.num_frames}")
    paths, targets, skipped = [], [], []
    for path, label in zip(support.paths, support.labels):
        try:
            open_video(path).close()
            paths.append(path)
            targets.append(classes.ids.index(label))
        except VideoError as exc:
            skipped.append(str(exc))
    empty = sorted(set(support.labels) - {classes.ids[t] for t in targets})
    if empty:
        raise InputError(f"class '{empty[0]}' has no readable support clip ({len(skipped)} clip(s) unreadable)")
    config = TrainConfig(seed=seed, **train)
    history = train_xclip(encoder, paths, targets, classes, templates, sampling, config, checkpoint,
                          on_step=(lambda epoch, loss: on_step(epoch, loss)) if on_step else None)
    state = {k: v.detach().cpu().float().numpy() for k, v in encoder.model.state_dict().items()}

    def extra(folder):
        (folder / "xclip_config.json").write_text(encoder.model.config.to_json_string())
        encoder.tokenizer.save_pretrained(str(folder / "tokenizer"))

    meta = {
        "method": "xclip", "base_model": base, "base_model_key": encoder.key, "untrained_base": encoder.untrained,
        "labels_name": classes.name, "classes": [{"id": i, "text": t} for i, t in zip(classes.ids, classes.texts)],
        "sampling": sampling.as_dict(), "prompts": prompt_name,
        "pixel": {"size": encoder.pixel.size, "mean": list(encoder.pixel.mean), "std": list(encoder.pixel.std)},
        "training": {**config.as_dict(), "support_clips": len(paths), "skipped_clips": len(skipped),
                     "loss_per_epoch": history, "initialised_from_clip_tensors": len(copied) if copied else None},
    }
    save_adapter(out, meta, state, write_extra=extra)
    return {"adapter": str(out), "meta": meta, "skipped": skipped}


def evaluate_anticipation_protocol(protocol, root, history: str = "both", limit: int | None = None,
                                   llm: str | None = "smollm2-135m-instruct", subset: bool = True,
                                   settings=None, embedder: str = "all-MiniLM-L6-v2", on_window=None) -> dict:
    """Ego4D LTA text: baselines and (unless ``llm`` is None) the LLM method, per history."""
    from .anticipation.data import Vocabulary
    from .anticipation.evaluate import evaluate_anticipation
    from .anticipation.llm_method import LLMAnticipator, LLMSettings
    from .models.embedder import load_embedder
    from .models.llm import load_llm

    if root is None:
        raise InputError(f"protocol {protocol.name} reads its windows from --root")
    settings = settings or LLMSettings()
    anticipator = sentence_model = None
    if llm:
        model, tokenizer = load_llm(llm)
        anticipator = LLMAnticipator(model, tokenizer, Vocabulary.from_file(Path(root).expanduser() / "dicts.json"), settings)
        sentence_model = load_embedder(embedder)
    histories = ("gt", "recog") if history == "both" else (history,)
    runs = [evaluate_anticipation(root, h, subset, limit, protocol.extra.get("folds", 5), anticipator, sentence_model,
                                  settings, on_window) for h in histories]
    return {"protocol": {"name": protocol.name, "kind": protocol.kind, "description": protocol.description,
                         "folds": protocol.extra.get("folds", 5), "subset600": subset, "limit": limit},
            "setup": {"llm": llm, "embedder": embedder if llm else None, "settings": settings.as_dict(),
                      "actionzs": __version__},
            "result": {"histories": runs}}


def anticipate(video=None, *, vocab, observed: str | None = None, pool=None, llm: str = "smollm2-135m-instruct",
               model: str = DEFAULT_MODEL, segments: int = 8, recognise: str = "clip", captioner: str | None = None,
               describe: bool = False, settings=None, embedder: str = "all-MiniLM-L6-v2", device: str = "cpu") -> dict:
    """Recognise the observed actions (or take them as text), pick in-context examples, prompt the LLM.

    ``recognise``: "clip" (CLIP over the vocabulary) or "caption" (caption each segment, nearest vocabulary
    words); ``describe`` also shows the segment captions to the LLM."""
    from .anticipation.baselines import ActionBigram
    from .anticipation.candidates import candidate_futures
    from .anticipation.data import Vocabulary, format_actions, read_windows
    from .anticipation.icl import ExamplePool
    from .anticipation.llm_method import LLMAnticipator, LLMSettings
    from .anticipation.recognise import caption_segments, recognise_with_captions, recognise_with_clip, split_video
    from .models.embedder import load_embedder
    from .models.llm import load_llm

    if recognise not in ("clip", "caption"):
        raise InputError(f"recognise must be 'clip' or 'caption', got {recognise!r}")
    settings = settings or LLMSettings()
    vocabulary = Vocabulary.from_file(vocab)
    parts, untrained = [], False
    if observed:
        actions = vocabulary.parse(observed)
        if not actions:
            raise InputError(f"no action of the vocabulary in --observed {observed!r}")
    elif video:
        from .models.captioner import load_captioner

        parts = split_video(video, segments)
        if recognise == "caption" or describe:
            captions_model = load_captioner(captioner or DEFAULT_CAPTIONER, device=device)
            caption_segments(parts, captions_model)
            untrained |= captions_model.untrained
        if recognise == "clip":
            encoder = load_clip(model, device=device)
            recognise_with_clip(parts, vocabulary, encoder)
            untrained |= encoder.untrained
        else:
            recognise_with_captions(parts, vocabulary, load_embedder(embedder))
        actions = [p.action for p in parts]
    else:
        raise InputError("give a VIDEO or --observed 'verb noun, verb noun, ...'")
    examples, candidates = [], None
    if pool:
        windows = read_windows(pool, vocabulary)
        sentence_model = load_embedder(embedder)
        index = ExamplePool(windows, sentence_model.encode([format_actions(w.observed) for w in windows]))
        query = sentence_model.encode([format_actions(actions)])[0]
        examples = index.select(query, settings.examples, settings.fetch, settings.lam)
        if settings.decoding == "rank":
            candidates = candidate_futures(actions, index.nearest(query, settings.candidates), ActionBigram(windows),
                                           settings.z, settings.k)
    language_model, tokenizer = load_llm(llm)
    captions = [p.caption for p in parts] if describe and parts else None
    sequences = LLMAnticipator(language_model, tokenizer, vocabulary, settings).predict(
        actions, examples, candidates, captions=captions)
    return {"video": str(video) if video else None, "observed": [list(a) for a in actions],
            "segments": [p.as_dict() for p in parts], "recognised_by": recognise if parts else None,
            "examples": len(examples), "llm": llm, "decoding": "rank" if candidates else "generate",
            "untrained_recognition": untrained, "future": [[list(a) for a in seq] for seq in sequences]}
