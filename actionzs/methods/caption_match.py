""""Tell me what you see": match what observers (video captioners) said to class descriptions.

Both sides are embedded with a sentence-transformers model; class sentences go into a faiss index and each
video is scored against every class by an aggregation of its sentence similarities. The captions come from
ActivityNet-captions files, one per observer, or from an image-to-text model run on the videos now.
"""

from __future__ import annotations

import numpy as np

from ..defaults import EMBEDDER
from ..errors import InputError
from ..index import CosineIndex
from ..options import CaptionOptions, MatchConfig
from ..runtime import Runtime
from ..text.labels import LabelSet
from .base import VideoMethod

MIN_CENTER_VIDEOS = 20


class CaptionMatcher:

    def __init__(self, classes: LabelSet, sentences: dict[str, list[str]], embedder, config: MatchConfig = MatchConfig(),
                 _vectors: np.ndarray | None = None):
        self.classes = classes
        self.config = config
        self.embedder = embedder
        self.class_sentences = sentences
        texts, owners = [], []
        for c, label in enumerate(classes.ids):
            if not sentences.get(label):
                raise InputError(f"class '{label}' has no description sentences")
            texts.extend(sentences[label])
            owners.extend([c] * len(sentences[label]))
        self.sentences = texts
        self.owners = np.asarray(owners)
        vectors = embedder.encode(texts) if _vectors is None else _vectors
        self.vectors = vectors
        self.index = CosineIndex(vectors, self.owners)
        centroids = np.stack([vectors[self.owners == c].mean(0) for c in range(len(classes))])
        self.centroids = centroids / np.linalg.norm(centroids, axis=1, keepdims=True)

    def subset(self, class_ids: list[str]) -> "CaptionMatcher":
        """A matcher over some of the classes, reusing the embedded sentences."""
        keep = [self.classes.ids.index(c) for c in class_ids]
        rows = np.concatenate([np.flatnonzero(self.owners == c) for c in keep])
        return CaptionMatcher(self.classes.subset(class_ids), {c: self.class_sentences[c] for c in class_ids},
                              self.embedder, self.config, _vectors=self.vectors[rows])

    def embed_videos(self, videos: list[list[list[str]]], reference: list[list[list[str]]] | None = None) -> np.ndarray:
        """See ``embed_captions``."""
        return embed_captions(videos, self.embedder, self.config, reference)

    def similarities(self, video_embeddings: np.ndarray) -> np.ndarray:
        """[N, D] -> [N, C] class similarities (cosine scale)."""
        n, c = len(video_embeddings), len(self.classes)
        agg = self.config.aggregate
        if agg == "centroid":
            return video_embeddings @ self.centroids.T
        sims, owners = self.index.search(video_embeddings, len(self.index))  # every sentence, best first
        rows = np.repeat(np.arange(n)[:, None], sims.shape[1], axis=1)
        best = np.full((n, c), -np.inf)
        np.maximum.at(best, (rows, owners), sims)
        if agg == "max":
            return best
        if agg == "mean":
            total = np.zeros((n, c))
            np.add.at(total, (rows, owners), sims)
            return total / np.bincount(self.owners, minlength=c)
        votes = np.zeros((n, c))  # knn: similarity-weighted votes of the k nearest sentences
        k = min(self.config.k, sims.shape[1])
        np.add.at(votes, (rows[:, :k], owners[:, :k]), sims[:, :k])
        return votes + 1e-3 * best  # classes without a vote keep their order by best sentence

    def scores(self, video_embeddings: np.ndarray) -> np.ndarray:
        """[N, D] -> [N, C] logits (scaled similarities)."""
        return self.config.scale * self.similarities(video_embeddings)


def embed_captions(videos: list[list[list[str]]], embedder, config: MatchConfig,
                   reference: list[list[list[str]]] | None = None) -> np.ndarray:
    """videos[i][o] is observer o's list of captions for video i -> unit [N, D] embeddings.

    With ``config.center`` the mean embedding of ``reference`` (default: these videos) is subtracted; it
    is skipped below MIN_CENTER_VIDEOS videos, where a mean would mostly be the videos themselves.
    """
    embedded = _embed(videos, embedder, config)
    if not config.center:
        return embedded
    base = embedded if reference is None else _embed(reference, embedder, config)
    if len(base) < MIN_CENTER_VIDEOS:
        return embedded
    centred = embedded - base.mean(axis=0)
    return centred / np.maximum(np.linalg.norm(centred, axis=1, keepdims=True), 1e-12)


def _embed(videos: list[list[list[str]]], embedder, config: MatchConfig) -> np.ndarray:
    texts, groups = [], []
    for observers in videos:
        per_observer = [caps[:1] if config.first_only else caps for caps in observers if caps]
        if not per_observer:
            raise InputError("a video has no captions from any observer")
        if config.combine == "concat":
            pieces = [" ".join(c for caps in per_observer for c in caps)]
        elif config.combine == "mean":
            pieces = [" ".join(caps) for caps in per_observer]
        else:
            pieces = [c for caps in per_observer for c in caps]
        groups.append((len(texts), len(texts) + len(pieces)))
        texts.extend(pieces)
    vectors = embedder.encode(texts)
    out = np.stack([vectors[a:b].mean(0) for a, b in groups])
    return out / np.linalg.norm(out, axis=1, keepdims=True)


