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
) -> PredictReport:
    """Rank ``labels`` for each video. Bad videos are reported in ``errors`` and skipped, never fatal."""
    if not videos:
        raise InputError("no videos given")
    if top_k < 1:
        raise InputError(f"--top-k must be at least 1, got {top_k}")
    classes = resolve_labels(labels)
    if method != "clip":
        from .errors import NotBuiltError

        raise NotBuiltError(f"method '{method}' is not available in this version (available: clip)")

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
