"""What the web page does, without the page: labels from the page's three inputs, one ``predict`` through the
same API as the CLI, and what the page shows of its report. Loaded classifiers are kept between requests
(the model, and the label embeddings they computed), and the feature cache is the CLI's, so a second request
with the same settings embeds nothing it has seen."""

from __future__ import annotations

import re
import shutil
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ..errors import InputError
from ..options import PredictRequest, Sampling, Windowing
from ..runtime import Runtime

BUILTIN_SETS = ("ucf101", "hmdb51", "kinetics400", "kinetics600")
CUSTOM = "my labels (below)"
KEPT = 4  # loaded classifiers kept in memory (the oldest is dropped first)


def labels_from(choice: str | None, text: str | None, file: str | None):
    """The label set of a request: a file wins, then the text box (one label per line, or comma-separated),
    then the built-in set chosen. An empty list is an InputError."""
    from ..text.labels import load_labels

    if file:
        return load_labels(str(file))
    if text and text.strip():
        names = [n.strip() for n in re.split(r"[\n,]", text) if n.strip()]
        if not names:
            raise InputError("labels: the list is empty; give one label per line or comma-separated")
        return load_labels(",".join(dict.fromkeys(names)))
    if choice in (None, "", CUSTOM):
        raise InputError("labels: the list is empty; choose a built-in set or type your labels")
    return load_labels(choice)


@dataclass
class PageResult:
    """What the page shows of one request."""

    report: object  # PredictReport or TimelineReport
    json_file: Path  # equal to ``predict --json``
    rows: list[list]  # video, rank, label, score
    score_meaning: str
    untrained: bool
    pictures: list[Path] = field(default_factory=list)  # timelines of long videos
    segments: list[list] = field(default_factory=list)  # video, start, end, label, mean score
    errors: list[str] = field(default_factory=list)


class Session:
    """The app's state between requests: loaded classifiers and where outputs go."""

    def __init__(self, cache=None, keep_uploads: bool = False):
        from ..cache import FeatureCache

        self.cache = cache if cache is not None else FeatureCache()
        self.keep_uploads = keep_uploads
        self.outputs = Path(tempfile.mkdtemp(prefix="actionzs-app-"))
        self._classifiers: dict[tuple, object] = {}
        self._lock = threading.Lock()  # one request at a time holds the models

    def classifier(self, request: PredictRequest, runtime: Runtime):
        """The request's classifier, loaded once per (method, model, labels, adapter, sampling, runtime)."""
        from ..tasks.predict import classifier

        labels = request.labels
        key = (request.method, request.model, request.adapter, request.prompts, request.sampling, runtime,
               getattr(labels, "name", labels), tuple(getattr(labels, "ids", ())), tuple(getattr(labels, "texts", ())))
        if key not in self._classifiers:
            if len(self._classifiers) >= KEPT:
                self._classifiers.pop(next(iter(self._classifiers)))
            self._classifiers[key] = classifier(request, cache=self.cache, runtime=runtime)
        return self._classifiers[key]

    def predict(self, videos: list[str], request: PredictRequest, runtime: Runtime,
                progress: Callable[[float, str], None] | None = None) -> PageResult:
        """Rank ``request``'s labels for uploaded ``videos`` (deleted afterwards unless ``keep_uploads``)."""
        if not videos:
            raise InputError("no video: upload one or more, or pick an example")
        try:
            with self._lock:
                chosen = self.classifier(request, runtime.resolve())
                if request.windowing is not None:
                    def on_time(video, done, duration):
                        if progress:
                            progress(done / max(duration, 1e-9), f"{Path(video).name}: {done:.0f} of {duration:.0f} s")

                    report = chosen.timeline(videos, request.windowing, request.top_k, on_time)
                else:
                    finished = []

                    def on_video(video):
                        finished.append(video)
                        if progress:
                            progress(len(finished) / len(videos), f"{len(finished)} of {len(videos)} videos")

                    report = chosen(videos, request.top_k, on_video)
            return self._page(report, request.windowing is not None)
        finally:
            if not self.keep_uploads:
                for video in videos:
                    if Path(video).resolve().is_relative_to(Path(tempfile.gettempdir()).resolve()):
                        Path(video).unlink(missing_ok=True)  # an upload: gone with the request

    def _page(self, report, windows: bool) -> PageResult:
        from ..output import render_predictions
        from ..timeline.plot import write_timeline
        from ..timeline.render import render_timeline

        folder = Path(tempfile.mkdtemp(dir=self.outputs))
        json_file = folder / "predictions.json"
        json_file.write_text(render_timeline(report, "json") if windows else render_predictions(report, "json"))
        errors = [e["error"].replace(str(e["video"]), Path(e["video"]).name) for e in report.errors]
        if windows:
            pictures = [write_timeline(v, report, folder / f"{Path(v.video).stem}-timeline.png") for v in report.videos]
            segments = [[Path(v.video).name, round(s.start, 2), round(s.end, 2), s.text, round(s.mean_score, 4)]
                        for v in report.videos for s in v.segments]
            meaning = (("cosine similarity of captions to class descriptions" if report.score == "similarity"
                        else "probability over the labels") + ", per window; segments: runs of windows with the same "
                       "best label")
            return PageResult(report, json_file, [], meaning, report.untrained, [Path(p) for p in pictures],
                              segments, errors)
        rows = [[Path(p.video).name, i, r.text, round(r.score, 4)] for p in report.predictions for i, r in enumerate(p.top, 1)]
        meaning = ("cosine similarity of captions to class descriptions (higher is closer; not a probability)"
                   if report.score == "similarity" else f"probability over the {report.num_classes} labels")
        return PageResult(report, json_file, rows, meaning, report.untrained, errors=errors)

    def close(self) -> None:
        shutil.rmtree(self.outputs, ignore_errors=True)


def request_from(labels, method: str, model: str | None, adapter: str | None, frames: int, clips: int, crops: int,
                 window: float | None, top_k: int) -> PredictRequest:
    """The PredictRequest of the page's settings (an adapter brings its own labels, model and sampling)."""
    if adapter:
        return PredictRequest(adapter=adapter, top_k=top_k,
                              windowing=Windowing(window) if window else None)
    return PredictRequest(labels=labels, method=method, model=model or None, top_k=top_k,
                          sampling=Sampling(frames=frames, clips=1 if window else clips, crops=crops),
                          windowing=Windowing(window) if window else None)
