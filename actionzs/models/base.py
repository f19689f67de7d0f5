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
