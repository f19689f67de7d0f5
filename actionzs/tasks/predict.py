"""``predict``: rank labels for each video with a zero-shot method or an adapter."""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from pydantic import BaseModel, Field

from ..defaults import LABELS, TOP_K
from ..errors import InputError
from ..options import PredictRequest, Sampling
from ..models.tiny import UNTRAINED_WARNING
from ..provenance import provenance
from ..ranking import Ranked, ReportHeader, softmax, top_k as top_k_of
from ..runtime import Runtime
from ..text.labels import LabelSet, load_labels
from ..video.memory import as_source


class VideoPrediction(BaseModel):
    video: str
    top: list[Ranked]


class PredictReport(ReportHeader):
    """Everything ``predict`` produced, ready for a table, JSON or CSV."""

    predictions: list[VideoPrediction] = Field(default_factory=list)


def _check_request(videos, top_k: int) -> None:
    if not videos:
        raise InputError("no videos given")
    if top_k < 1:
        raise InputError(f"--top-k must be at least 1, got {top_k}")


class VideoClassifier:
    """A method's model loaded once and its classes' text encoded once, to classify any number of videos:
    ``clf(videos)`` gives a ``PredictReport``; ``clf.features(videos)`` and ``clf.scores(features)`` the parts."""

    def __init__(self, method, classes: LabelSet, score: Callable[[np.ndarray], np.ndarray], *, name: str, model: str,
                 prompts: str | None, sampling: Sampling, cache=None, score_kind: str = "probability",
                 similarity: Callable[[np.ndarray], np.ndarray] | None = None, input_files: Sequence[str | Path] = ()):
        self.method, self.classes, self._score = method, classes, score
        self._similarity = similarity  # what ``__call__`` shows when score_kind is "similarity"
        self.name, self.model, self.prompts, self.sampling, self.cache = name, model, prompts, sampling, cache
        self.score_kind = score_kind  # "probability" or "similarity": what ``__call__`` reports
        self.input_files = list(input_files)  # files besides the videos that decide the result (adapter, captions)

    def features(self, videos: Sequence, on_video: Callable[[str], None] | None = None):
        """``(path, features, None)`` or ``(path, None, error line)`` per video (a path, or ``Frames`` in memory),
        in order (cached, pipelined)."""
        return self.method.features([as_source(v) for v in videos], self.sampling, self.cache, on_video)

    def scores(self, features: np.ndarray) -> np.ndarray:
        """Features ``[N, ...]`` -> logits ``[N, C]`` (a softmax over classes gives probabilities)."""
        return self._score(np.asarray(features))

    def shown_scores(self, features: np.ndarray) -> np.ndarray:
        """What reports show, videos and windows alike: probabilities (a softmax of the logits), or, for a method
        without a learned temperature (``score_kind`` "similarity"), its similarities."""
        if self.score_kind == "similarity":
            return np.asarray(self._similarity(np.asarray(features)), dtype=np.float64)
        return softmax(np.asarray(self.scores(features), dtype=np.float64))

    def __call__(self, videos: Sequence[str | Path], top_k: int = TOP_K,
                 on_video: Callable[[str], None] | None = None) -> PredictReport:
        _check_request(videos, top_k)
        method = self.method
        report = PredictReport(method=self.name, model=self.model, labels=self.classes.name,
                               num_classes=len(self.classes), sampling=method.setup(self.sampling),
                               prompts=self.prompts, untrained=method.untrained, score=self.score_kind,
                               runtime=method.runtime.as_dict())
        if report.untrained:
            report.warnings.append(UNTRAINED_WARNING)
        for path, features, error in self.features(videos, on_video):
            if error:
                report.errors.append({"video": path, "error": error})
            else:
                values = self.shown_scores(np.asarray(features)[None])[0]
                report.predictions.append(VideoPrediction(
                    video=path, top=top_k_of(values, self.classes.ids, self.classes.texts, top_k)))
        report.provenance = provenance([*self.input_files, *(p.video for p in report.predictions)])
        return report


    def timeline(self, videos: Sequence[str | Path], windowing, top_k: int = TOP_K, on_time=None):
        """Each video cut into time windows (``options.Windowing``), each window ranked, windows merged into
        segments: a ``timeline.report.TimelineReport``. ``on_time(video, seconds done, duration)`` for progress."""
        from ..timeline.run import timeline

        _check_request(videos, top_k)
        return timeline(self, [as_source(v) for v in videos], windowing, top_k, on_time)


