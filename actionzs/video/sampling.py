"""Frame-index sampling: which frames of a video a model sees.

Every function returns plain integer indices in ``[0, num_frames)`` and never fails for short videos:
when a video has fewer frames than asked for, indices repeat (the usual test-time convention of TSN and
mmaction2) rather than raising.
"""

from __future__ import annotations

import numpy as np

from ..errors import InputError


def _check(num_frames: int, **counts: int) -> None:
    if num_frames < 1:
        raise InputError(f"a video needs at least one frame to sample from, got {num_frames}")
    for name, value in counts.items():
        if value < 1:
            raise InputError(f"{name} must be at least 1, got {value}")


def segment_indices(
    num_frames: int,
    num_segments: int,
    *,
    train: bool = False,
    rng: np.random.Generator | None = None,
    offset: float = 0.5,
) -> np.ndarray:
    """TSN sampling: split the video into equal segments and take one frame from each.

    Test mode takes the frame at ``offset`` (0.5 = the middle) of every segment; train mode takes a random
    frame inside each segment. Shape: ``[num_segments]``.
    """
    _check(num_frames, num_segments=num_segments)
    seg_len = num_frames / num_segments
    starts = np.arange(num_segments) * seg_len
    if train:
        rng = rng or np.random.default_rng()
        pos = starts + rng.random(num_segments) * seg_len
    else:
        pos = starts + offset * seg_len
    return np.clip(np.floor(pos).astype(np.int64), 0, num_frames - 1)


def dense_indices(
    num_frames: int,
    clip_len: int,
    stride: int,
    *,
    start: int | None = None,
    train: bool = False,
    rng: np.random.Generator | None = None,
) -> np.ndarray:
    """One clip of ``clip_len`` frames, ``stride`` apart.

    Without ``start`` the clip is centred in the video (test) or placed at random (train). A clip that runs
    past the end loops back to the start, so short videos repeat frames. Shape: ``[clip_len]``.
    """
    _check(num_frames, clip_len=clip_len, stride=stride)
    span = (clip_len - 1) * stride + 1
    room = max(num_frames - span, 0)
    if start is None:
        if train:
            rng = rng or np.random.default_rng()
            start = int(rng.integers(0, room + 1))
        else:
            start = room // 2
    return (start + np.arange(clip_len) * stride) % num_frames


def multiview_indices(
    num_frames: int,
    num_frames_per_clip: int,
    num_clips: int,
    *,
    stride: int | None = None,
) -> np.ndarray:
    """Test-time temporal views: ``num_clips`` clips spread evenly over the video.

    With ``stride=None`` each view is a TSN clip (one frame per segment) whose position inside the segments
    moves from view to view (view c takes the frame at (c + 0.5) / num_clips of every segment); with a stride,
    each view is a dense clip and the clip starts are spread evenly (MMAction2's test-mode formula). Shape: ``[num_clips, num_frames_per_clip]``.
    """
    _check(num_frames, num_frames_per_clip=num_frames_per_clip, num_clips=num_clips)
    if stride is None:
        return np.stack(
            [
                segment_indices(num_frames, num_frames_per_clip, offset=(c + 0.5) / num_clips)
                for c in range(num_clips)
            ]
        )
    # MMAction2's SampleFrames test mode: clips of clip_len * stride frames spread evenly, centred in their share
    span = num_frames_per_clip * stride
    share = max(num_frames - span + 1, 0) / num_clips  # a video shorter than a clip starts every clip at 0
    starts = ((np.arange(num_clips) + 0.5) * share).astype(np.int64)
    return np.stack([dense_indices(num_frames, num_frames_per_clip, stride, start=int(s)) for s in starts])
