"""Open videos and read only the frames asked for.

Decoders by name (``backend``): ``pyav`` (always there), ``decord`` (fast random access; x86-64 wheels only, no
release since 2021) and ``torchcodec`` (PyTorch's decoder: exact frame access, NVDEC on CUDA with
``device="cuda"``; an optional extra that loads the system's FFmpeg 4-7 libraries). ``auto`` takes decord, else
torchcodec, where they are installed and read the file; PyAV takes over where they cannot (GIF, files they
refuse, or a read that fails; GIF and AVI always go to PyAV under torchcodec, see ``video.torchcodec``).
Containers are checked before any frame is read (``video.probe``).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ..errors import VideoError
from ..runtime import DECODERS
from .info import VideoInfo
from .memory import ArrayVideo, is_memory
from .probe import COUNT_TOLERANCE, check_file, probe
from .torchcodec import NOT_TORCHCODEC, open_torchcodec, torchcodec_decoder  # noqa: F401 (torchcodec_decoder: re-exported)

try:  # decord has wheels for x86-64 Linux/Windows only
    import decord

    decord.bridge.set_bridge("native")
    decord.logging.set_level(decord.logging.QUIET)  # damaged files are reported once, as a VideoError
except ImportError:  # pragma: no cover - exercised only where decord is missing
    decord = None

import av

#: Read counters, so tests and benchmarks can see how often decoding really happens.
DECODE_CALLS = {"open": 0, "read": 0}


def _rotate(frames: np.ndarray, rotation: int) -> np.ndarray:
    k = (rotation // 90) % 4
    return np.ascontiguousarray(np.rot90(frames, k=k, axes=(1, 2))) if k else frames


class Video:
    """An open video. ``frames(indices)`` decodes just those frames: ``uint8 [T, H, W, 3]`` RGB, upright."""

    def __init__(self, path: str | os.PathLike, backend: str = "auto", device: str = "cpu"):
        self.path = Path(path)
        if backend not in DECODERS:
            raise ValueError(f"unknown backend {backend!r}")
        check_file(self.path)
        DECODE_CALLS["open"] += 1
        num_frames, fps, width, height, rotation, _, self._stamps = probe(self.path)
        self._decord = None
        self._torchcodec = None
        self._cursor = None
        self._recent: dict[int, np.ndarray] = {}
        if backend in ("auto", "decord") and decord is not None and self.path.suffix.lower() != ".gif":
            try:
                self._decord = decord.VideoReader(str(self.path), num_threads=1)
            except Exception:
                if backend == "decord":
                    raise VideoError(self.path, "decord cannot open this file") from None
            if self._decord is not None:
                num_frames = min(num_frames, len(self._decord))
        elif backend == "decord":
            raise VideoError(self.path, "decord is unavailable for this file or platform")
        if self._decord is None and backend in ("auto", "torchcodec") and self.path.suffix.lower() not in NOT_TORCHCODEC:
            self._torchcodec = open_torchcodec(self.path, device, required=backend == "torchcodec")
            if self._torchcodec is not None:
                num_frames = min(num_frames, self._torchcodec.metadata.num_frames or num_frames)
        used = "decord" if self._decord else "torchcodec" if self._torchcodec is not None else "pyav"
        self.info = VideoInfo(str(self.path), num_frames, fps, width, height, rotation, used)

    def __len__(self) -> int:
        return self.info.num_frames

    def times(self) -> np.ndarray:
        """When each frame is shown, in seconds from the first frame (from the container's timestamps, so a
        variable frame rate is honoured; frame / fps where the container has no timestamps)."""
        pts, time_base = self._stamps
        n = self.info.num_frames
        even = np.arange(n) / self.info.fps
        if pts is None or len(pts) < n:
            return even
        stamped = ((pts[:n] - pts[0]) * float(time_base)).astype(np.float64)
        # stamps that disagree with the stream's length (some AVI muxers number packets, not time) are not time
        return stamped if abs(stamped[-1] - even[-1]) <= 0.1 * even[-1] + 2 / self.info.fps else even

    @property
    def duration(self) -> float:
        """Seconds from the first frame to the end of the last one (timestamps, so variable rates are honoured)."""
        times = self.times()
        step = times[-1] / (len(times) - 1) if len(times) > 1 else 1 / self.info.fps
        return float(times[-1] + step)

    def index_at(self, seconds) -> np.ndarray:
        """The frame on screen at each time: the last frame shown at or before it."""
        times = self.times()
        found = np.searchsorted(times, np.asarray(seconds, dtype=np.float64) + 1e-9, side="right") - 1
        return np.clip(found, 0, self.info.num_frames - 1)

    def __enter__(self) -> "Video":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._decord = None
        self._torchcodec = None
        self._recent = {}
        self._close_cursor()

    def frames(self, indices) -> np.ndarray:
        idx = np.asarray(indices, dtype=np.int64).reshape(-1)
        if idx.size == 0:
            raise ValueError("no frame indices given")
        if idx.min() < 0 or idx.max() >= self.info.num_frames:
            raise IndexError(f"frame index out of range [0, {self.info.num_frames}) for {self.path}")
        DECODE_CALLS["read"] += 1
        if self._decord is not None:
            try:
                # decord already applies rotation metadata
                frames = self._decord.get_batch(idx.tolist()).asnumpy()
            except Exception:
                self._decord = None  # fall through to PyAV, which either succeeds or names the cause
            else:
                final = idx == self.info.num_frames - 1
                if final.any():
                    # decord can return a stale picture for the final frame (seen on AVI files); PyAV reads it
                    frames[final] = self._final_frame()
                return frames
        if self._torchcodec is not None:
            try:
                frames = self._torchcodec.get_frames_at(indices=idx.tolist()).data.cpu().numpy()
            except Exception:
                self._torchcodec = None  # PyAV either succeeds or names the cause
            else:
                return frames if self._torchcodec_rotates else _rotate(frames, self.info.rotation)
        return _rotate(self._pyav_frames(idx), self.info.rotation)

    @property
    def _torchcodec_rotates(self) -> bool:
        """Whether torchcodec already turned the frames upright (its frames then have the display size)."""
        height, width = self._torchcodec.metadata.height, self._torchcodec.metadata.width
        return (width, height) == self.info.display_size and (width, height) != (self.info.width, self.info.height)

    def _final_frame(self) -> np.ndarray:
        """The last frame, by seeking PyAV close to the end and decoding what is left."""
        last = None
        with av.open(str(self.path)) as container:
            stream = container.streams.video[0]
            if self.info.duration > 2 and stream.time_base:
                target = int((self.info.duration - 2) / stream.time_base) + (stream.start_time or 0)
                container.seek(target, stream=stream, backward=True, any_frame=False)
            for frame in container.decode(stream):
                last = frame
        if last is None:
            return self._pyav_frames(np.array([self.info.num_frames - 1]))[0]
        return _rotate(last.to_ndarray(format="rgb24")[None], self.info.rotation)[0]

    def _pyav_frames(self, idx: np.ndarray) -> np.ndarray:
        """Decode forward to the frames wanted. The decoder stays where it stopped, so asking for later frames
        next (a long video read window by window) continues from there instead of starting again."""
        found = {i: self._recent[i] for i in set(int(i) for i in idx) if i in self._recent}
        wanted = set(int(i) for i in idx) - found.keys()  # frames of the last read are kept: windows overlap
        if not wanted:
            return np.stack([found[int(i)] for i in idx])
        first, last = min(wanted), max(wanted)
        if self._cursor is None or self._cursor.position > first:
            self._close_cursor()
            self._cursor = _Cursor(self.path)
        cursor = self._cursor
        if cursor.tail is not None and cursor.position in wanted:
            found[cursor.position] = cursor.tail.to_ndarray(format="rgb24")
        try:
            while cursor.position < last:
                frame = next(cursor.frames, None)
                if frame is None:
                    break
                cursor.position += 1
                cursor.tail = frame
                if cursor.position in wanted:
                    found[cursor.position] = frame.to_ndarray(format="rgb24")
        except av.error.FFmpegError:
            position = cursor.position
            self._close_cursor()
            raise VideoError(self.path, f"corrupt video data: decoding failed after frame {position + 1}") from None
        position, tail = cursor.position, cursor.tail
        missing = sorted(wanted - found.keys())
        if missing and tail is not None and missing[0] > position >= self.info.num_frames - 1 - COUNT_TOLERANCE:
            # the packet count ran a frame or two past what decodes (seen on variable-rate phone video)
            found.update({i: tail.to_ndarray(format="rgb24") for i in missing})
            missing = []
        if missing:
            raise VideoError(
                self.path, f"video ends after {position + 1} frames, before frame {missing[0]} it announced"
            )
        self._recent = found
        return np.stack([found[int(i)] for i in idx])

    def _close_cursor(self) -> None:
        if self._cursor is not None:
            self._cursor.container.close()
            self._cursor = None


class _Cursor:
    """An open PyAV decoder and the position of the last frame it gave (-1 before the first)."""

    def __init__(self, path: Path):
        self.container = av.open(str(path))
        self.frames = self.container.decode(self.container.streams.video[0])
        self.position = -1
        self.tail = None


def open_video(path: str | os.PathLike, backend: str = "auto", device: str = "cpu") -> Video:
    """Open a video for reading with the ``backend`` decoder (torchcodec decodes on ``device``, e.g. "cuda");
    raises ``VideoError`` (one line: file and cause) for anything unreadable. Frames in memory (registered by
    ``memory.as_source``) open as themselves."""
    if is_memory(path):
        return ArrayVideo(str(path))
    return Video(path, backend=backend, device=device)