class ZeroShotClassifier(VideoClassifier):
    """``ZeroShotClassifier("ViT-B-16:openai", "ucf101")``: rank ``labels`` with a zero-shot ``method``.

    ``method``: a name of ``methods.METHODS``; ``model``: its model (default: the method's own); ``captions``:
    CaptionOptions for the caption method; ``cache``: a FeatureCache (features and label embeddings). ``labels`` and
    ``model`` left None are the user's settings (config file, environment), else the built-in defaults."""

    def __init__(self, model: str | None = None, labels: str | LabelSet | None = None, *, method: str = "clip",
                 prompts: str | None = None, sampling: Sampling = Sampling(), captions=None, cache=None,
                 runtime: Runtime = Runtime()):
        from ..methods import METHODS

        from ..user_config import configured

        classes = labels if isinstance(labels, LabelSet) else load_labels(labels if labels is not None else (configured("labels") or LABELS))
        kind = METHODS.load(method)
        prompt_name, templates = kind.templates(prompts)
        video_method = kind.load(model, runtime, captions)
        classifier = video_method.classifier(classes, templates, cache)
        super().__init__(video_method, classes, classifier.scores, name=method, model=video_method.model_name,
                         prompts=prompt_name, sampling=sampling, cache=cache, score_kind=kind.score_kind,
                         similarity=getattr(classifier, "similarities", None),
                         input_files=captions.captions if captions is not None and kind.name == "caption" else ())


class AdaptedClassifier(VideoClassifier):
    """Rank the classes of an adapter made by ``adapt``: it brings its own classes, base model, prompts and
    sampling; ``model``, when given, must be the base model it was made on."""

    def __init__(self, adapter: str | Path, *, model: str | None = None, cache=None, runtime: Runtime = Runtime()):
        from ..adapters.base import load_adapter

        fitted = load_adapter(adapter)
        video_method = fitted.video_method(runtime, model)
        info = fitted.info
        super().__init__(video_method, info.classes, fitted.scorer(video_method), name=info.name,
                         model=info.base_model, prompts=info.prompts, sampling=info.sampling, cache=cache,
                         input_files=[adapter])


def classifier(request: PredictRequest = PredictRequest(), *, cache=None, runtime: Runtime = Runtime()) -> VideoClassifier:
    """The classifier ``predict`` runs: the request's adapter (a directory made by ``adapt``) or a zero-shot one."""
    if request.adapter is not None:
        adapted = AdaptedClassifier(request.adapter, model=request.model, cache=cache, runtime=runtime)
        span = {"start": request.sampling.start, "end": request.sampling.end}
        if span != {"start": None, "end": None}:  # --start/--end: the part of each video, with the adapter's views
            import dataclasses

            adapted.sampling = dataclasses.replace(adapted.sampling, **span)
        return adapted
    return ZeroShotClassifier(request.model, request.labels, method=request.method, prompts=request.prompts,
                              sampling=request.sampling, captions=request.captions, cache=cache, runtime=runtime)


def predict(videos: Sequence[str | Path], request: PredictRequest = PredictRequest(), *, cache=None,
            runtime: Runtime = Runtime(), on_video: Callable[[str], None] | None = None, on_time=None):
    """Rank ``request.labels`` for each video, once (to classify batch after batch, keep a ``ZeroShotClassifier``).
    Bad videos are reported in ``errors`` and skipped, never fatal.

    A ``PredictReport``; with ``request.windowing`` each video is ranked window by window and the result is a
    ``timeline.report.TimelineReport`` with segments (``on_time`` reports progress in video time)."""
    _check_request(videos, request.top_k)  # before any model loads
    chosen = classifier(request, cache=cache, runtime=runtime)
    if request.windowing is not None:
        return chosen.timeline(videos, request.windowing, request.top_k, on_time)
    return chosen(videos, request.top_k, on_video)
