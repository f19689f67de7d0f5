""""Tell me what you see": match what observers (video captioners) said to class descriptions.

Both sides are embedded with a sentence-transformers model; class sentences go into a faiss index and each
video is scored against every class by an aggregation of its sentence similarities.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from ..errors import InputError
from ..index import CosineIndex
from ..text.labels import LabelSet

COMBINE = ("concat", "mean", "all")
MIN_CENTER_VIDEOS = 20
AGGREGATE = ("max", "mean", "centroid", "knn")


@dataclass(frozen=True)
class MatchConfig:
    """How captions and class sentences meet; recorded in reports.

    combine: ``concat`` joins the observers' captions into one text (the paper); ``mean`` embeds each
    observer's text and averages the embeddings; ``all`` averages the embeddings of every caption sentence.
    first_only: use each observer's first caption only (the paper's choice).
    center: subtract the mean caption embedding of the videos at hand (unlabelled), removing what observers
    say of every video ("a man is standing in a room") before comparing with classes.
    aggregate: ``max`` is 1-nearest-neighbour over class sentences (the paper); ``mean`` averages a class's
    sentence similarities; ``centroid`` compares with the mean of a class's sentence embeddings; ``knn`` sums
    the similarities of the k nearest sentences per class.
    """

    combine: str = "mean"
    first_only: bool = False
    aggregate: str = "centroid"
    center: bool = True
    k: int = 5
    scale: float = 20.0  # softmax temperature over cosine similarities: probabilities are relative, not calibrated

    def __post_init__(self):
        if self.combine not in COMBINE:
            raise InputError(f"unknown caption combination '{self.combine}' (choose from {', '.join(COMBINE)})")
        if self.aggregate not in AGGREGATE:
            raise InputError(f"unknown aggregation '{self.aggregate}' (choose from {', '.join(AGGREGATE)})")

    def as_dict(self) -> dict:
        return asdict(self)


class CaptionMatcher:
    name = "caption"

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
        """videos[i][o] is observer o's list of captions for video i -> unit [N, D] embeddings.

        With ``config.center`` the mean embedding of ``reference`` (default: these videos) is subtracted; it
        is skipped below MIN_CENTER_VIDEOS videos, where a mean would mostly be the videos themselves.
        """
        embedded = self._embed(videos)
        if not self.config.center:
            return embedded
        base = embedded if reference is None else self._embed(reference)
        if len(base) < MIN_CENTER_VIDEOS:
            return embedded
        centred = embedded - base.mean(axis=0)
        return centred / np.maximum(np.linalg.norm(centred, axis=1, keepdims=True), 1e-12)

    def _embed(self, videos: list[list[list[str]]]) -> np.ndarray:
        cfg = self.config
        texts, groups = [], []
        for observers in videos:
            per_observer = [caps[:1] if cfg.first_only else caps for caps in observers if caps]
            if not per_observer:
                raise InputError("a video has no captions from any observer")
            if cfg.combine == "concat":
                pieces = [" ".join(c for caps in per_observer for c in caps)]
            elif cfg.combine == "mean":
                pieces = [" ".join(caps) for caps in per_observer]
            else:
                pieces = [c for caps in per_observer for c in caps]
            groups.append((len(texts), len(texts) + len(pieces)))
            texts.extend(pieces)
        vectors = self.embedder.encode(texts)
        out = np.stack([vectors[a:b].mean(0) for a, b in groups])
        return out / np.linalg.norm(out, axis=1, keepdims=True)

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
