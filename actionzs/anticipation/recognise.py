"""The observed actions of a video: split into segments, then a verb and a noun of the vocabulary per segment,
zero-shot, either by CLIP on the segment's frames or by matching a caption of the segment to the vocabulary."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .data import Action, Vocabulary


@dataclass
class ObservedSegment:
    start: float
    end: float
    frames: np.ndarray  # uint8 [T, H, W, 3]
    action: Action | None = None
    caption: str | None = None

    def as_dict(self) -> dict:
        return {"start": round(self.start, 3), "end": round(self.end, 3),
                "action": " ".join(self.action) if self.action else None, "caption": self.caption}


def split_video(path, segments: int, frames_per_segment: int = 4) -> list[ObservedSegment]:
    """``segments`` equal, consecutive pieces of time; a video with fewer frames than that is refused."""
    from ..errors import InputError
    from ..video import open_video
    from ..video.windows import equal_parts, window_indices

    with open_video(path) as video:
        if segments > len(video):
            raise InputError(f"--segments {segments}: {path} has only {len(video)} frames; give at most {len(video)}")
        parts = equal_parts(video.duration, segments)
        indices = window_indices(video, parts, frames_per_segment)
        return [ObservedSegment(p.start, p.end, video.frames(i)) for p, i in zip(parts, indices)]


def _words(names) -> list[str]:
    return [n.replace("_", " ") for n in names]


def recognise_with_clip(segments: list[ObservedSegment], vocab: Vocabulary, encoder) -> None:
    """Verb and noun per segment by CLIP over prompted vocabulary words (frame features averaged)."""
    from ..methods.clip_zeroshot import ClipZeroShot
    from ..text.labels import LabelSet
    from ..video import prepare

    verbs = LabelSet("verbs", vocab.verbs, tuple(_words(vocab.verbs)))
    nouns = LabelSet("nouns", vocab.nouns, tuple(_words(vocab.nouns)))
    verb_scorer = ClipZeroShot(encoder, verbs, ["a person is {}ing something.", "hands {} something."])
    noun_scorer = ClipZeroShot(encoder, nouns, ["a photo of a {}.", "hands holding a {}."])
    for segment in segments:
        features = encoder.encode_images(prepare(segment.frames, encoder.pixel)[0]).numpy()[None, None]
        segment.action = (verbs.ids[int(verb_scorer.scores(features)[0].argmax())],
                          nouns.ids[int(noun_scorer.scores(features)[0].argmax())])


def caption_segments(path, segments: list[ObservedSegment], captioner) -> None:
    """One caption per segment, of its middle frame (``models.captioner.caption_windows``)."""
    from ..models.captioner import caption_windows
    from ..video import open_video
    from ..video.windows import SEQUENTIAL, TimeWindow

    with open_video(path, backend=SEQUENTIAL) as video:
        windows = [TimeWindow(s.start, s.end) for s in segments]
        for segment, (_, text) in zip(segments, caption_windows(video, windows, captioner)):
            segment.caption = text


def recognise_with_captions(segments: list[ObservedSegment], vocab: Vocabulary, embedder) -> None:
    """Verb and noun per segment: the vocabulary words nearest to the segment's caption in sentence-embedding
    space (captions must be set, see ``caption_segments``)."""
    captions = embedder.encode([s.caption or "" for s in segments])
    verbs = embedder.encode(_words(vocab.verbs))
    nouns = embedder.encode(_words(vocab.nouns))
    for segment, c in zip(segments, captions):
        segment.action = (vocab.verbs[int(np.argmax(verbs @ c))], vocab.nouns[int(np.argmax(nouns @ c))])
