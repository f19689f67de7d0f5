"""VideoMAE backbones (Tong et al., NeurIPS 2022) for the cross-domain curriculum: transformers' own classes,
loaded by hub name (``MCG-NJU/videomae-base``), from a local folder (a stage's output), or built fresh.

Fresh backbones are the starting point of self-supervised pre-training, not models to predict with:
``videomae-small`` is the paper's ViT-S (16 frames at 112 px); ``random:videomae-tiny`` is a test model.
The features a head is fitted on are the mean of the last hidden states, layer-normalised without weights,
so a pre-training checkpoint, a fine-tuned one and a curriculum student are all read the same way.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F

from ..errors import ModelUnavailableError
from ..video.transforms import PixelSpec
from . import registry
from .base import weights_key
from .tiny import config as tiny_config

IMAGENET_MEAN = (0.485, 0.456, 0.406)  # what VideoMAE's processor and its pre-training loss assume
IMAGENET_STD = (0.229, 0.224, 0.225)
EVAL_RESIZE_RATIO = 8 / 7  # short side 128 for a 112 crop, 256 for 224: VideoMAE's test geometry
STAGES_FILE = "actionzs_stages.json"  # in a stage's output folder: which training stages made these weights

FRESH = {
    "videomae-small": {  # the paper's backbone: ViT-S/16, tubelet 2, decoder of 4 blocks
        "hidden_size": 384, "num_hidden_layers": 12, "num_attention_heads": 6, "intermediate_size": 1536,
        "decoder_hidden_size": 192, "decoder_num_hidden_layers": 4, "decoder_num_attention_heads": 3,
        "decoder_intermediate_size": 768, "image_size": 112, "num_frames": 16, "norm_pix_loss": True,
    },
    "random:videomae-tiny": tiny_config("videomae-tiny"),  # tests: seconds on a CPU; always flagged untrained
}
DEFAULT_BACKBONE = "videomae-small"


@dataclass
class Backbone:
    """A VideoMAE model with its name, the training stages behind its weights, and whether it is a test model."""

    name: str
    model: torch.nn.Module  # VideoMAEForPreTraining, VideoMAEForVideoClassification or VideoMAEModel
    stages: list[str]
    test_model: bool

    @property
    def config(self):
        return self.model.config

    @property
    def untrained(self) -> bool:
        """Random weights no stage has trained: nothing made from them is a prediction."""
        return self.test_model or (self.name in FRESH and not self.stages)

    def pixel(self) -> PixelSpec:
        size = self.config.image_size
        return PixelSpec(size, IMAGENET_MEAN, IMAGENET_STD, "shortest", "bilinear", resize=round(size * EVAL_RESIZE_RATIO),
                         crop="floor")  # as VideoMAEImageProcessor crops

    def save(self, folder: Path, stages: list[str]) -> None:
        """A Hugging Face folder (safetensors) that ``--backbone FOLDER`` loads again."""
        with registry.quiet_transformers():
            self.model.save_pretrained(str(folder), safe_serialization=True)
        (folder / STAGES_FILE).write_text(json.dumps({"from": self.name, "stages": stages, "test_model": self.test_model}))


def load_backbone(name: str, kind: str = "pretraining", *, frames: int | None = None, size: int | None = None,
                  num_labels: int | None = None, seed: int = 0) -> Backbone:
    """``kind``: ``pretraining`` (with the reconstruction decoder), ``classification`` (``num_labels``) or
    ``features`` (the encoder alone). ``frames``/``size`` override the clip shape (VideoMAE's position
    embeddings are fixed sinusoids, so published weights take another shape too)."""
    from transformers import VideoMAEConfig, VideoMAEForPreTraining, VideoMAEForVideoClassification, VideoMAEModel

    classes = {"pretraining": VideoMAEForPreTraining, "classification": VideoMAEForVideoClassification,
               "features": VideoMAEModel}[kind]
    shape = {k: v for k, v in (("num_frames", frames), ("image_size", size)) if v}
    extra = {"num_labels": num_labels} if num_labels else {}
    if name in FRESH:
        config = VideoMAEConfig(**{**FRESH[name], **shape, **extra})
        _check_shape(name, config)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            model = classes(config)
        return Backbone(name, model, [], name.startswith("random:"))
    source = Path(name).expanduser()
    if not source.is_dir():
        if "/" not in name:
            known = ", ".join(FRESH)
            raise ModelUnavailableError(f"unknown VideoMAE backbone '{name}': give {known}, ORG/REPO "
                                        f"(MCG-NJU/videomae-base) or a folder")
        registry.require_hf_repo(name, "VideoMAE", hint=f" as --backbone /path/to/{name.split('/')[-1]}")
    try:
        config = VideoMAEConfig.from_pretrained(str(source) if source.is_dir() else name)
    except Exception as exc:  # noqa: BLE001 - any failure is one line
        raise registry.cannot_load("VideoMAE backbone", name, exc) from None
    if config.model_type != "videomae":
        raise ModelUnavailableError(f"--backbone {name}: a '{config.model_type}' model, not a VideoMAE backbone")
    for key, value in {**shape, **extra}.items():
        setattr(config, key, value)
    _check_shape(name, config)
    try:  # heads that start fresh are expected, not worth a warning
        with registry.quiet_transformers(), torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            model = classes.from_pretrained(str(source) if source.is_dir() else name, config=config,
                                            ignore_mismatched_sizes=kind == "classification")
    except Exception as exc:  # noqa: BLE001
        raise registry.cannot_load("VideoMAE backbone", name, exc) from None
    record = source / STAGES_FILE if source.is_dir() else None
    try:
        made = json.loads(record.read_text()) if record and record.is_file() else {}
        if not isinstance(made, dict) or not isinstance(made.get("stages", []), list):
            raise ValueError("not a mapping with a list of stages")
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        from ..errors import InputError

        raise InputError(f"{record}: a garbled record of the stages that made this backbone ({exc}); remove the "
                         f"folder and train the stage again (--restart)") from None
    return Backbone(made.get("from", str(source.resolve()) if source.is_dir() else name), model, list(made.get("stages", [])), bool(made.get("test_model", False)))


def _check_shape(name: str, config) -> None:
    from ..errors import InputError

    if config.num_frames % config.tubelet_size:
        raise InputError(f"--frames {config.num_frames}: {name} groups frames in tubelets of {config.tubelet_size}; "
                         f"use a multiple of {config.tubelet_size}")
    if config.image_size % config.patch_size:
        raise InputError(f"--size {config.image_size}: must be a multiple of the patch size {config.patch_size}")


class FeatureModel(torch.nn.Module):
    """clips [N, T, 3, S, S] -> [N, D]: the mean of the encoder's last hidden states, layer-normalised."""

    def __init__(self, encoder):
        super().__init__()
        self.encoder = encoder

    def forward(self, pixels: torch.Tensor) -> torch.Tensor:
        hidden = self.encoder(pixel_values=pixels).last_hidden_state.mean(1)
        return F.layer_norm(hidden, hidden.shape[-1:])


def encoder_of(model) -> torch.nn.Module:
    """The VideoMAEModel inside any of the three model classes."""
    return getattr(model, "videomae", model)


def feature_encoder(backbone: Backbone, device: str = "cpu"):
    """A ``models.base.Encoder`` for ``methods.videomae`` (no text side)."""
    from .base import Encoder

    model = FeatureModel(encoder_of(backbone.model)).eval().to(device)
    key = "videomae-" + weights_key(model)
    return Encoder(backbone.name, key, backbone.pixel(), backbone.untrained, model, None, device=device)


def num_patches(config) -> tuple[int, int]:
    """(tubelets in time, patches per frame) of a clip: the token grid tube masking works on."""
    return config.num_frames // config.tubelet_size, (config.image_size // config.patch_size) ** 2
