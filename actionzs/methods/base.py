"""The shape every zero-shot method has, so that tasks never ask which method they run.

A loaded ``VideoMethod`` turns videos into features (cached per video content, model and sampling), pools
features into unit video embeddings (for adapters and episodes), and builds a ``TextClassifier`` for a label
set whose ``scores`` turn features into logits ``[N, C]``.
"""

from __future__ import annotations

import functools
from abc import ABC, abstractmethod
from pathlib import Path
from typing import TYPE_CHECKING, Callable, ClassVar, Iterable, Iterator

import numpy as np

from ..options import Sampling
from ..features import extract, video_pixels
from ..runtime import Runtime
from ..text.labels import LabelSet
from ..text.prompts import clip_templates

if TYPE_CHECKING:
    import torch

TEXT_BATCH = 256  # prompts per text-encoder call
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
        from ..console import progress

        prompts = [template.format(text) for text in missing for template in templates]
        parts = []
        with progress("label prompts", len(prompts)) as bar:
            for start in range(0, len(prompts), TEXT_BATCH):
                parts.append(encode(prompts[start : start + TEXT_BATCH]))
                bar.update(len(parts[-1]))
        embedded = torch.cat(parts)
        for text, rows in zip(missing, embedded.reshape(len(missing), len(templates), -1)):
            found[text] = rows
            if cache is not None:
                cache.put(text_digest(text), encoder.key, group, rows.numpy())
    return torch.stack([found[text] for text in texts])


class VideoMethod(ABC):
    """A zero-shot method with its model loaded, and the ``Runtime`` (device, precision, batching) it runs under."""

    name: ClassVar[str]
    default_model: ClassVar[str]
    default_prompts: ClassVar[str | None] = None  # None: the default ensemble of prompts/clip.yaml
    #: what the class scores mean: "probability" (a softmax over the classes of logits scaled by a learned
    #: temperature) or "similarity" (raw cosine similarities, ranked as they are)
    score_kind: ClassVar[str] = "probability"
    classifier_type: ClassVar[type[TextClassifier]]
    load_encoder: ClassVar[Callable]  # (model name, device) -> encoder
    embed_clips: ClassVar[Callable]  # (encoder, pixels [N, T, 3, S, S], batch_size) -> features [N, ...]

    def __init__(self, encoder, runtime: Runtime | None = None):
        self.encoder = encoder
        self.runtime = runtime or Runtime(getattr(encoder, "device", "cpu"), getattr(encoder, "precision", "fp32")).resolve()

    @classmethod
    def load(cls, model: str | None = None, runtime: Runtime | None = None, captions=None) -> "VideoMethod":
        """Load ``model`` (default: the method's) on ``runtime``'s device (default: the best one here).
        ``captions`` (CaptionOptions) is for methods that read captions."""
        runtime = (runtime or Runtime()).resolve()
        encoder = cls.load_encoder(model or cls.model_in_effect(), runtime.device)
        encoder.precision = runtime.precision
        return cls(encoder, runtime)

    @classmethod
    def model_in_effect(cls) -> str:
        """The model loaded when none is named: the method's own default."""
        return cls.default_model

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
        """Names this method's cached video features: the weights, the pixel geometry when frames are seen, a
        reduced precision (its features differ slightly from fp32's), and a decoder named by ``--decoder`` (decord's
        frames differ slightly from PyAV's, so features one made are not read back for the other)."""
        pixel = getattr(self.encoder, "pixel", None)
        key = self.key if pixel is None else f"{self.key}|{pixel.key}"
        precision = getattr(self.encoder, "precision", "fp32")
        key = key if precision == "fp32" else f"{key}|{precision}"
        decoder = self.runtime.decoder
        return key if decoder == "auto" else f"{key}|{decoder}"

    @property
    def untrained(self) -> bool:
        return self.encoder.untrained

    def decoder(self, sampling: Sampling) -> Callable[[Path], "torch.Tensor"]:
        """A picklable ``path -> pixels [V, T, 3, S, S]`` for decoding worker processes."""
        return functools.partial(video_pixels, pixel=self.encoder.pixel, sampling=sampling, backend=self.runtime.decoder,
                                 device=self.runtime.decode_device)

    def embed(self, pixels) -> np.ndarray:
        """Clips ``[N, T, 3, S, S]`` (of one or several videos) -> their features ``[N, ...]``."""
        return self.embed_clips(self.encoder, pixels, self.runtime.batch_size)

    def encode(self, path: Path, sampling: Sampling) -> np.ndarray:
        """One video's features (what the cache stores), decoded and embedded here, one video at a time."""
        return self.embed(self.decoder(sampling)(Path(path)))

    def features(self, videos: Iterable, sampling: Sampling, cache=None,
                 on_video: Callable[[str], None] | None = None) -> Features:
        """``(path, features, None)`` or ``(path, None, error line)`` per video, in order; bad videos never stop it.
        Decoding runs in ``runtime.workers`` processes while the model embeds ``runtime.batch_size`` frames a call."""
        yield from extract(videos, self.feature_key, sampling, self.decoder(sampling), self.embed, cache,
                           self.runtime.batch_size, self.runtime.workers, on_video=on_video)

    @property
    def window_cache_key(self) -> str | None:
        """Names cached window features (``predict --window``); None: not cached."""
        return self.feature_key

    def window_features(self, video, windows, sampling: Sampling) -> np.ndarray:
        """Features ``[W, crops, ...]`` of time windows of an open video: ``sampling.frames`` frames from each, found
        by timestamp, decoded and embedded ``runtime.batch_size`` frames at a time (memory flat in length)."""
        import torch

        from ..video import prepare
        from ..video.windows import window_indices

        per_call = max(1, self.runtime.batch_size // (sampling.frames * sampling.crops))
        out = []
        for first in range(0, len(windows), per_call):
            part = windows[first : first + per_call]
            indices = window_indices(video, part, sampling.frames)
            frames = video.frames(indices.reshape(-1))
            frames = frames.reshape(len(part), sampling.frames, *frames.shape[1:])
            pixels = torch.stack([prepare(f, self.encoder.pixel, num_crops=sampling.crops) for f in frames])
            embedded = self.embed(pixels.flatten(0, 1))
            out.append(embedded.reshape(len(part), sampling.crops, *embedded.shape[1:]))
        return np.concatenate(out)

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
