"""VideoMAE features without a text side: a video backbone (published, or made by ``adapt --method
curriculum``) scored through a fitted head: an adapter, or the logistic regression of cross-domain episodes."""

from __future__ import annotations


import numpy as np
import torch
import torch.nn.functional as F

from ..errors import InputError
from ..models.videomae import feature_encoder, load_backbone
from .base import VideoMethod


def load_videomae(name: str, device: str = "cpu"):
    return feature_encoder(load_backbone(name, "features"), device)


def embed_videomae(encoder, pixels: torch.Tensor, batch_size: int) -> np.ndarray:
    """Clips [N, T, 3, S, S] -> features float32 [N, 1, D] (one embedding per clip)."""
    per_call = max(1, batch_size // pixels.shape[1])
    out = []
    with torch.no_grad(), encoder.autocast():  # not inference_mode: slow under CPU bf16 autocast
        for first in range(0, len(pixels), per_call):
            out.append(encoder.model(pixels[first : first + per_call].to(encoder.device)).float().cpu())
    return torch.cat(out)[:, None].numpy()


class VideoMAEMethod(VideoMethod):
    name = "videomae"
    default_model = "MCG-NJU/videomae-base"
    load_encoder = staticmethod(load_videomae)
    embed_clips = staticmethod(embed_videomae)

    def classifier(self, classes, templates, cache=None):
        raise InputError("videomae has no text side, so it cannot rank labels zero-shot: use it through an adapter "
                         "(--adapter, made by adapt --method curriculum) or an episodic protocol")

    def pool(self, features) -> np.ndarray:
        """[N, V, 1, D] -> [N, D] unit embeddings (views averaged)."""
        x = torch.as_tensor(np.asarray(features), dtype=torch.float32)
        return F.normalize(x.mean(dim=(-3, -2)), dim=-1).numpy()
