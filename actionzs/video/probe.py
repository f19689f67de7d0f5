"""Checks a container before any frame is read: the real frame count is taken from the demuxed packets, so a
header that over-reports its frames (a truncated download, on which decord can hang seeking past the end) is
caught up front with a clear error, and the rotation to show it upright is read from the first frame."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np

from ..errors import VideoError

# A header may disagree with the packets by a frame or two (B-frame reordering, edit lists).
COUNT_TOLERANCE = 2


def check_file(path: Path) -> None:
    if not path.exists():
        raise VideoError(path, "no such file")
    if not path.is_file():
        raise VideoError(path, "not a regular file")
    if path.stat().st_size == 0:
        raise VideoError(path, "empty file (0 bytes)")


def probe(path: Path) -> tuple[int, float, int, int, int, int, np.ndarray | None]:
    """Demux (no decoding) to count real frames; returns (packets, fps, w, h, rotation, header_frames, the
    presentation timestamps of the frames in stream units, sorted, or None where packets carry none)."""
    try:
        container = av.open(str(path))
    except av.error.FFmpegError as exc:
        raise VideoError(path, f"not a readable video ({exc.strerror or type(exc).__name__})") from None
    with container:
        if not container.streams.video:
            raise VideoError(path, "contains no video stream")
        stream = container.streams.video[0]
        rate = stream.average_rate or stream.guessed_rate or stream.base_rate
        fps = float(rate) if rate else 0.0
        width, height = stream.codec_context.width, stream.codec_context.height
        header_frames = int(stream.frames or 0)
        time_base = stream.time_base
        packets, stamps = 0, []
        try:
            for packet in container.demux(stream):
                if packet.size:
                    packets += 1
                    stamps.append(packet.pts)
        except av.error.FFmpegError:
            pass  # a damaged tail: what was demuxed before it is what the file really holds
        rotation = 0
        if packets:
            rotation = _first_frame_rotation(path)
    if packets == 0:
        raise VideoError(path, "no decodable video frames")
    if header_frames and header_frames > packets + COUNT_TOLERANCE:
        raise VideoError(
            path,
            f"container reports {header_frames} frames but holds {packets}: truncated or damaged file",
        )
    if not fps:
        fps = 25.0
    pts = None
    if stamps and None not in stamps and time_base:
        pts = np.sort(np.asarray(stamps, dtype=np.int64))
        pts = pts if len(np.unique(pts)) == len(pts) else None  # repeated stamps say nothing about time
    return packets, fps, width, height, rotation, header_frames, (pts, time_base)


def _first_frame_rotation(path: Path) -> int:
    try:
        with av.open(str(path)) as container:
            for frame in container.decode(video=0):
                return int(round(getattr(frame, "rotation", 0) or 0))
    except av.error.FFmpegError:
        return 0
    return 0
