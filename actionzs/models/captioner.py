"""Image-to-text captioners from Hugging Face (BLIP, GIT, ...) applied to video frames, window by window."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ..defaults import CAPTION_WINDOW_S, CAPTIONER
from ..errors import ModelUnavailableError, VideoError
from ..text.captions import Caption, ObserverCaptions
from ..console import info
from . import registry

@dataclass
class Captioner:
    name: str
    model: torch.nn.Module
    processor: object
    untrained: bool
    device: str = "cpu"
    max_new_tokens: int = 30

    @torch.no_grad()
    def caption(self, frames: np.ndarray, batch_size: int = 8) -> list[str]:
        """uint8 [N, H, W, 3] frames -> one caption each."""
        texts = []
        for start in range(0, len(frames), batch_size):
            images = list(frames[start : start + batch_size])
            inputs = self.processor(images=images, return_tensors="pt").to(self.device)
            ids = self.model.generate(pixel_values=inputs["pixel_values"], max_new_tokens=self.max_new_tokens)
            texts.extend(t.strip() for t in self.processor.batch_decode(ids, skip_special_tokens=True))
        return texts


def load_captioner(name: str = CAPTIONER, device: str = "cpu") -> Captioner:
    """A Hugging Face image-to-text model by name or local folder, or ``random:blip-tiny`` for tests."""
    info(f"loading captioner {name} on {device}")
    if name == "random:blip-tiny":
        from .tiny import blip

        model, processor = blip()
        return Captioner(name, model, processor, True, device, max_new_tokens=8)
    from transformers import AutoModelForImageTextToText, AutoProcessor

    source = str(Path(name).expanduser())
    if not Path(source).is_dir():
        if "/" not in name:
            raise ModelUnavailableError(f"unknown captioner '{name}': give a Hugging Face ORG/REPO or a local folder")
        registry.require_hf_repo(name, "captioner", hint=f" as --captioner /path/to/{name.split('/')[-1]}")
    try:
        processor = AutoProcessor.from_pretrained(source)
        model = AutoModelForImageTextToText.from_pretrained(source).to(device).eval()
    except Exception as exc:
        raise registry.cannot_load("captioner", name, exc) from None
    return Captioner(name, model, processor, False, device)


def caption_video(path, captioner: Captioner, window_s: float = CAPTION_WINDOW_S,
                  hop_s: float | None = None, start: float | None = None, end: float | None = None) -> list[Caption]:
    """Caption the middle frame of each window (every ``hop_s`` s; default half the window, as ``predict
    --window``); consecutive identical captions merge into one stretch. Windows
    are decoded and captioned ``STREAM_WINDOWS`` at a time, so memory does not grow with the video's length."""
    from ..video import open_video
    from ..video.span import part
    from ..video.windows import SEQUENTIAL, time_windows

    captions: list[Caption] = []
    with open_video(path, backend=SEQUENTIAL) as whole:
        video = part(whole, start, end)  # --start/--end; times stay the whole video's
        origin = getattr(video, "origin", 0.0)
        hop_s = hop_s if hop_s is not None else window_s / 2
        for window, sentence in caption_windows(video, time_windows(video.duration, window_s, hop_s), captioner):
            if captions and captions[-1].sentence == sentence:
                captions[-1].end = round(window.end + origin, 3)
            else:
                captions.append(Caption(sentence, round(window.start + origin, 3), round(window.end + origin, 3)))
    return captions


STREAM_WINDOWS = 16  # windows decoded and captioned per step


def caption_windows(video, windows, captioner):
    """``(window, caption of its middle frame)`` for each time window of an open video: the one way every
    command captions a window, ``STREAM_WINDOWS`` decoded at a time so memory does not grow with length."""
    for start in range(0, len(windows), STREAM_WINDOWS):
        chunk = windows[start : start + STREAM_WINDOWS]
        yield from zip(chunk, captioner.caption(video.frames(video.index_at([w.middle for w in chunk]))))


def caption_videos(videos, captioner: Captioner, window_s: float = CAPTION_WINDOW_S,
                   hop_s: float | None = None, on_video=None, start: float | None = None, end: float | None = None) -> tuple[ObserverCaptions, list[dict]]:
    """(captions of each readable video, as an observer named after the model; one error entry per unreadable one)."""
    observer = ObserverCaptions(captioner.name)
    errors = []
    for video in videos:
        try:
            observer.videos[str(video)] = caption_video(video, captioner, window_s, hop_s, start, end)
        except VideoError as exc:
            errors.append({"video": str(video), "error": str(exc)})
        if on_video:
            on_video(str(video))
    return observer, errors