def _overlaps(caption, window) -> bool:
    """A caption without times speaks for the whole video."""
    if caption.start is None or caption.end is None:
        return True
    return caption.start < window.end and caption.end > window.start


class CaptionMethod(VideoMethod):
    """Features are caption embeddings (centred over every captioned video at hand); classes are their description
    sentences. The "model" is the sentence embedder."""

    name = "caption"
    default_model = EMBEDDER
    score_kind = "similarity"  # cosine between captions and class sentences: no temperature makes it a probability

    def __init__(self, embedder, options, observers, captioner=None):
        super().__init__(embedder)
        self.options = options
        self.observers = observers
        self.captioner = captioner

    @classmethod
    def load(cls, model=None, runtime=None, captions=None) -> "CaptionMethod":
        from ..defaults import CAPTIONER
        from ..models.captioner import load_captioner
        from ..models.embedder import load_embedder
        from ..text.captions import read_observers

        if model is not None:
            raise InputError(f"--model {model!r} does not apply to the caption method: its models are the sentence "
                             f"embedder (--embedder) and, without --captions, the captioner (--captioner)")
        options = captions or CaptionOptions()
        if options.captions:
            observers, captioner = read_observers(options.captions), None
        else:  # caption the videos now, with an image-to-text model
            observers, captioner = [], load_captioner(options.captioner or CAPTIONER,
                                                             device=(runtime or Runtime()).resolve().device)
        return cls(load_embedder(options.embedder), options, observers, captioner)

    @classmethod
    def templates(cls, prompts):
        return None, ["{}"]

    @property
    def model_name(self) -> str:
        return self.options.embedder

    @property
    def untrained(self) -> bool:
        if self.captioner is not None:
            return self.captioner.untrained
        return any(o.name.startswith("random:") for o in self.observers)

    def setup(self, sampling) -> dict:
        names = [o.name for o in self.observers] or [self.captioner.name]
        return {"captions": names, **self.options.match.as_dict()}

    def features(self, videos, sampling=None, cache=None, on_video=None):
        from ..models.captioner import caption_videos
        from ..text.captions import video_key

        videos = [str(v) for v in videos]
        observers, failed = self.observers, {}
        if self.captioner is not None:
            observer, failures = caption_videos(videos, self.captioner)
            observers, failed = [observer], {f["video"]: f["error"] for f in failures}
        known = set().union(*(o.videos for o in observers))
        keys = {v: video_key(v, known) for v in videos if v not in failed}
        found = [v for v in videos if keys.get(v)]
        embedded = {}
        if found:
            said = lambda key: [[c.sentence for c in o.videos.get(key, [])] for o in observers]  # noqa: E731
            vectors = embed_captions([said(keys[v]) for v in found], self.encoder.with_cache(cache), self.options.match,
                                     reference=[said(key) for key in sorted(known)])
            embedded = dict(zip(found, vectors))
        sources = ", ".join(map(str, self.options.captions))
        for video in videos:
            if video in failed:
                yield video, None, failed[video]
                continue
            if video in embedded:
                yield video, embedded[video], None
            else:
                yield video, None, f"{video}: no captions for this video in {sources}"
            if on_video:
                on_video(video)

    window_cache_key = None  # captions come from files or a captioner run now; their embeddings are cached

    def window_features(self, video, windows, sampling=None) -> np.ndarray:
        """``[W, D]`` caption embeddings per time window: the captioner's caption of the window's middle frame, or
        the observers' captions that overlap the window (none: a zero vector, which matches no class)."""
        import dataclasses

        from ..errors import VideoError
        from ..text.captions import video_key

        match = dataclasses.replace(self.options.match, center=False)  # one video's windows are no population
        if self.captioner is not None:
            from ..models.captioner import caption_windows

            said = [[[text]] for _, text in caption_windows(video, windows, self.captioner)]
            return embed_captions(said, self.encoder, match)
        known = set().union(*(o.videos for o in self.observers))
        key = video_key(video.path, known)
        if key is None:
            raise VideoError(video.path, f"no captions for this video in {', '.join(map(str, self.options.captions))}")
        said = [[[c.sentence for c in o.videos.get(key, []) if _overlaps(c, w)] for o in self.observers] for w in windows]
        heard = [i for i, observers in enumerate(said) if any(observers)]
        if not heard:
            raise VideoError(video.path, "no caption overlaps any window")
        embedded = embed_captions([said[i] for i in heard], self.encoder, match)
        out = np.zeros((len(windows), embedded.shape[1]), dtype=np.float32)
        out[heard] = embedded
        return out

    def classifier(self, classes, templates, cache=None) -> CaptionMatcher:
        """Class descriptions embedded by the sentence embedder (long sentence lists kept in ``cache``)."""
        from ..text.corpora import class_sentences

        embedder = self.encoder.with_cache(cache)
        sentences = class_sentences(classes, self.options.descriptions, embedder, dataset=classes.name)
        return CaptionMatcher(classes, sentences, embedder, self.options.match)

    def pool(self, features) -> np.ndarray:
        return np.asarray(features)
