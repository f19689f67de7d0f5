"""Options of evaluation and anticipation: the eval request, the LLM's settings, the anticipation benchmark, and
how anticipate recognises observed actions."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .. import defaults
from ..errors import InputError
from .media import check_span

if TYPE_CHECKING:  # the type only: protocols are read by eval.protocols, which sits above the options
    from ..eval.protocols import Protocol

CALIBRATIONS = ("token", "history", "none")  # how the LLM's candidate scores are calibrated
DECODINGS = ("rank", "generate")
HISTORIES = ("gt", "recog", "both")
RECOGNISERS = ("clip", "caption")


@dataclass(frozen=True)
class EvalRequest:
    """What ``eval`` runs: a protocol on a dataset, scored by a method (or an adapter), for how many runs."""

    protocol: Protocol
    root: Path | None = None
    splits: Path | None = None
    runs: int | None = None
    seed: int | None = None
    episodes: int | None = None
    method: str | None = None  # default: caption when captions files are given, else clip
    model: str | None = None
    prompts: str | None = None
    adapter: Path | None = None
    adapt_method: str = defaults.ADAPTER  # few-shot protocols fit this on their support list
    video_labels: Path | None = None  # caption evaluation: a 'video<TAB>label' file naming each caption id's class

    def method_for(self, captions_given: bool) -> str:
        """The method that scores: the one asked for; else caption when captions files are given, else clip."""
        return self.method or ("caption" if captions_given else defaults.METHOD)


@dataclass
class LLMSettings:
    """How the LLM anticipates. The rank defaults were chosen on windows of clips outside the 600 evaluated
    (README, "Anticipation"): in-context examples did not help the 135M model rank and doubled the time."""

    examples: int | None = None  # in-context examples; None: 0 to rank, 8 to generate (it needs the format shown)
    fetch: int = 40
    lam: float = 0.7
    k: int = 5
    z: int = 20
    temperature: float = 0.6
    seed: int = 0
    decoding: str = "rank"  # "rank" candidate continuations or "generate" under the vocabulary constraint
    candidates: int = 10  # nearest pool futures among the candidates (beside the history's and the n-gram's)
    scored_actions: int = 8  # the first actions of each candidate that the LLM scores (the cost grows with it)
    calibration: str = "token"  # token: mean log-prob per token; history: minus the no-history log-prob; none
    sharpness: float = 1.0  # candidate weights are proportional to exp(sharpness * calibrated score)

    def __post_init__(self):
        if self.examples is None:
            self.examples = 0 if self.decoding == "rank" else 8
        if self.decoding not in DECODINGS:
            raise InputError(f"decoding must be 'rank' or 'generate', got {self.decoding!r}")
        if self.calibration not in CALIBRATIONS:
            raise InputError(f"calibration must be one of {', '.join(CALIBRATIONS)}, got {self.calibration!r}")

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class AnticipationOptions:
    """The anticipation benchmark: which histories, how many windows, which language model and how it decodes."""

    history: str = "both"  # gt, recog or both
    limit: int | None = None
    subset: bool = True  # AntGPT's 600-window subset
    llm: str | None = defaults.LLM  # None: the baselines only
    settings: LLMSettings = field(default_factory=LLMSettings)
    embedder: str = defaults.EMBEDDER


@dataclass(frozen=True)
class Recognition:
    """How ``anticipate`` names the observed actions of a video: segments, and CLIP or captions per segment."""

    method: str = "clip"  # clip or caption
    model: str | None = None  # CLIP model (default: defaults.CLIP_MODEL)
    segments: int = defaults.SEGMENTS
    captioner: str | None = None  # default: defaults.CAPTIONER
    describe: bool = False  # also show the segment captions to the LLM
    start: float | None = None  # seconds: the observed part of the video (--start/--end); default: all of it
    end: float | None = None

    def __post_init__(self):
        check_span(self.start, self.end)
