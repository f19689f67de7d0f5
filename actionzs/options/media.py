"""Options of ranking videos: frame sampling, the caption method's matching and descriptions, long-video
windows, and the predict request."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

from .. import defaults
from ..errors import InputError

MAX_FRAMES_PER_VIDEO = 1024  # frames x clips x crops: 1024 frames at 224 px are 0.6 GB of float pixels
CROPS = (1, 3)
COMBINE = ("concat", "mean", "all")  # how observers' captions become one video embedding
AGGREGATE = ("max", "mean", "centroid", "knn")  # how a class's sentence similarities become its score
SMOOTHING = ("mean", "median")  # over neighbouring windows of a long video


def parse_time(text: str | float | None, option: str = "--start") -> float | None:
    """Seconds from ``12.5``, ``1:05`` (m:ss) or ``1:02:05.5`` (h:mm:ss), as people and video players write time."""
    if text is None or isinstance(text, (int, float)):
        return None if text is None else float(text)
    parts = str(text).strip().split(":")
    try:
        values = [float(p) for p in parts]
    except ValueError:
        values = []
    if not values or len(values) > 3 or any(v < 0 for v in values) or any(v >= 60 for v in values[1:]):
        raise InputError(f"{option} {text!r}: give seconds (12.5), m:ss (1:05) or h:mm:ss (1:02:05)")
    seconds = 0.0
    for value in values:
        seconds = seconds * 60 + value
    return seconds


def check_span(start: float | None, end: float | None) -> None:
    if start is not None and start < 0:
        raise InputError(f"--start {start:g}: must be 0 or more")
    if end is not None and end <= (start or 0):
        raise InputError(f"--end {end:g}: must be after --start {start or 0:g}")


def check_choice(option: str, value, choices) -> None:
    """One line naming the option and its choices when ``value`` is not one of them."""
    if value not in choices:
        raise InputError(f"{option} {value!r}: choose from {', '.join(map(str, choices))}")


@dataclass(frozen=True)
class Sampling:
    """Which frames and views an encoder sees (recorded in reports and part of the cache key).

    ``stride=None`` samples TSN segments (one frame from each of ``frames`` equal segments); a stride samples
    dense clips of ``frames`` frames, ``stride`` apart. ``clips`` temporal views x ``crops`` (1 or 3) spatial views.
    """

    frames: int = defaults.FRAMES
    clips: int = 1
    crops: int = 1
    stride: int | None = None
    start: float | None = None  # seconds: only this part of each video is seen (--start/--end)
    end: float | None = None

    def __post_init__(self):
        check_span(self.start, self.end)
        if self.frames < 1 or self.clips < 1 or (self.stride is not None and self.stride < 1):
            raise InputError(f"invalid sampling {self}: frames, clips and stride must be positive")
        if self.crops not in CROPS:
            raise InputError(f"spatial crops must be 1 or 3, got {self.crops}")
        if self.frames * self.clips * self.crops > MAX_FRAMES_PER_VIDEO:
            raise InputError(f"--frames {self.frames} x --clips {self.clips} x --crops {self.crops} = "
                             f"{self.frames * self.clips * self.crops} frames per video; at most {MAX_FRAMES_PER_VIDEO}")

    @property
    def key(self) -> str:
        temporal = f"seg{self.frames}" if self.stride is None else f"dense{self.frames}s{self.stride}"
        span = "" if self.start is None and self.end is None else f"from{self.start or 0:g}to{self.end or 'end'}"
        return f"{temporal}x{self.clips}clips x{self.crops}crops{span}".replace(" ", "")

    def as_dict(self) -> dict:
        """What reports record (the part of the video only when one was asked for)."""
        return {k: v for k, v in asdict(self).items() if k not in ("start", "end") or v is not None}


@dataclass(frozen=True)
class MatchConfig:
    """How captions and class sentences meet; recorded in reports. ``combine``: ``concat`` joins the observers'
    captions into one text (the paper), ``mean`` averages each observer's text embedding, ``all`` every caption
    sentence's. ``first_only``: each observer's first caption only (the paper). ``center``: subtract the mean
    caption embedding of the (unlabelled) videos at hand, removing what observers say of every video.
    ``aggregate``: ``max`` is 1-nearest class sentence (the paper), ``mean`` a class's mean similarity,
    ``centroid`` the similarity to its mean sentence embedding, ``knn`` the summed k nearest per class."""

    combine: str = "mean"
    first_only: bool = False
    aggregate: str = "centroid"
    center: bool = True
    k: int = 5
    scale: float = 20.0  # softmax temperature over cosine similarities: probabilities are relative, not calibrated

    def __post_init__(self):
        if self.combine not in COMBINE:
            raise InputError(f"unknown caption combination '{self.combine}' (choose from {', '.join(COMBINE)})")
        if self.aggregate not in AGGREGATE:
            raise InputError(f"unknown aggregation '{self.aggregate}' (choose from {', '.join(AGGREGATE)})")

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class DescriptionConfig:
    """How class sentences are built; recorded in reports."""

    corpora: tuple[str, ...] = ()
    own: bool = True  # include corpora/descriptions/<dataset>.yaml
    select: bool = True  # apply min_words / max_sentences selection to imported corpora
    min_words: int = 15
    max_sentences: int = 10
    append_class_name: bool = False
    include_class_name: bool = False  # add the bare class text as one more sentence


@dataclass(frozen=True)
class CaptionOptions:
    """The caption method: observers' captions files (or a captioner run now), the embedder, class descriptions."""

    captions: tuple[str, ...] = ()
    captioner: str | None = None  # default: defaults.CAPTIONER, used only without captions files
    embedder: str = defaults.EMBEDDER
    descriptions: DescriptionConfig = field(default_factory=DescriptionConfig)
    match: MatchConfig = field(default_factory=MatchConfig)


