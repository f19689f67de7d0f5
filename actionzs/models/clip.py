"""Image-text encoders (open_clip and Hugging Face CLIP) behind one small interface, ``ClipEncoder``.

Methods only need: encode a batch of images, encode a list of texts, and what every encoder has
(``models.base.Encoder``): the learned temperature, the pixel spec it expects, and a stable ``key`` that names
the weights for the feature cache.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch

from ..defaults import BATCH_SIZE
from ..errors import ModelUnavailableError
from ..video.transforms import PixelSpec
from ..console import info
from . import openclip_text, registry, tiny
from .base import Encoder, pixel_from_processor, weights_key

#: Call counters, so tests and benchmarks can see when encoders really run.
ENCODE_CALLS = {"image": 0, "text": 0}


@dataclass
class ClipEncoder(Encoder):
    """A loaded CLIP-style model, open_clip or Hugging Face. Embeddings are returned unnormalised; methods normalise."""

    backend: str = "open_clip"
    text_kwargs: dict = field(default_factory=lambda: {"padding": True})  # Hugging Face tokenizer call

    @torch.no_grad()  # not inference_mode: with CPU bf16 autocast it runs 6x slower (benchmarks/precision.py)
    def encode_images(self, pixels: torch.Tensor, batch_size: int = BATCH_SIZE["cpu"]) -> torch.Tensor:
        """float [N, 3, S, S] normalised pixels -> float [N, D], in the encoder's precision."""
        outs = []
        for start in range(0, pixels.shape[0], batch_size):
            ENCODE_CALLS["image"] += 1
            batch = pixels[start : start + batch_size].to(self.device, non_blocking=True)
            with self.autocast():
                if self.backend == "open_clip":
                    out = self.model.encode_image(batch)
                else:
                    out = _tensor(self.model.get_image_features(pixel_values=batch))
            outs.append(out.float().cpu())
        return torch.cat(outs)

    @torch.no_grad()
    def encode_texts(self, texts: list[str], batch_size: int = 256) -> torch.Tensor:
        """list of N strings -> float [N, D], in batches, each at its own real token length."""
        outs = []
        for start in range(0, len(texts), batch_size):
            ENCODE_CALLS["text"] += 1
            chunk = texts[start : start + batch_size]
            if self.backend == "open_clip":
                outs.append(openclip_text.encode_text(self.model, self.tokenizer(chunk).to(self.device)).float().cpu())
            else:
                batch = self.tokenizer(chunk, truncation=True, return_tensors="pt", **self.text_kwargs).to(self.device)
                outs.append(_tensor(self.model.get_text_features(**batch)).float().cpu())
        return torch.cat(outs)


def _tensor(out) -> torch.Tensor:
    """transformers may return a tensor or a model output whose pooled embedding is the answer."""
    if isinstance(out, torch.Tensor):
        return out
    for attr in ("pooler_output", "image_embeds", "text_embeds"):
        value = getattr(out, attr, None)
        if value is not None:
            return value
    raise TypeError(f"unexpected output from transformers: {type(out).__name__}")


def load_clip(name: str, device: str = "cpu") -> ClipEncoder:
    """Load a CLIP-style encoder by name (see ``registry``); raises ``ModelUnavailableError`` in one line."""
    info(f"loading CLIP model {name} on {device}")
    ref = registry.parse_model_name(name)
    if ref.kind == "random":
        model, tokenizer, backend, pixel = tiny.build_clip(ref.source)
        model.eval()
        return ClipEncoder(name, f"random-{ref.source}-{weights_key(model)}", pixel, True, model.to(device), tokenizer,
                           backend=backend, device=device)
    if ref.kind == "open_clip":
        return _load_open_clip(ref, device)
    return _load_hf_clip(ref, device)


def _load_open_clip(ref: registry.ModelRef, device: str) -> ClipEncoder:
    """``create_model_and_transforms(ARCH, pretrained=TAG)`` with what the tag's own config says: QuickGELU where
    the weights were trained with it (open_clip 3.x only warns), and the tag's resize mode, interpolation,
    mean and std (read back from the model's ``preprocess_cfg``)."""
    import open_clip

    registry.require_openclip_weights(ref)
    tag = {} if ref.arch.startswith("hf-hub:") or ref.is_local else open_clip.get_pretrained_cfg(ref.arch, ref.source)
    quick_gelu = bool(tag.get("quick_gelu", False))
    try:
        if ref.arch.startswith("hf-hub:"):
            model, _, _ = open_clip.create_model_and_transforms(ref.arch, device=device)
        else:
            model, _, _ = open_clip.create_model_and_transforms(ref.arch, pretrained=ref.source, device=device,
                                                                force_quick_gelu=quick_gelu)
        tokenizer = open_clip.get_tokenizer(ref.arch)
    except Exception as exc:  # the library's own errors are multi-line; keep the cause on one line
        raise ModelUnavailableError(f"cannot load open_clip model '{ref.name}': {str(exc).splitlines()[0]}") from None
    model.eval()
    pixel = openclip_pixels(model)
    weights = ref.name if not ref.is_local else f"{ref.arch}-{weights_key(model)}"
    key = f"{weights}|{activation(model)}"
    return ClipEncoder(ref.name, key, pixel, False, model, tokenizer, backend="open_clip", device=device)


def openclip_pixels(model) -> PixelSpec:
    """The preprocessing open_clip attached to the model (its config merged with the pretrained tag's)."""
    cfg = dict(getattr(model.visual, "preprocess_cfg", None) or {})
    size = cfg.get("size", model.visual.image_size)
    size = size[0] if isinstance(size, (tuple, list)) else size
    mean = getattr(model.visual, "image_mean", None) or PixelSpec.mean
    std = getattr(model.visual, "image_std", None) or PixelSpec.std
    return PixelSpec(int(size), tuple(cfg.get("mean", mean)), tuple(cfg.get("std", std)),
                     cfg.get("resize_mode", "shortest"), cfg.get("interpolation", "bicubic"),
                     fill=int(cfg.get("fill_color", 0)))


def activation(model) -> str:
    """'quickgelu' or 'gelu': what the text and image towers really run (part of the feature-cache key)."""
    return "quickgelu" if any(type(m).__name__ == "QuickGELU" for m in model.modules()) else "gelu"


#: Models trained with fixed-length text (SigLIP pools the last position): pad to the length they were trained on.
MAX_LENGTH_TEXT = ("siglip", "siglip2")


def _load_hf_clip(ref: registry.ModelRef, device: str) -> ClipEncoder:
    from transformers import AutoModel, AutoProcessor

    if not ref.is_local:
        registry.require_hf_repo(ref.source, "CLIP", hint=f" as --model /path/to/saved/{ref.source.split('/')[-1]}")
    try:
        model = AutoModel.from_pretrained(ref.source).to(device)
        processor = AutoProcessor.from_pretrained(ref.source)
    except Exception as exc:
        raise registry.cannot_load("Hugging Face model", ref.name, exc) from None
    if not hasattr(model, "get_image_features"):
        raise ModelUnavailableError(f"'{ref.name}' is not an image-text (CLIP-style) model")
    model.eval()
    pixel = pixel_from_processor(processor.image_processor, model.config.vision_config.image_size)
    key = ref.name if not ref.is_local else f"hf-{weights_key(model)}"
    text = {"padding": True}
    if model.config.model_type in MAX_LENGTH_TEXT:
        text = {"padding": "max_length", "max_length": model.config.text_config.max_position_embeddings}
    return ClipEncoder(ref.name, key, pixel, False, model, processor.tokenizer, backend="hf", device=device,
                       text_kwargs=text)
