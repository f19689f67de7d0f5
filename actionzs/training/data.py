"""Clips for training: decoded in DataLoader workers, augmented as whole clips with torchvision transforms v2,
and drawn by step, so that a run is the same however it is split across processes, workers or restarts.

Every random choice of a sample (its frames, crop, colour, mask) comes from a generator seeded by
(run seed, stream, step, slot): a resumed run sees exactly the batches it would have seen, and two processes
that each take half of a global batch see the same clips as one process taking all of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import torch
import torchvision.transforms.v2 as T
import torchvision.transforms.v2.functional as TF

from ..errors import ActionzsError, InputError
from ..runtime import worker_context


def weak_view(size: int) -> T.Transform:
    """The teacher's view, and the one supervised and masked modelling see: random resized crop and flip."""
    return T.Compose([T.RandomResizedCrop(size, scale=(0.4, 1.0), antialias=True), T.RandomHorizontalFlip()])


def strong_view(size: int) -> T.Transform:
    """The student's view of a target clip: crop, flip, colour jitter and grayscale."""
    return T.Compose([
        T.RandomResizedCrop(size, scale=(0.25, 1.0), antialias=True), T.RandomHorizontalFlip(),
        T.RandomApply([T.ColorJitter(0.4, 0.4, 0.4, 0.1)], p=0.8), T.RandomGrayscale(p=0.2),
    ])


VIEWS = {"weak": weak_view, "strong": strong_view}


def sample_seed(*parts: int) -> int:
    return int(np.random.SeedSequence([int(p) for p in parts]).generate_state(1)[0])


@dataclass(frozen=True)
class ClipShape:
    frames: int
    size: int
    mean: tuple[float, float, float]
    std: tuple[float, float, float]


class TrainClips(torch.utils.data.Dataset):
    """``(step, slot, index)`` -> ``{"label": int, <view>: float [T, 3, S, S], ...}``: one clip of video
    ``index`` (random TSN frames), seen through each of ``views``. A clip that cannot be decoded is replaced by
    the next readable one, so one bad file never stops a run."""

    def __init__(self, paths: list[str], labels: list[int], shape: ClipShape, views: tuple[str, ...], seed: int,
                 stream: int, what: str = "training clips"):
        self.paths, self.labels, self.shape, self.views = list(paths), list(labels), shape, views
        self.what = what  # names the clips in an error (an option)
        self.seed, self.stream = seed, stream
        self.transforms = {name: VIEWS[name](shape.size) for name in views}

    def __len__(self) -> int:
        return len(self.paths)

    def _frames(self, index: int, seed: int) -> torch.Tensor:
        from ..video import open_video, segment_indices

        with open_video(self.paths[index]) as video:
            picks = segment_indices(len(video), self.shape.frames, train=True, rng=np.random.default_rng(seed))
            frames = torch.from_numpy(np.ascontiguousarray(video.frames(picks))).permute(0, 3, 1, 2)
        if min(frames.shape[-2:]) > 2 * self.shape.size:  # crops are drawn from at most twice the output size
            frames = TF.resize(frames, [2 * self.shape.size], antialias=True)
        return frames

    def __getitem__(self, key) -> dict:
        step, slot, index = key
        seed = sample_seed(self.seed, self.stream, step, slot)
        for attempt in range(len(self.paths)):
            chosen = (index + attempt) % len(self.paths)
            try:
                clip = self._frames(chosen, seed)
                break
            except ActionzsError as exc:
                last = exc
        else:
            raise InputError(f"{self.what}: none of its {len(self.paths)} clip(s) could be decoded ({last})")
        mean = torch.tensor(self.shape.mean).view(1, 3, 1, 1)
        std = torch.tensor(self.shape.std).view(1, 3, 1, 1)
        out = {"label": self.labels[chosen], "seed": seed}
        for number, name in enumerate(self.views):
            with torch.random.fork_rng(devices=[]):
                torch.manual_seed(sample_seed(seed, number))
                view = self.transforms[name](clip)
            out[name] = (view.float() / 255.0 - mean) / std
        return out


class DecodedClips(torch.utils.data.Dataset):
    """``(step, slot, index)`` -> ``{"label", "pixels", "seed"}``: ``decode(path, seed)`` of video ``index``, for
    models that bring their own preprocessing (X-CLIP)."""

    def __init__(self, paths: list[str], labels: list[int], decode, seed: int, stream: int):
        self.paths, self.labels, self.decode, self.seed, self.stream = list(paths), list(labels), decode, seed, stream

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, key) -> dict:
        step, slot, index = key
        seed = sample_seed(self.seed, self.stream, step, slot)
        return {"label": self.labels[index], "pixels": self.decode(self.paths[index], seed), "seed": seed}


class StepBatches(torch.utils.data.Sampler):
    """Micro-batches ``start..stop`` of ``batch`` keys each, this process's share (``rank`` of ``world``).
    Items are visited epoch by epoch, each epoch in its own seeded order."""

    def __init__(self, items: int, batch: int, start: int, stop: int, seed: int, stream: int,
                 rank: int = 0, world: int = 1):
        if batch % world:
            raise ActionzsError(f"--train-batch-size {batch} must be divisible by the {world} processes")
        self.items, self.batch, self.start, self.stop = items, batch, start, stop
        self.seed, self.stream, self.rank, self.world = seed, stream, rank, world

    @lru_cache(maxsize=4)
    def _order(self, epoch: int) -> np.ndarray:
        return np.random.default_rng([self.seed, self.stream, epoch]).permutation(self.items)

    def __len__(self) -> int:
        return self.stop - self.start

    def __iter__(self):
        share = self.batch // self.world
        for step in range(self.start, self.stop):
            keys = [(step, slot, int(self._order(k // self.items)[k % self.items]))
                    for slot, k in enumerate(range(step * self.batch, (step + 1) * self.batch))]
            yield keys[self.rank * share : (self.rank + 1) * share]


def clip_loader(clips: TrainClips, batch: int, start: int, stop: int, workers: int, rank: int = 0,
                world: int = 1):
    """Micro-batches ``start..stop`` of ``clips``, decoded in ``workers`` processes."""
    sampler = StepBatches(len(clips), batch, start, stop, clips.seed, clips.stream, rank, world)
    loader = torch.utils.data.DataLoader(clips, batch_sampler=sampler, num_workers=workers,
                                         persistent_workers=False, prefetch_factor=2 if workers else None,
                                         multiprocessing_context=worker_context() if workers else None)
    try:
        yield from loader
    except InputError as exc:  # from a worker, torch puts the worker's traceback in the message: keep its last line
        raise InputError(str(exc).strip().splitlines()[-1].split("InputError: ", 1)[-1]) from None