def check_smoothing(size: int, how: str) -> None:
    """A centred run needs an odd number of windows; ``how`` is mean or median."""
    if how not in SMOOTHING:
        raise InputError(f"unknown smoothing '{how}' (choose from {', '.join(SMOOTHING)})")
    if size < 1 or size % 2 == 0:
        raise InputError(f"--smooth must be an odd number of windows (1, 3, 5, ...), got {size}")


@dataclass(frozen=True)
class Windowing:
    """``predict --window``: a long video cut into windows by time, each ranked, then merged into segments."""

    window: float
    hop: float | None = None  # default: half the window
    smooth: int = 1  # windows in the centred smoothing run (odd)
    smoothing: str = "mean"  # or "median"
    background: float = 0.0  # best smoothed probability under this: no action

    def __post_init__(self):  # checked when made, so a bad value fails before any video is read
        check_smoothing(self.smooth, self.smoothing)

    @property
    def step(self) -> float:
        return self.hop if self.hop is not None else self.window / 2


@dataclass(frozen=True)
class CaptionRequest:
    """``caption``: which image-to-text model describes the middle frame of which windows."""

    captioner: str = defaults.CAPTIONER
    window: float = defaults.CAPTION_WINDOW_S  # seconds per captioned window
    hop: float | None = None  # seconds between window starts; default: half the window, as predict --window
    start: float | None = None  # seconds: caption only this part of each video (--start/--end)
    end: float | None = None

    def __post_init__(self):
        check_span(self.start, self.end)
        if self.window <= 0 or (self.hop is not None and self.hop <= 0):
            raise InputError(f"--window and --hop must be positive, got {self.window} and {self.hop}")

    @property
    def step(self) -> float:
        return self.hop if self.hop is not None else self.window / 2


@dataclass(frozen=True)
class PredictRequest:
    """What ``predict`` ranks: which labels, by which method (or adapter), on how many frames and views."""

    labels: object = None  # a label-set name, a file, a comma list, or a LabelSet; None: as configured, else ucf101
    method: str = defaults.METHOD
    model: str | None = None  # default: the method's own
    prompts: str | None = None
    adapter: Path | str | None = None  # a folder made by ``adapt``: it brings its own labels, model and sampling
    sampling: Sampling = Sampling()
    captions: CaptionOptions | None = None  # the caption method's settings
    top_k: int = defaults.TOP_K
    windowing: Windowing | None = None  # long videos: rank windows and merge them into segments

    def __post_init__(self):
        if self.top_k < 1:
            raise InputError(f"--top-k must be at least 1, got {self.top_k}")
