"""What every loaded vision-language encoder has in common: a name, a cache key for its weights, the pixels it
expects, whether it is an UNTRAINED test model, and its learned temperature."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import torch

from ..video.transforms import PixelSpec


@dataclass
class Encoder:
    """A loaded model. ``key`` names its weights in the feature cache (a content hash for local or random ones)."""

    name: str
    key: str
    pixel: PixelSpec
    untrained: bool
    model: torch.nn.Module
    tokenizer: object
    device: str = field(default="cpu", kw_only=True)
    precision: str = field(default="fp32", kw_only=True)  # of video encoding; text is always fp32 (and cached)

    def autocast(self):
        """The precision's autocast context on this encoder's device (a no-op for fp32)."""
        from ..runtime import autocast

        return autocast(self.device, self.precision)

    @property
    def logit_scale(self) -> float:
        return float(self.model.logit_scale.exp().item())


def weights_key(model: torch.nn.Module) -> str:
    """Content hash of a model's parameters: identifies random or local weights for the cache."""
    digest = hashlib.sha256()
    for name, tensor in sorted(model.state_dict().items()):
        digest.update(name.encode())
        digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()[:16]


def _field(value, name: str):
    """A field of a transformers size dict (a plain dict or a ``SizeDict``)."""
    return value.get(name) if isinstance(value, dict) else getattr(value, name, None)


def _interpolation(resample) -> str:
    """PIL's resample code, its enum, or torchvision's InterpolationMode -> 'bicubic' / 'bilinear'."""
    name = str(getattr(resample, "name", resample)).lower()  # both enums name their members BICUBIC, BILINEAR
    return {"2": "bilinear", "bilinear": "bilinear"}.get(name, "bicubic")


def pixel_from_processor(ip, default_size: int, resize_ratio: float | None = None) -> PixelSpec:
    """The geometry a Hugging Face image processor applies: short-side resize then centre crop, or a squash to
    height x width. ``resize_ratio`` (e.g. 256/224) overrides the short side with ``round(crop * ratio)``."""
    size, crop = getattr(ip, "size", None) or {}, getattr(ip, "crop_size", None)
    shortest = _field(size, "shortest_edge")
    mean, std = tuple(ip.image_mean), tuple(ip.image_std)
    interpolation = _interpolation(getattr(ip, "resample", "bicubic"))
    if shortest is None:
        side = _field(size, "height") or default_size
        return PixelSpec(int(side), mean, std, "squash", interpolation, crop="floor")
    side = _field(crop, "height") if crop is not None and getattr(ip, "do_center_crop", True) else None
    side = int(side or shortest)
    resize = round(side * resize_ratio) if resize_ratio else int(shortest)
    return PixelSpec(side, mean, std, "shortest", interpolation, resize=resize if resize != side else None,
                     crop="floor")  # Hugging Face's center_crop floors the offset
