"""Video input: decoding (reader), frame-index sampling (sampling) and pixel transforms (transforms)."""

from .reader import Video, VideoInfo, open_video
from .sampling import dense_indices, multiview_indices, segment_indices
from .transforms import PixelSpec, prepare

__all__ = [
    "PixelSpec", "Video", "VideoInfo", "dense_indices", "multiview_indices", "open_video", "prepare",
    "segment_indices",
]
