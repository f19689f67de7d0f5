"""The shape every zero-shot method has, so that tasks never ask which method they run.

A loaded ``VideoMethod`` turns videos into features (cached per video content, model and sampling), pools
features into unit video embeddings (for adapters and episodes), and builds a ``TextClassifier`` for a label
set whose ``scores`` turn features into logits ``[N, C]``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from pathlib import Path
from typing import Callable, ClassVar, Iterable, Iterator

import numpy as np

from ..features import Sampling, iter_features
from ..text.labels import LabelSet
from ..text.prompts import clip_templates

Features = Iterator[tuple[str, "np.ndarray | None", "str | None"]]


class TextClassifier(ABC):
    """Scores of cached features against a label set's prompt-ensembled texts; the text side is computed once,
    and with a ``cache`` kept on disk per (model, templates, label text)."""

    def __init__(self, encoder, classes: LabelSet, templates: list[str], cache=None):
        self.encoder = encoder
        self.classes = classes
        self.templates = list(templates)
        self.cache = cache
        self._text = None

    @property
    def text_embeddings(self):
        if self._text is None:
            self._text = self.embed_classes()
        return self._text

    @abstractmethod
    def embed_classes(self):
        """The class side, one row per class."""

    @abstractmethod
    def scores(self, features: np.ndarray) -> np.ndarray:
        """[N, ...] features -> [N, C] logits."""


def prompt_embeddings(encoder, texts, templates: list[str], encode: Callable, cache=None):
    """``[C, T, D]`` embeddings of every (label text, template) prompt. With a cache, one entry per label text
    (under the model's key and the templates), so a new label set encodes only the texts it does not share.
    ``encode(prompts) -> [N, D]`` runs only on the missing texts' prompts."""
    import torch

    from ..cache import text_digest

    group = "text-" + text_digest("\n".join(templates))
    found = {}
    for text in dict.fromkeys(texts):
        hit = cache.get(text_digest(text), encoder.key, group) if cache is not None else None
        if hit is not None:
            found[text] = torch.from_numpy(hit)
    missing = [text for text in dict.fromkeys(texts) if text not in found]
    if missing:
        embedded = encode([template.format(text) for text in missing for template in templates])
        for text, rows in zip(missing, embedded.reshape(len(missing), len(templates), -1)):
            found[text] = rows
            if cache is not None:
                cache.put(text_digest(text), encoder.key, group, rows.numpy())
    return torch.stack([found[text] for text in texts])


class VideoMethod(ABC):
    """A zero-shot method with its model loaded."""

    name: ClassVar[str]
    default_model: ClassVar[str]
    default_prompts: ClassVar[str | None] = None  # None: the default ensemble of prompts/clip.yaml
    classifier_type: ClassVar[type[TextClassifier]]
    load_encoder: ClassVar[Callable]  # (model name, device) -> encoder
    encode_video: ClassVar[Callable]  # (path, encoder, sampling) -> one video's features

    def __init__(self, encoder):
        self.encoder = encoder

    @classmethod
    def load(cls, model: str | None = None, device: str = "cpu", captions=None) -> "VideoMethod":
        """Load ``model`` (default: the method's). ``captions`` (CaptionOptions) is for methods that read captions."""
        return cls(cls.load_encoder(model or cls.default_model, device))

    @classmethod
    def templates(cls, prompts: str | None) -> tuple[str | None, list[str]]:
        """(ensemble name, templates) for ``--prompts``."""
        return clip_templates(prompts or cls.default_prompts)

    @property
    def model_name(self) -> str:
        return self.encoder.name

    @property
    def key(self) -> str:
        return self.encoder.key

    @property
    def feature_key(self) -> str:
        """Names this method's cached video features: the weights, and the pixel geometry when frames are seen."""
        pixel = getattr(self.encoder, "pixel", None)
        return self.key if pixel is None else f"{self.key}|{pixel.key}"

    @property
    def untrained(self) -> bool:
        return self.encoder.untrained

    def encode(self, path: Path, sampling: Sampling) -> np.ndarray:
        """One video's features (what the cache stores)."""
        return self.encode_video(path, self.encoder, sampling)

    def features(self, videos: Iterable, sampling: Sampling, cache=None,
                 on_video: Callable[[str], None] | None = None) -> Features:
        """``(path, features, None)`` or ``(path, None, error line)`` per video, in order; bad videos never stop it."""
        for path, features, error in iter_features(videos, self.feature_key, sampling, cache, lambda p: self.encode(p, sampling)):
            yield path, features, error
            if on_video:
                on_video(path)

    def setup(self, sampling: Sampling) -> dict:
        """How videos were seen, as reports record it: the sampled views and the pixel geometry."""
        pixel = getattr(self.encoder, "pixel", None)
        return {**sampling.as_dict(), **({"pixels": pixel.as_dict()} if pixel else {})}

    def classifier(self, classes: LabelSet, templates: list[str], cache=None) -> TextClassifier:
        """A classifier over ``classes``; with ``cache`` (a FeatureCache) label embeddings are kept on disk."""
        return self.classifier_type(self.encoder, classes, templates, cache)

    @abstractmethod
    def pool(self, features: np.ndarray) -> np.ndarray:
        """[N, ...] features -> [N, D] unit video embeddings."""
