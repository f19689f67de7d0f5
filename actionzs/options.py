"""Typed option bundles: what a task is asked to do, built once (by the CLI's shared decorators or by a caller)
and passed whole, instead of dicts and long parameter lists.

``Sampling`` (features.py), ``LLMSettings`` (anticipation), ``MatchConfig`` and ``DescriptionConfig`` (caption
matching) live beside the code they steer.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

from . import defaults
from .errors import InputError
from .anticipation.settings import LLMSettings
from .eval.protocols import Protocol
from .features import Sampling
from .methods.caption_match import MatchConfig
from .text.corpora import DescriptionConfig


@dataclass(frozen=True)
class CaptionOptions:
    """The caption method: observers' captions files (or a captioner run now), the embedder, class descriptions."""

    captions: tuple[str, ...] = ()
    captioner: str | None = None  # default: defaults.CAPTIONER, used only without captions files
    embedder: str = defaults.EMBEDDER
    descriptions: DescriptionConfig = field(default_factory=DescriptionConfig)
    match: MatchConfig = field(default_factory=MatchConfig)


@dataclass(frozen=True)
class Windowing:
    """``predict --window``: a long video cut into windows by time, each ranked, then merged into segments."""

    window: float
    hop: float | None = None  # default: half the window
    smooth: int = 1  # windows in the centred smoothing run (odd)
    smoothing: str = "mean"  # or "median"
    background: float = 0.0  # best smoothed probability under this: no action

    def __post_init__(self):  # checked when made, so a bad value fails before any video is read
        from .timeline.segments import check_smoothing

        check_smoothing(self.smooth, self.smoothing)

    @property
    def step(self) -> float:
        return self.hop if self.hop is not None else self.window / 2


@dataclass(frozen=True)
class TrainConfig:
    """Fine-tuning settings, recorded in the adapter."""

    epochs: int = 10
    batch_size: int = 4
    accumulate: int = 1
    lr: float = 2e-6
    weight_decay: float = 0.001
    warmup_ratio: float = 0.1
    max_grad_norm: float = 1.0
    seed: int = 0
    amp: bool = True  # bfloat16 autocast, on CUDA only

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class CurriculumOptions:
    """``adapt --method curriculum``: the domains, the stages to run, and their settings (see adapters.curriculum)."""

    source: Path | None = None  # labelled source clips: class folders or a 'path label' list
    target: Path | None = None  # unlabelled target clips: a folder or a list
    stage: str = "all"  # pretrain, curriculum, fit or all
    work_dir: Path | None = None  # stage outputs and checkpoints [default: <out>-stages]
    backbone: str = "videomae-small"  # fresh ViT-S, a hub name, or a folder (a stage's output)
    resume: bool = False
    max_steps: int = 1000  # optimiser steps per training stage
    batch_size: int = 8  # clips per micro-batch, over all processes
    accumulate: int = 1
    frames: int | None = None  # default: the backbone's (16 for videomae-small)
    size: int | None = None  # default: the backbone's (112 for videomae-small)
    lr: float | None = None  # default: 1.5e-4 pre-training, 5e-5 curriculum
    mask_ratio: float = 0.9
    schedule: str = "arctan"
    temperature: float = 0.1
    ema: float = 0.999
    regularisation: float = 1.0  # inverse strength of the logistic-regression head's L2 penalty (scikit-learn C)
    save_every: int = 50

    def __post_init__(self):
        from .training.objectives import WEIGHT_SCHEDULES

        if self.stage not in ("pretrain", "curriculum", "fit", "all"):
            raise InputError(f"--stage {self.stage}: must be pretrain, curriculum, fit or all")
        if self.schedule not in WEIGHT_SCHEDULES:
            raise InputError(f"--schedule {self.schedule}: must be one of {', '.join(WEIGHT_SCHEDULES)}")
        if not 0 < self.mask_ratio < 1 or not 0 <= self.ema < 1 or self.temperature <= 0:
            raise InputError("curriculum settings: mask ratio in (0, 1), EMA decay in [0, 1), temperature > 0")


@dataclass(frozen=True)
class AdaptRequest:
    """What ``adapt`` learns: which adapter, on which base model and prompts, from how many clips per class."""

    method: str = defaults.ADAPTER
    model: str | None = None  # default: the base method's own
    prompts: str | None = None
    sampling: Sampling = Sampling()
    shots: int | None = None
    seed: int = 0
    train: TrainConfig = TrainConfig()  # adapters that train (xclip)
    checkpoint: Path | None = None  # save training state here after each epoch; resume from it
    curriculum: CurriculumOptions = CurriculumOptions()  # adapt --method curriculum


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
