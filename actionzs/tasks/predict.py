"""``predict``: rank labels for each video with a zero-shot method or an adapter."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from .. import __version__
from ..defaults import DEVICE, LABELS, TOP_K
from ..errors import InputError
from ..features import Sampling
from ..models.tiny import UNTRAINED_WARNING
from ..text.labels import LabelSet, load_labels


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


def predict(
    videos: Sequence[str | Path],
    *,
    labels: str | LabelSet = LABELS,
    method: str = "clip",
    model: str | None = None,
    prompts: str | None = None,
    adapter: str | Path | None = None,
    sampling: Sampling = Sampling(),
    captions=None,
    top_k: int = TOP_K,
    cache=None,
    device: str = DEVICE,
    on_video: Callable[[str], None] | None = None,
) -> PredictReport:
    """Rank ``labels`` for each video. Bad videos are reported in ``errors`` and skipped, never fatal.

    ``method``: a name of ``methods.METHODS``; ``model``: its model (default: the method's own); ``adapter``: a
    directory made by ``adapt``, which brings its own classes, base model, prompts and sampling; ``captions``:
    CaptionOptions for the caption method; ``cache``: a FeatureCache."""
    from ..adapters.base import load_adapter
    from ..methods import METHODS

    if not videos:
        raise InputError("no videos given")
    if top_k < 1:
        raise InputError(f"--top-k must be at least 1, got {top_k}")
    if adapter is not None:
        fitted = load_adapter(adapter)
        video_method = fitted.video_method(device, model)
        classes, sampling, prompt_name = fitted.info.classes, fitted.info.sampling, fitted.info.prompts
        score, name, model = fitted.scorer(video_method), f"adapter:{fitted.info.method}", fitted.info.base_model
    else:
        classes = labels if isinstance(labels, LabelSet) else load_labels(labels)
        kind = METHODS.load(method)
        prompt_name, templates = kind.templates(prompts)
        video_method = kind.load(model, device, captions)
        score, name, model = video_method.classifier(classes, templates, cache).scores, method, video_method.model_name
    report = PredictReport(method=name, model=model, labels=classes.name, num_classes=len(classes),
                           sampling=video_method.setup(sampling), prompts=prompt_name,
                           untrained=video_method.untrained)
    if report.untrained:
        report.warnings.append(UNTRAINED_WARNING)
    for path, features, error in video_method.features(videos, sampling, cache, on_video):
        if error:
            report.errors.append({"video": path, "error": error})
        else:
            report.predictions.append(VideoPrediction(path, rank(score(features[None])[0], classes, top_k)))
    return report
