"""``caption``: describe videos in words with an image-to-text model, window by window."""

from __future__ import annotations

from dataclasses import dataclass

from ..options import CaptionRequest
from ..runtime import Runtime


@dataclass
class CaptionReport:
    captioner: str
    untrained: bool
    window: float
    hop: float
    observer: object  # text.captions.ObserverCaptions: video -> captions in time order
    errors: list[dict]
    provenance: dict  # command line, package versions, digests of the captioned videos


def caption(videos, request: CaptionRequest = CaptionRequest(), *, runtime: Runtime = Runtime(),
            on_video=None) -> CaptionReport:
    """Caption the middle frame of every window of each video (paths, or ``Frames`` in memory); unreadable videos
    are reported in ``errors``."""
    from ..models.captioner import caption_videos, load_captioner
    from ..provenance import provenance
    from ..video.memory import as_source

    videos = [as_source(v) for v in videos]
    model = load_captioner(request.captioner, device=runtime.resolve().device)
    observer, errors = caption_videos(videos, model, request.window, request.step, on_video=on_video,
                                      start=request.start, end=request.end)
    return CaptionReport(request.captioner, model.untrained, request.window, request.step, observer, errors,
                         provenance(observer.videos))
