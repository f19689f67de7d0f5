"""Frames already in memory (a numpy array or torch tensor ``T x H x W x 3`` uint8, with an fps) as a video: the API
takes ``Frames`` wherever it takes a video path. Each is registered under a name (``frames:NAME@DIGEST``) that
travels where a path would, and read back by ``open_video``; its content digest keys the feature cache as a
file's does, so the same frames from memory or from a file-free pipeline are embedded once."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from ..errors import InputError
from .info import VideoInfo

PREFIX = "frames:"
_REGISTERED: dict[str, "Frames"] = {}


@dataclass(frozen=True, eq=False)
class Frames:
    """RGB frames ``uint8 [T, H, W, 3]`` shown ``fps`` times a second; ``name`` is what reports call them."""

    array: object
    fps: float
    name: str = "frames"

    def __post_init__(self):
        array = self.array.detach().cpu().numpy() if hasattr(self.array, "detach") else np.asarray(self.array)
        if array.ndim != 4 or array.shape[-1] != 3 or array.dtype != np.uint8 or len(array) == 0:
            raise InputError(f"frames {self.name!r}: expected uint8 [T, H, W, 3] RGB frames, got "
                             f"{array.dtype} {list(array.shape)}")
        if not self.fps > 0:
            raise InputError(f"frames {self.name!r}: fps must be positive, got {self.fps}")
        object.__setattr__(self, "array", np.ascontiguousarray(array))

    @property
    def digest(self) -> str:
        hasher = hashlib.sha256(f"{list(self.array.shape)}|{float(self.fps)!r}".encode())
        hasher.update(self.array.tobytes())
        return hasher.hexdigest()


def as_source(video) -> str:
    """A path as a string, or ``Frames`` registered for this process; anything else is one InputError."""
    if isinstance(video, Frames):
        digest = video.digest
        key = f"{PREFIX}{video.name}@{digest[:12]}"
        _REGISTERED[key] = replace(video)
        _DIGESTS[key] = digest
        return key
    if isinstance(video, (str, Path)):
        return str(video)
    if hasattr(video, "shape"):
        raise InputError("frames in memory need their rate: pass actionzs.api.Frames(array, fps=...) (uint8 T x H x W x 3)")
    raise InputError(f"not a video: {type(video).__name__} (give a path, or actionzs.api.Frames(array, fps))")


_DIGESTS: dict[str, str] = {}


def is_memory(path) -> bool:
    return str(path).startswith(PREFIX)


def content_digest(path, cache) -> str:
    """The content digest that keys a video's cached features: a file's (``cache.digest``) or the frames'."""
    if is_memory(path):
        return _DIGESTS[str(path)]
    return cache.digest(path)


def exists(path) -> bool:
    return str(path) in _REGISTERED if is_memory(path) else Path(path).is_file()


class ArrayVideo:
    """Registered frames with the interface of ``reader.Video`` (times from the fps)."""

    def __init__(self, key: str):
        if key not in _REGISTERED:
            from ..errors import VideoError

            raise VideoError(key, "these frames are not registered in this process (pass Frames to the API)")
        frames = _REGISTERED[key]
        self.path, self._array = key, frames.array
        t, h, w, _ = self._array.shape
        self.info = VideoInfo(key, t, float(frames.fps), w, h, 0, "memory")

    def __len__(self) -> int:
        return len(self._array)

    def times(self) -> np.ndarray:
        return np.arange(len(self._array)) / self.info.fps

    @property
    def duration(self) -> float:
        return len(self._array) / self.info.fps

    def index_at(self, seconds) -> np.ndarray:
        found = np.searchsorted(self.times(), np.asarray(seconds, dtype=np.float64) + 1e-9, side="right") - 1
        return np.clip(found, 0, len(self._array) - 1)

    def frames(self, indices) -> np.ndarray:
        idx = np.asarray(indices, dtype=np.int64).reshape(-1)
        if idx.size == 0:
            raise ValueError("no frame indices given")
        if idx.min() < 0 or idx.max() >= len(self._array):
            raise IndexError(f"frame index out of range [0, {len(self._array)}) for {self.path}")
        return self._array[idx]

    def __enter__(self) -> "ArrayVideo":
        return self

    def __exit__(self, *exc) -> None:
        pass

    def close(self) -> None:
        pass
