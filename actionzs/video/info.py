"""What a video holds, whoever reads it (a file's decoder, or frames in memory)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class VideoInfo:
    """What a video holds. ``width`` and ``height`` are the stored (coded) size; frames come out rotated."""

    path: str
    num_frames: int
    fps: float
    width: int
    height: int
    rotation: int  # degrees counter-clockwise to display upright (PyAV's convention)
    backend: str

    @property
    def duration(self) -> float:
        return self.num_frames / self.fps if self.fps else 0.0

    @property
    def display_size(self) -> tuple[int, int]:
        """(width, height) as shown to a viewer, after rotation."""
        return (self.height, self.width) if self.rotation % 180 else (self.width, self.height)
