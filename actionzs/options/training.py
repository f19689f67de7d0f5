"""Options of learning: the trainer's optimisation settings, X-CLIP fine-tuning, the CDFSL-V curriculum, and
the adapt request."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

from .. import defaults
from ..errors import InputError
from .media import Sampling, check_choice

SCHEDULES = ("arctan", "linear", "constant")  # the curriculum's target-loss weight over training
STAGES = ("pretrain", "curriculum", "fit", "all")  # adapt --method curriculum --stage


@dataclass(frozen=True)
class TrainSettings:
    """One training stage's optimisation, as the trainer runs it: steps are optimiser steps of ``accumulate``
    micro-batches each. Each recipe states its own weight decay: X-CLIP fine-tuning ``TrainConfig.weight_decay``,
    the curriculum's stages this default (the VideoMAE recipe's 0.05)."""

    max_steps: int
    lr: float
    weight_decay: float = 0.05
    warmup_ratio: float = 0.1
    accumulate: int = 1
    max_grad_norm: float | None = 1.0
    save_every: int = 50
    seed: int = 0

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class TrainConfig:
    """X-CLIP fine-tuning (``adapt --method xclip``), recorded in the adapter."""

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
        check_choice("--stage", self.stage, STAGES)
        check_choice("--schedule", self.schedule, SCHEDULES)
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
    restart: bool = False  # train anew where checkpoints (xclip) or stage outputs (curriculum) of another run are
    curriculum: CurriculumOptions = CurriculumOptions()  # adapt --method curriculum
