"""Pixel transforms from decoded uint8 frames to a model's input tensor, with the geometry the model was
evaluated with.

Shapes: frames are ``uint8 [T, H, W, 3]`` (numpy, RGB); model input is ``float32 [V, T, 3, S, S]`` where
V is the number of spatial crops. Resizing is torchvision's antialiased resize on uint8 tensors, which is
what the libraries' own preprocessing does on PIL images (open_clip, transformers' image processors).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import torch
import torchvision.transforms.v2.functional as TF
from torchvision.transforms import InterpolationMode

from ..errors import InputError

CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
CLIP_STD = (0.26862954, 0.26130258, 0.27577711)
RESIZE_MODES = ("shortest", "squash", "longest")
CROP_ROUNDING = ("round", "floor")  # torchvision's CenterCrop (open_clip) rounds the offset; Hugging Face floors it
INTERPOLATIONS = {"bicubic": InterpolationMode.BICUBIC, "bilinear": InterpolationMode.BILINEAR}


@dataclass(frozen=True)
class PixelSpec:
    """What a vision encoder expects (open_clip's preprocess config, or a Hugging Face image processor's).

    ``resize_mode``: ``shortest`` resizes the short side to ``resize`` (default ``size``) and crops ``size``
    squares; ``squash`` resizes the whole frame to ``size`` x ``size`` (SigLIP); ``longest`` fits the long side
    and pads with ``fill``. ``resize`` > ``size`` is the "short side 256, crop 224" geometry of X-CLIP's tests
    (its three-crop test resizes the short side to ``size`` instead, see ``_views``). ``crop``: how an odd
    margin's centre-crop offset is rounded, as the model's own preprocessing does it.
    """

    size: int = 224
    mean: tuple[float, float, float] = CLIP_MEAN
    std: tuple[float, float, float] = CLIP_STD
    resize_mode: str = "shortest"
    interpolation: str = "bicubic"
    resize: int | None = None
    fill: int = 0
    crop: str = "round"

    def __post_init__(self):
        if self.resize_mode not in RESIZE_MODES:
            raise InputError(f"resize mode must be one of {', '.join(RESIZE_MODES)}, got '{self.resize_mode}'")
        if self.interpolation not in INTERPOLATIONS:
            raise InputError(f"interpolation must be one of {', '.join(INTERPOLATIONS)}, got '{self.interpolation}'")
        if self.crop not in CROP_ROUNDING:
            raise InputError(f"crop rounding must be one of {', '.join(CROP_ROUNDING)}, got '{self.crop}'")
        if self.size < 1 or (self.resize is not None and self.resize < self.size):
            raise InputError(f"invalid pixel geometry: size {self.size}, resize {self.resize}")

    @property
    def key(self) -> str:
        """Names the geometry in feature-cache keys: features made with another geometry are never reused."""
        resize = self.resize or self.size
        norm = ",".join(f"{v:.4f}" for v in (*self.mean, *self.std))
        crop = "" if self.crop == "round" else f"-{self.crop}"
        return f"{self.resize_mode}{resize}c{self.size}{crop}-{self.interpolation}-f{self.fill}-{norm}"

    def as_dict(self) -> dict:
        out = asdict(self)
        out["mean"], out["std"] = list(self.mean), list(self.std)
        return out

    @classmethod
    def from_dict(cls, data: dict) -> "PixelSpec":
        return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in data.items()})


def to_tensor(frames: np.ndarray) -> torch.Tensor:
    """uint8 [T, H, W, 3] -> uint8 [T, 3, H, W]."""
    if frames.ndim != 4 or frames.shape[-1] != 3:
        raise InputError(f"frames must be [T, H, W, 3], got shape {tuple(frames.shape)}")
    return torch.from_numpy(np.ascontiguousarray(frames)).permute(0, 3, 1, 2)


def crop_offsets(h: int, w: int, size: int, num_crops: int, rounding: str = "round") -> list[tuple[int, int]]:
    """Top-left corners: one centre crop (its offset rounded as ``rounding`` says), or three along the long side."""
    if num_crops not in (1, 3):
        raise InputError(f"spatial crops must be 1 or 3, got {num_crops}")
    if rounding == "floor":
        cy, cx = (h - size) // 2, (w - size) // 2
    else:
        cy, cx = int(round((h - size) / 2.0)), int(round((w - size) / 2.0))
    if num_crops == 1:
        return [(cy, cx)]
    if w >= h:
        return [(cy, 0), (cy, cx), (cy, w - size)]
    return [(0, cx), (cy, cx), (h - size, cx)]


def _resize(x: torch.Tensor, size: list[int], spec: PixelSpec) -> torch.Tensor:
    return TF.resize(x, size, interpolation=INTERPOLATIONS[spec.interpolation], antialias=True)


def _views(x: torch.Tensor, spec: PixelSpec, num_crops: int) -> list[torch.Tensor]:
    """uint8 [T, 3, H, W] -> the spatial views, each uint8 [T, 3, S, S]."""
    s = spec.size
    if spec.resize_mode != "shortest" and num_crops != 1:
        raise InputError(f"3 spatial crops need a model that crops (resize mode 'shortest'); this one uses "
                         f"'{spec.resize_mode}', which sees the whole frame: use --crops 1")
    if spec.resize_mode == "squash":
        return [_resize(x, [s, s], spec)]
    h, w = x.shape[-2:]
    if spec.resize_mode == "longest":
        ratio = max(h / s, w / s)
        x = _resize(x, [round(h / ratio), round(w / ratio)], spec)
        h, w = x.shape[-2:]
        pad = [(s - w) // 2, (s - h) // 2, (s - w + 1) // 2, (s - h + 1) // 2]
        return [TF.pad(x, [max(p, 0) for p in pad], fill=spec.fill)[..., :s, :s]]
    # one number: the short side, as torchvision and PIL pipelines do; three-crop testing (X-CLIP's, ViFi-CLIP's
    # and mmaction's ThreeCrop) resizes the short side to the crop size, so the crops span the long side
    x = _resize(x, [s if num_crops == 3 else spec.resize or s], spec)
    h, w = x.shape[-2:]
    return [x[..., y : y + s, z : z + s] for y, z in crop_offsets(h, w, s, num_crops, spec.crop)]


def prepare(frames: np.ndarray, spec: PixelSpec = PixelSpec(), num_crops: int = 1) -> torch.Tensor:
    """Resize, crop and normalise: uint8 [T, H, W, 3] -> float32 [num_crops, T, 3, S, S]."""
    out = torch.stack(_views(to_tensor(frames), spec, num_crops)).float() / 255.0
    mean = torch.tensor(spec.mean).view(1, 1, 3, 1, 1)
    std = torch.tensor(spec.std).view(1, 1, 3, 1, 1)
    return (out - mean) / std
