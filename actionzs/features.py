"""Per-video frame embeddings, computed once per (video content, model, sampling) and cached.

A video's features are ``float32 [V, T, D]``: V views (temporal clips x spatial crops), T sampled frames,
D the encoder's embedding size. Methods decide how to pool them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator

import numpy as np
import torch

from .cache import FeatureCache, file_digest
from .defaults import FRAMES
from .errors import InputError, VideoError
from .video import multiview_indices, open_video, prepare


@dataclass(frozen=True)
class Sampling:
    """Which frames and views an encoder sees (recorded in reports and part of the cache key).

    ``stride=None`` samples TSN segments (one frame from each of ``frames`` equal segments); a stride samples
    dense clips of ``frames`` frames, ``stride`` apart. ``clips`` temporal views x ``crops`` (1 or 3) spatial views.
    """

    frames: int = FRAMES
    clips: int = 1
    crops: int = 1
    stride: int | None = None

    def __post_init__(self):
        if self.frames < 1 or self.clips < 1 or (self.stride is not None and self.stride < 1):
            raise InputError(f"invalid sampling {self}: frames, clips and stride must be positive")
        if self.crops not in (1, 3):
            raise InputError(f"spatial crops must be 1 or 3, got {self.crops}")

    @property
    def key(self) -> str:
        temporal = f"seg{self.frames}" if self.stride is None else f"dense{self.frames}s{self.stride}"
        return f"{temporal}x{self.clips}clips x{self.crops}crops".replace(" ", "")

    def as_dict(self) -> dict:
        return asdict(self)


def video_pixels(path: str | Path, pixel, sampling: Sampling, rng: np.random.Generator | None = None) -> torch.Tensor:
    """Decode and prepare the sampled views of one video: ``float32 [clips*crops, frames, 3, S, S]``.

    With ``rng`` (training) one clip is drawn with random TSN offsets instead of the test-time views."""
    from .video import segment_indices

    with open_video(path) as video:
        if rng is not None:
            indices = segment_indices(len(video), sampling.frames, train=True, rng=rng)[None]
        else:
            indices = multiview_indices(len(video), sampling.frames, sampling.clips, stride=sampling.stride)
        frames = video.frames(indices.reshape(-1))
    clips = frames.reshape(len(indices), sampling.frames, *frames.shape[1:])
    return torch.cat([prepare(clip, pixel, num_crops=sampling.crops) for clip in clips])


def encode_video(path: str | Path, encoder, sampling: Sampling) -> np.ndarray:
    """Decode the sampled frames of one video and embed them: ``float32 [clips*crops, frames, D]``."""
    pixels = video_pixels(path, encoder.pixel, sampling)  # [V, T, 3, S, S]
    v, t = pixels.shape[:2]
    embeddings = encoder.encode_images(pixels.flatten(0, 1))
    return embeddings.reshape(v, t, -1).numpy().astype(np.float32)


def iter_features(
    paths: Iterable[str | Path],
    model_key: str,
    sampling: Sampling,
    cache: FeatureCache | None,
    encode: Callable[[Path], np.ndarray],
) -> Iterator[tuple[str, np.ndarray | None, str | None]]:
    """Yield ``(path, features, None)`` or ``(path, None, error line)``; bad videos never stop the batch.

    ``encode(path)`` computes a video's features on a cache miss."""
    cache = cache or FeatureCache(enabled=False)
    for path in paths:
        path = str(path)
        try:
            p = Path(path)
            if not p.is_file():
                raise VideoError(path, "no such file" if not p.exists() else "not a regular file")
            digest = file_digest(p)
            features = cache.get(digest, model_key, sampling.key)
            if features is None:
                features = encode(p)
                cache.put(digest, model_key, sampling.key, features)
            yield path, features, None
        except VideoError as exc:
            yield path, None, str(exc)
