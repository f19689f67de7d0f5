"""X-CLIP (Ni et al., ECCV 2022) through transformers' XCLIPModel: cross-frame communication (message
tokens), a multi-frame integration transformer and video-specific prompts.

A video's cached features are ``[1 + P, D]``: row 0 the integrated video embedding, rows 1..P the projected
patch features averaged over frames that the prompt generator attends to. Scoring from them reproduces
XCLIPModel's forward pass exactly (see ``logits``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from ..defaults import BATCH_SIZE
from ..errors import InputError, ModelUnavailableError
from ..video.transforms import PixelSpec
from ..console import info
from . import registry
from .base import Encoder, pixel_from_processor, weights_key

@dataclass
class XClipEncoder(Encoder):
    """A loaded XCLIPModel; ``num_frames`` is what its multi-frame integration transformer takes per clip."""

    num_frames: int = 8

    def video_parts(self, pixels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """float [B, T, 3, S, S] -> (video embeddings [B, D], prompt features [B, P, D]); differentiable."""
        m = self.model
        b, t = pixels.shape[:2]
        if t != self.num_frames:
            raise InputError(f"{self.name} integrates exactly {self.num_frames} frames per clip, got {t} (use --frames {self.num_frames})")
        vision = m.vision_model(pixel_values=pixels.reshape(b * t, *pixels.shape[2:]).to(self.device))
        cls = m.visual_projection(vision[1]).view(b, t, -1)
        video = m.mit(cls)[1]
        patches = m.prompts_visual_layernorm(vision[0][:, 1:, :]) @ m.prompts_visual_projection
        patches = patches.view(b, t, -1, video.shape[-1]).mean(dim=1)
        return video, patches

    def text_embeds(self, texts: list[str]) -> torch.Tensor:
        """[K, D] projected text embeddings (before the video-specific prompts)."""
        batch = self.tokenizer(texts, padding=True, truncation=True, return_tensors="pt").to(self.device)
        out = self.model.text_model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"])
        return self.model.text_projection(out[1])

    @torch.no_grad()
    def text_embeds_batched(self, texts: list[str], batch_size: int = 256) -> torch.Tensor:
        """``text_embeds`` in batches, without gradients (zero-shot label embeddings)."""
        return torch.cat([self.text_embeds(texts[i : i + batch_size]).float().cpu()
                          for i in range(0, len(texts), batch_size)])

    def class_text(self, class_texts, templates: list[str]) -> torch.Tensor:
        """[P, C, D] text embeddings, one slice per prompt template (differentiable, so fine-tuning and zero-shot
        scoring share it). Templates are ensembled in ``logits``, after the video-specific prompts."""
        embeds = self.text_embeds([t.format(c) for t in templates for c in class_texts])
        return embeds.reshape(len(templates), len(class_texts), -1)

    def logits(self, video: torch.Tensor, patches: torch.Tensor, text: torch.Tensor) -> torch.Tensor:
        """[B, D], [B, P, D], text [T, K, D] (or [K, D]) -> [B, K]: each template made video-specific by the prompt
        generator and normalised, as XCLIPModel's forward does; several templates averaged as unit vectors."""
        text = text if text.dim() == 3 else text[None]
        per_template = []
        for slice_ in text:
            slice_ = slice_.unsqueeze(0).expand(video.shape[0], -1, -1)
            per_template.append(F.normalize(slice_ + self.model.prompts_generator(slice_, patches), dim=-1))
        text = F.normalize(torch.stack(per_template).mean(dim=0), dim=-1)
        video = F.normalize(video, dim=-1)
        return torch.einsum("bd,bkd->bk", video, self.model.logit_scale.exp() * text)

    @torch.no_grad()  # not inference_mode: with CPU bf16 autocast it runs 6x slower (benchmarks/precision.py)
    def encode_clips(self, pixels: torch.Tensor, batch_size: int = BATCH_SIZE["cpu"]) -> np.ndarray:
        """[B, T, 3, S, S] -> cached features float32 [B, 1 + P, D], in calls of about ``batch_size`` frames."""
        clips = max(1, batch_size // max(1, pixels.shape[1]))
        outs = []
        for start in range(0, pixels.shape[0], clips):
            with self.autocast():
                video, patches = self.video_parts(pixels[start : start + clips])
            outs.append(torch.cat([video[:, None], patches], dim=1).float().cpu())
        return torch.cat(outs).numpy()


#: X-CLIP's and ViFi-CLIP's test geometry: short side 256 for a 224 crop (``scale_resize = 256 / 224 * size``).
EVAL_RESIZE_RATIO = 256 / 224


def wrap(name: str, model, tokenizer, untrained: bool, pixel: PixelSpec | None = None, key: str | None = None,
         device: str = "cpu") -> XClipEncoder:
    vision = model.config.vision_config
    size = vision.image_size
    pixel = pixel or PixelSpec(size, interpolation="bilinear", resize=round(size * EVAL_RESIZE_RATIO), crop="floor")
    return XClipEncoder(name, key or f"xclip-{weights_key(model)}", pixel, untrained, model.to(device), tokenizer,
                        num_frames=vision.num_frames, device=device)


def load_xclip(name: str, device: str = "cpu") -> XClipEncoder:
    """A published X-CLIP checkpoint (``microsoft/xclip-base-patch32``), a local folder, or ``random:xclip-tiny``."""
    info(f"loading X-CLIP model {name} on {device}")
    if name == "random:xclip-tiny":
        from .tiny import hf_clip_tokenizer

        from .tiny import xclip as tiny_xclip

        model = tiny_xclip()
        return wrap(name, model, hf_clip_tokenizer(), True, device=device)
    from transformers import AutoProcessor, XCLIPModel

    source = Path(name).expanduser()
    if not source.is_dir():
        if "/" not in name:
            raise ModelUnavailableError(f"unknown X-CLIP model '{name}': give ORG/REPO (microsoft/xclip-base-patch32) or a folder")
        registry.require_hf_repo(name, "X-CLIP", hint=f" as --model /path/to/{name.split('/')[-1]}")
    try:
        model = XCLIPModel.from_pretrained(str(source) if source.is_dir() else name).eval()
        processor = AutoProcessor.from_pretrained(str(source) if source.is_dir() else name)
    except Exception as exc:
        raise registry.cannot_load("X-CLIP model", name, exc) from None
    pixel = pixel_from_processor(processor.image_processor, model.config.vision_config.image_size, EVAL_RESIZE_RATIO)
    key = name if not source.is_dir() else None
    return wrap(name, model, processor.tokenizer, False, pixel, key, device)


def xclip_from_clip(clip_model, num_frames: int = 8, seed: int = 0, **overrides):
    """An XCLIPModel whose image and text encoders, projections and temperature are copied from a
    transformers CLIPModel; the X-CLIP additions (message tokens, MIT, prompt generator) start fresh, as in
    the paper's initialisation from CLIP."""
    from transformers import XCLIPConfig, XCLIPModel

    cfg = clip_model.config
    config = XCLIPConfig(
        text_config=cfg.text_config.to_dict(),
        vision_config={**cfg.vision_config.to_dict(), "num_frames": num_frames,
                       "mit_hidden_size": cfg.projection_dim, "mit_intermediate_size": 4 * cfg.projection_dim,
                       "mit_num_attention_heads": max(1, cfg.projection_dim // 64)},
        projection_dim=cfg.projection_dim,
        prompt_num_attention_heads=max(1, cfg.projection_dim // 64), **overrides,
    )
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = XCLIPModel(config)
    rename = {"vision_model.pre_layrnorm.": "vision_model.pre_layernorm."}  # CLIP's spelling -> X-CLIP's
    source = {}
    for key, value in clip_model.state_dict().items():
        for old, new in rename.items():
            key = key.replace(old, new)
        source[key] = value
    target = model.state_dict()
    copied = {k: v for k, v in source.items() if k in target and target[k].shape == v.shape}
    model.load_state_dict(copied, strict=False)
    reverse = {new: old for old, new in rename.items()}
    names = []
    for key in copied:
        for new, old in reverse.items():
            key = key.replace(new, old)
        names.append(key)
    return model.eval(), sorted(names)
