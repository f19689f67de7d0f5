"""Pixel transforms from decoded uint8 frames to a model's input tensor.

Shapes: frames are ``uint8 [T, H, W, 3]`` (numpy, RGB); model input is ``float32 [V, T, 3, S, S]`` where
V is the number of spatial crops.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from ..errors import InputError

CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
CLIP_STD = (0.26862954, 0.26130258, 0.27577711)


@dataclass(frozen=True)
class PixelSpec:
    """What a vision encoder expects: square input side and normalisation."""

    size: int = 224
    mean: tuple[float, float, float] = CLIP_MEAN
    std: tuple[float, float, float] = CLIP_STD


def to_tensor(frames: np.ndarray) -> torch.Tensor:
    """uint8 [T, H, W, 3] -> float32 [T, 3, H, W] in 0..255."""
    if frames.ndim != 4 or frames.shape[-1] != 3:
        raise InputError(f"frames must be [T, H, W, 3], got shape {tuple(frames.shape)}")
    return torch.from_numpy(np.ascontiguousarray(frames)).permute(0, 3, 1, 2).float()


def resize_short_side(x: torch.Tensor, size: int) -> torch.Tensor:
    """Bicubic (antialiased) resize so the shorter side equals ``size``; x is [T, 3, H, W] in 0..255."""
    h, w = x.shape[-2:]
    scale = size / min(h, w)
    new_h, new_w = max(size, round(h * scale)), max(size, round(w * scale))
    if (new_h, new_w) == (h, w):
        return x
    out = F.interpolate(x, size=(new_h, new_w), mode="bicubic", align_corners=False, antialias=True)
    return out.clamp_(0, 255)


def crop_offsets(h: int, w: int, size: int, num_crops: int) -> list[tuple[int, int]]:
    """Top-left corners: one centre crop, or three crops along the long side (start, centre, end)."""
    if num_crops not in (1, 3):
        raise InputError(f"spatial crops must be 1 or 3, got {num_crops}")
    cy, cx = (h - size) // 2, (w - size) // 2
    if num_crops == 1:
        return [(cy, cx)]
    if w >= h:
        return [(cy, 0), (cy, cx), (cy, w - size)]
    return [(0, cx), (cy, cx), (h - size, cx)]


def prepare(frames: np.ndarray, spec: PixelSpec = PixelSpec(), num_crops: int = 1) -> torch.Tensor:
    """Resize, crop and normalise: uint8 [T, H, W, 3] -> float32 [num_crops, T, 3, S, S]."""
    x = resize_short_side(to_tensor(frames), spec.size)
    h, w = x.shape[-2:]
    crops = [x[..., y : y + spec.size, z : z + spec.size] for y, z in crop_offsets(h, w, spec.size, num_crops)]
    out = torch.stack(crops) / 255.0
    mean = torch.tensor(spec.mean).view(1, 1, 3, 1, 1)
    std = torch.tensor(spec.std).view(1, 1, 3, 1, 1)
    return (out - mean) / std
