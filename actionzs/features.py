"""Per-video frame embeddings, computed once per (video content, model, sampling) and cached, by a pipeline that
decodes in worker processes while the model embeds the frames of several videos per call.

A video's features are ``float32 [V, T, D]``: V views (temporal clips x spatial crops), T sampled frames,
D the encoder's embedding size. Methods decide how to pool them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator

import numpy as np
import torch

from .cache import FeatureCache
from .defaults import FRAMES
from .errors import ActionzsError, InputError, VideoError
from .video import multiview_indices, open_video, prepare


MAX_FRAMES_PER_VIDEO = 1024  # frames x clips x crops: 1024 frames at 224 px are 0.6 GB of float pixels


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
        if self.frames * self.clips * self.crops > MAX_FRAMES_PER_VIDEO:
            raise InputError(f"--frames {self.frames} x --clips {self.clips} x --crops {self.crops} = "
                             f"{self.frames * self.clips * self.crops} frames per video; at most {MAX_FRAMES_PER_VIDEO}")

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


def extract(
    paths: Iterable[str | Path],
    key: str,
    sampling: Sampling,
    decode: Callable[[Path], torch.Tensor],
    embed: Callable[[torch.Tensor], np.ndarray],
    cache: FeatureCache | None = None,
    batch_size: int = 64,
    workers: int = 0,
) -> Iterator[tuple[str, np.ndarray | None, str | None]]:
    """Yield ``(path, features, None)`` or ``(path, None, error line)`` per video, in input order; bad videos never
    stop the batch.

    Cache hits are read, never decoded. Misses are decoded by ``decode(path) -> [V, T, 3, S, S]`` in ``workers``
    processes (a torch DataLoader; 0 decodes here) while ``embed([N, T, 3, S, S]) -> [N, ...]`` runs the model on
    the clips of as many videos as fill ``batch_size`` frames; each video's features go to the cache as they come.
    ``decode`` must be picklable (a module-level function or a partial of one)."""
    cache = cache or FeatureCache(enabled=False)
    plan = [_locate(str(path), cache, key, sampling.key) for path in paths]
    misses = [path for path, _, error, hit in plan if error is None and not hit]
    computed = _embedded(misses, decode, embed, batch_size, workers) if misses else iter(())
    for path, digest, error, hit in plan:
        if error is not None:
            yield path, None, error
            continue
        features = cache.get(digest, key, sampling.key) if hit else None
        if features is None:  # a miss; or an entry that vanished or failed to load since planning
            features, error = next(computed) if not hit else next(_embedded([path], decode, embed, batch_size, 0))
            if error is None:
                cache.put(digest, key, sampling.key, features)
        yield path, features, error


def _locate(path: str, cache: FeatureCache, key: str, sampling_key: str):
    """(path, content digest, None, cached?) or (path, None, error line, False)."""
    p = Path(path)
    if not p.is_file():
        return path, None, str(VideoError(path, "no such file" if not p.exists() else "not a regular file")), False
    if not cache.enabled:
        return path, None, None, False
    try:
        digest = cache.digest(p)
    except OSError as exc:
        return path, None, str(VideoError(path, f"cannot read: {exc.strerror or exc}")), False
    return path, digest, None, cache.has(digest, key, sampling_key)


class _Decoded(torch.utils.data.Dataset):
    """Videos to decode; an item is (pixels, None) or (None, the error), so one bad file never stops a worker."""

    def __init__(self, paths: list[str], decode):
        self.paths, self.decode = paths, decode

    def __len__(self):
        return len(self.paths)

    def __getitem__(self, index):
        try:
            return self.decode(Path(self.paths[index])), None
        except ActionzsError as exc:  # VideoError: this file; InputError: every file (raised again below)
            return None, exc


def _embedded(paths: list[str], decode, embed, batch_size: int, workers: int):
    """(features, None) or (None, error line) per path, in order: decoding overlapped with the model's work."""
    loader = torch.utils.data.DataLoader(_Decoded(paths, decode), batch_size=None, shuffle=False,
                                         num_workers=min(workers, len(paths)), collate_fn=_as_is)
    pending: list[tuple[torch.Tensor | None, ActionzsError | None]] = []
    frames = 0
    for pixels, error in loader:
        if error is not None and not isinstance(error, VideoError):
            raise error
        pending.append((pixels, error))
        frames += 0 if pixels is None else pixels.shape[0] * pixels.shape[1]
        if frames >= batch_size:
            yield from _run(pending, embed)
            pending, frames = [], 0
    yield from _run(pending, embed)


def _as_is(item):
    return item


def _run(pending, embed):
    """Embed the clips of several videos in one call and hand each video its own rows."""
    clips = [pixels for pixels, _ in pending if pixels is not None]
    rows = iter(np.split(embed(torch.cat(clips)), np.cumsum([len(c) for c in clips])[:-1])) if clips else iter(())
    for pixels, error in pending:
        yield (None, str(error)) if pixels is None else (np.ascontiguousarray(next(rows), dtype=np.float32), None)
