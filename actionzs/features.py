"""Per-video frame embeddings, computed once per (video content, model, sampling) and cached, by a pipeline that
decodes in worker processes while the model embeds the frames of several videos per call.

A video's features are ``float32 [V, T, D]``: V views (temporal clips x spatial crops), T sampled frames,
D the encoder's embedding size. Methods decide how to pool them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterable, Iterator

import numpy as np
import torch

from .cache import FeatureCache
from .console import info
from .defaults import BATCH_SIZE, DECODE_STALL_S
from .errors import ActionzsError, VideoError
from .options import Sampling
from .launch import ShareProgress, current as current_launch, launched_processes, require_shared_cache
from .runtime import worker_context
from .video import multiview_indices, open_video, prepare
from .video.memory import content_digest, exists, is_memory
from .video.span import part


def video_pixels(path: str | Path, pixel, sampling: Sampling, rng: np.random.Generator | None = None,
                 backend: str = "auto", device: str = "cpu") -> torch.Tensor:
    """Decode (with the ``backend`` library, on ``device`` where it is torchcodec) and prepare the sampled views of one video:
    ``float32 [clips*crops, frames, 3, S, S]``.

    With ``rng`` (training) one clip is drawn with random TSN offsets instead of the test-time views."""
    from .video import segment_indices

    with open_video(path, backend, device) as whole:
        video = part(whole, sampling.start, sampling.end)  # --start/--end: the rest of the video is never seen
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
    batch_size: int = BATCH_SIZE["cpu"],
    workers: int = 0,
    stall_s: float = DECODE_STALL_S,
    on_video: Callable[[str], None] | None = None,
) -> Iterator[tuple[str, np.ndarray | None, str | None]]:
    """Yield ``(path, features, None)`` or ``(path, None, error line)`` per video, in input order; bad videos never
    stop the batch.

    Cache hits are read, never decoded. Misses are decoded by ``decode(path) -> [V, T, 3, S, S]`` in ``workers``
    clean processes (a torch DataLoader; 0 decodes here; a video not decoded within ``stall_s`` s of being awaited
    is an error line, see ``decoded``) while ``embed([N, T, 3, S, S]) -> [N, ...]`` runs the model on
    the clips of as many videos as fill ``batch_size`` frames; each video's features go to the cache as they come.
    ``decode`` must be picklable (a module-level function or a partial of one). ``on_video(path)`` follows each
    video done.

    Under a launcher of N processes (``launch``), each process first embeds its share into the cache, the main
    process counting every process's videos on ``on_video``; then all read every video's features back."""
    cache = cache or FeatureCache(enabled=False)
    paths = [str(path) for path in paths]
    launch = current_launch() if launched_processes() > 1 else None
    failed = _embed_share(paths, key, sampling, decode, embed, cache, batch_size, workers, stall_s, launch,
                          on_video) if launch and launch.sharded else {}
    plan = [(path, None, failed[path], False) if path in failed else _locate(path, cache, key, sampling.key)
            for path in paths]
    misses = [path for path, _, error, hit in plan if error is None and not hit]
    computed = _embedded(misses, decode, embed, batch_size, workers, stall_s) if misses else iter(())
    for path, digest, error, hit in plan:
        if error is None:
            features = cache.get(digest, key, sampling.key) if hit else None
            if features is None:  # a miss; or an entry that vanished or failed to load since planning
                features, error = next(computed) if not hit else next(_embedded([path], decode, embed, batch_size, 0))
                if error is None:
                    cache.put(digest, key, sampling.key, features)
        yield path, (features if error is None else None), error
        if on_video and not launch:  # under a launcher the share phase counted it
            on_video(path)


def _embed_share(paths, key, sampling, decode, embed, cache, batch_size, workers, stall_s, launch,
                 on_video) -> dict[str, str]:
    """This process's share of ``paths`` (``launch.mine``) embedded into the cache; every process's error lines."""
    require_shared_cache(cache.enabled)
    progress = ShareProgress(launch, cache.root, (lambda n: [on_video("") for _ in range(n)]) if on_video else None)
    mine = [_locate(path, cache, key, sampling.key) for i, path in enumerate(paths) if launch.mine(i)]
    errors = {path: error for path, _, error, _ in mine if error is not None}
    todo = [(path, digest) for path, digest, error, hit in mine if error is None and not hit]
    progress.add(len(mine) - len(todo))  # cached or unreadable: nothing to compute
    embedded = _embedded([path for path, _ in todo], decode, embed, batch_size, workers, stall_s)
    for (path, digest), (features, error) in zip(todo, embedded):
        if error is None:
            cache.put(digest, key, sampling.key, features)
        else:
            errors[path] = error
        progress.add()
    info(f"process {launch.rank + 1} of {launch.processes}: embedded {len(todo) - sum(p in errors for p, _ in todo)} "
         f"of its {len(mine)} videos ({len(mine) - len(todo)} cached or unreadable)")
    progress.wait(len(paths))
    everyone = {path: error for part in launch.gather(errors) for path, error in part.items()}
    progress.close()
    return everyone


def _locate(path: str, cache: FeatureCache, key: str, sampling_key: str):
    """(path, content digest, None, cached?) or (path, None, error line, False)."""
    p = Path(path)
    if not exists(path):
        return path, None, str(VideoError(path, "no such file" if not p.exists() else "not a regular file")), False
    if not cache.enabled:
        return path, None, None, False
    try:
        digest = content_digest(path, cache)
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


def decoded(paths: list[str], decode, workers: int, stall_s: float = DECODE_STALL_S):
    """``(pixels, None)`` or ``(None, error)`` per path, in order, decoded in ``workers`` clean processes
    (``runtime.worker_context``; 0 decodes here, and so does a single video, which no worker could overlap with
    the model). When no video arrives for ``stall_s`` seconds, the one awaited gets an error line, its workers are
    stopped, and fresh ones decode the rest: a stuck decoder never stalls a run."""
    if workers == 0 or len(paths) <= 1 or any(is_memory(p) for p in paths):  # frames in memory: nothing to decode
        yield from (_Decoded(paths, decode)[i] for i in range(len(paths)))
        return
    start = 0
    while start < len(paths):
        rest = _Decoded(paths[start:], decode)
        loader = torch.utils.data.DataLoader(rest, batch_size=None, shuffle=False, collate_fn=_as_is,
                                             num_workers=min(workers, len(rest)), timeout=stall_s,
                                             multiprocessing_context=worker_context())
        batches = iter(loader)
        try:
            for item in batches:
                start += 1
                yield item
            return
        except RuntimeError as exc:
            if "timed out" not in str(exc):
                raise
            yield None, VideoError(paths[start], f"decoding made no progress for {stall_s:g} s; skipped")
            start += 1
        finally:
            batches._shutdown_workers()  # a stuck worker is terminated here, not waited for


def _embedded(paths: list[str], decode, embed, batch_size: int, workers: int, stall_s: float = DECODE_STALL_S):
    """(features, None) or (None, error line) per path, in order: decoding overlapped with the model's work."""
    pending: list[tuple[torch.Tensor | None, ActionzsError | None]] = []
    frames = 0
    for pixels, error in decoded(paths, decode, workers, stall_s):
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
