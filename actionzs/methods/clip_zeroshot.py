"""CLIP zero-shot: frame embeddings averaged over time and views, matched to prompt-ensembled class texts."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from ..defaults import CLIP_MODEL
from ..models.clip import load_clip
from .base import TextClassifier, VideoMethod, prompt_embeddings


def pool_video(features: np.ndarray | torch.Tensor) -> torch.Tensor:
    """[..., V, T, D] frame embeddings -> [..., D] unit video embedding (mean of unit frame embeddings)."""
    x = F.normalize(torch.as_tensor(features, dtype=torch.float32), dim=-1)
    return F.normalize(x.mean(dim=(-3, -2)), dim=-1)


def embed_frames(encoder, pixels: torch.Tensor, batch_size: int) -> np.ndarray:
    """Clips [N, T, 3, S, S] -> frame embeddings float32 [N, T, D] (CLIP sees each frame on its own)."""
    n, t = pixels.shape[:2]
    return encoder.encode_images(pixels.flatten(0, 1), batch_size).reshape(n, t, -1).numpy().astype(np.float32)


def ensemble_text_embeddings(encoder, texts: tuple[str, ...], templates: list[str], cache=None) -> torch.Tensor:
    """[C, D] unit class embeddings: each class's templates embedded, normalised, averaged, renormalised."""
    embedded = F.normalize(prompt_embeddings(encoder, texts, templates, encoder.encode_texts, cache), dim=-1)
    return F.normalize(embedded.mean(dim=1), dim=-1)


class ClipZeroShot(TextClassifier):
    """Scores are logits: the model's own logit scale times the cosine similarity (softmax gives probabilities)."""

    def embed_classes(self) -> torch.Tensor:
        return ensemble_text_embeddings(self.encoder, self.classes.texts, self.templates, self.cache)

    def scores(self, video_features: np.ndarray) -> np.ndarray:
        """[N, V, T, D] features -> [N, C] logits."""
        videos = pool_video(video_features)
        return (self.encoder.logit_scale * videos @ self.text_embeddings.T).numpy()


class ClipMethod(VideoMethod):
    name = "clip"
    default_model = CLIP_MODEL
    classifier_type = ClipZeroShot
    load_encoder = staticmethod(load_clip)
    embed_clips = staticmethod(embed_frames)

    @classmethod
    def model_in_effect(cls) -> str:
        """The user's ``model`` setting (config file, $ACTIONZS_MODEL) is the CLIP model; else the built-in one."""
        from ..user_config import configured

        return configured("model") or cls.default_model

    def pool(self, features) -> np.ndarray:
        return pool_video(features).numpy()
