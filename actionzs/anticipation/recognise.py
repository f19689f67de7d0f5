"""The observed actions of a video: split into segments, then a verb and a noun of the vocabulary per segment,
zero-shot, either by CLIP on the segment's frames or by matching a caption of the segment to the vocabulary."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .data import Action, Vocabulary


FRAMES_PER_SEGMENT = 4  # CLIP looks at this many frames of each observed segment
SEGMENT_PROMPTS = ("ego-verbs", "ego-nouns")  # prompts/clip.yaml's ensembles for vocabulary verbs and nouns


@dataclass
class ObservedSegment:
    start: float
    end: float
    action: Action | None = None
    caption: str | None = None

    def as_dict(self) -> dict:
        return {"start": round(self.start, 3), "end": round(self.end, 3),
                "action": " ".join(self.action) if self.action else None, "caption": self.caption}


def split_video(path, segments: int, start: float | None = None, end: float | None = None) -> list[ObservedSegment]:
    """``segments`` equal, consecutive pieces of time (of the part from ``start`` to ``end``, in the whole video's
    times); a video with fewer frames than that is refused."""
    from ..errors import InputError
    from ..video import open_video
    from ..video.span import part
    from ..video.windows import equal_parts

    with open_video(path) as whole:
        video = part(whole, start, end)
        if segments > len(video):
            raise InputError(f"--segments {segments}: {path} has only {len(video)} frames; give at most {len(video)}")
        origin = getattr(video, "origin", 0.0)
        return [ObservedSegment(p.start + origin, p.end + origin) for p in equal_parts(video.duration, segments)]


def _words(names) -> list[str]:
    return [n.replace("_", " ") for n in names]


def recognise_with_method(path, segments: list[ObservedSegment], vocab: Vocabulary, method, cache=None,
                          prompts: tuple[str, str] = SEGMENT_PROMPTS) -> None:
    """Verb and noun per segment, zero-shot by a loaded ``VideoMethod`` (the method registry's CLIP by default):
    the same window features, precision and feature cache as ``predict --window``, scored against the
    vocabulary's verbs and nouns under the prompt ensembles ``prompts`` (names in prompts/clip.yaml)."""
    from ..options import Sampling
    from ..text.labels import LabelSet
    from ..video import open_video
    from ..video.memory import content_digest
    from ..video.windows import SEQUENTIAL, TimeWindow

    sampling = Sampling(frames=FRAMES_PER_SEGMENT, clips=1, crops=1)
    key = method.window_cache_key
    digest = content_digest(path, cache) if cache is not None and cache.enabled and key else None
    entry = f"{sampling.key}|segments{len(segments)}|{segments[0].start:.3f}-{segments[-1].end:.3f}"  # their times
    features = cache.get(digest, key, entry) if digest else None
    if features is None:
        with open_video(path, backend=SEQUENTIAL) as video:
            features = method.window_features(video, [TimeWindow(s.start, s.end) for s in segments], sampling)
        if digest:
            cache.put(digest, key, entry, features)
    named = []
    for words, ensemble in zip((vocab.verbs, vocab.nouns), prompts):
        classes = LabelSet(ensemble, tuple(words), tuple(_words(words)))
        classifier = method.classifier(classes, method.templates(ensemble)[1], cache)
        named.append([words[i] for i in classifier.scores(features).argmax(1)])
    for segment, verb, noun in zip(segments, *named):
        segment.action = (verb, noun)


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
