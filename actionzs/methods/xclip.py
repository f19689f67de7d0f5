"""X-CLIP zero-shot (Ni et al., ECCV 2022): the integrated video embedding against class texts made
video-specific by the prompt generator. Fine-tuning lives in ``adapters.xclip``."""

from __future__ import annotations

import numpy as np
import torch

from ..defaults import XCLIP_MODEL
from ..models.xclip import load_xclip
from .base import TextClassifier, VideoMethod, prompt_embeddings


def embed_xclip_clips(encoder, pixels: torch.Tensor, batch_size: int) -> np.ndarray:
    """Clips [N, T, 3, S, S] -> cached X-CLIP features float32 [N, 1 + P, D] (video row, then prompt rows)."""
    return encoder.encode_clips(pixels, batch_size)


class XClipZeroShot(TextClassifier):
    """Softmax probabilities averaged over views, as X-CLIP's and ViFi-CLIP's multi-view tests do; returned as
    their logarithm, so that a softmax of the scores gives those probabilities back."""

    @torch.no_grad()
    def embed_classes(self) -> torch.Tensor:
        """[T, C, D]: one slice per template (see ``XClipEncoder.class_text``), cached per label text."""
        rows = prompt_embeddings(self.encoder, self.classes.texts, self.templates, self.encoder.text_embeds_batched,
                                 self.cache)
        return rows.transpose(0, 1)

    @torch.no_grad()
    def scores(self, features: np.ndarray) -> np.ndarray:
        """[N, V, 1 + P, D] -> [N, C]."""
        x = torch.as_tensor(features, dtype=torch.float32).to(self.encoder.device)
        n, v = x.shape[:2]
        flat = x.reshape(n * v, *x.shape[2:])
        logits = self.encoder.logits(flat[:, 0], flat[:, 1:], self.text_embeddings.to(self.encoder.device)).cpu()
        log_probs = logits.reshape(n, v, -1).log_softmax(dim=-1)
        return (torch.logsumexp(log_probs, dim=1) - np.log(v)).numpy()  # log of the mean probability


class XClipMethod(VideoMethod):
    name = "xclip"
    default_model = XCLIP_MODEL
    default_prompts = "classname"
    classifier_type = XClipZeroShot
    load_encoder = staticmethod(load_xclip)
    embed_clips = staticmethod(embed_xclip_clips)

    def pool(self, features) -> np.ndarray:
        """[N, V, 1 + P, D] -> [N, D] unit video embeddings (row 0, averaged over views)."""
        video = np.asarray(features)[:, :, 0].mean(axis=1)
        return video / np.linalg.norm(video, axis=1, keepdims=True)
