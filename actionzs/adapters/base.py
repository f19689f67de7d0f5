"""An adapter, fitted or loaded: the classes it scores, how its videos are sampled, the base model whose features
it scores, and its fitted part (a head on frozen embeddings, or a tuned model).

On disk an adapter is a directory: ``adapter.yaml`` (``AdapterInfo``) and ``weights.safetensors``. It is written
to a temporary sibling and renamed into place, so an interrupted ``adapt`` leaves nothing half-written.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Literal

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator

from .. import __version__
from ..cache import require_writable, user_mode
from ..config import read_yaml, validated
from ..errors import InputError
from ..options import Sampling
from ..runtime import Runtime
from ..text.labels import LabelSet
from . import ADAPTERS

FORMAT = "actionzs-adapter/1"


@dataclass
class AdapterInfo:
    """What ``adapter.yaml`` records: enough to rebuild, check and reproduce the adapter."""

    method: str
    base_model: str
    base_model_key: str
    untrained_base: bool
    classes: LabelSet
    sampling: Sampling
    prompts: str | None
    training: dict = field(default_factory=dict)  # settings and outcomes, for the record
    pixel: dict | None = None  # adapters that carry their own model (xclip): its pixel spec

    @property
    def name(self) -> str:
        """How reports name the method that scored: ``adapter:<its method>`` (the folder is recorded beside)."""
        return f"adapter:{self.method}"

    def as_dict(self) -> dict:
        out = {"method": self.method, "base_model": self.base_model, "base_model_key": self.base_model_key,
               "untrained_base": self.untrained_base, "labels_name": self.classes.name,
               "classes": [{"id": i, "text": t} for i, t in zip(self.classes.ids, self.classes.texts)],
               "sampling": self.sampling.as_dict(), "prompts": self.prompts}
        if self.pixel is not None:
            out["pixel"] = self.pixel
        return {**out, "training": self.training}

    @classmethod
    def from_dict(cls, data: dict, where: Path) -> "AdapterInfo":
        meta = validated(AdapterFile, data, where)
        classes = LabelSet(meta.labels_name, tuple(c.id for c in meta.classes), tuple(c.text for c in meta.classes))
        return cls(meta.method, meta.base_model, meta.base_model_key, meta.untrained_base, classes,
                   Sampling(**meta.sampling.model_dump()), meta.prompts, meta.training, meta.pixel)


class _Class(BaseModel):
    id: str = Field(min_length=1)
    text: str = Field(min_length=1)


class _Sampling(BaseModel):
    model_config = ConfigDict(extra="forbid")

    frames: int = Field(ge=1, le=512)
    clips: int = Field(default=1, ge=1, le=64)
    crops: Literal[1, 3] = 1
    stride: int | None = Field(default=None, ge=1)


class AdapterFile(BaseModel):
    """What ``adapter.yaml`` must hold (checked before any weights are read)."""

    format: Literal[FORMAT]
    method: str
    base_model: str = Field(min_length=1)
    base_model_key: str = Field(min_length=1)
    untrained_base: bool = False
    labels_name: str = "adapter"
    classes: list[_Class] = Field(min_length=2)
    sampling: _Sampling
    prompts: str | None = None
    pixel: dict | None = None
    training: dict = Field(default_factory=dict)

    @field_validator("method")
    @classmethod
    def _known(cls, method: str) -> str:
        if method not in ADAPTERS:
            raise ValueError(f"unknown adapter method {method!r} (available: {', '.join(ADAPTERS)})")
        return method


@dataclass
class Adapter:
    """``info`` says what it classifies (classes, sampling, base model, prompts); ``head`` is what was fitted."""

    info: AdapterInfo
    head: object  # PrototypeAdapter, LinearAdapter, XClipAdapter, ...
    source: str = "adapter"  # where it was loaded from, for messages
    base: object | None = None  # the base VideoMethod, once loaded
    trained: object | None = None  # what training stages ran in this call (the curriculum's StageResult), for the summary

    def video_method(self, runtime=None, model: str | None = None):
        """The method whose features this adapter scores; ``model``, when given, must be the one it was made on."""
        if model is not None and model != self.info.base_model:
            raise InputError(f"adapter {self.source} was made on '{self.info.base_model}', not '{model}'")
        if self.base is None:
            self.base = self.head.video_method(self.info, (runtime or Runtime()).resolve(), self.source)
        return self.base

    def scorer(self, method):
        """features [N, ...] of ``method`` -> logits [N, C] over the adapter's classes."""
        return self.head.scorer(method, self)


class EmbeddingHead:
    """A classifier on the pooled embeddings of a frozen zero-shot method, initialised from its text classifier."""

    method: str
    base_method = "clip"

    def scorer(self, method, adapter):
        return lambda features: self.scores(method.pool(features))

    def record(self) -> dict:
        """Fitted settings worth keeping in adapter.yaml."""
        return {}

    @classmethod
    def video_method(cls, info: AdapterInfo, runtime: Runtime, source: str):
        from ..methods import METHODS

        method = METHODS.load(cls.base_method).load(info.base_model, runtime)
        if method.key != info.base_model_key:
            raise InputError(f"adapter {source}: the weights of '{info.base_model}' differ from those it was made on")
        return method

    @classmethod
    def learn(cls, request, support, classes, cache=None, runtime=None, on_step=None, base=None):
        """(Adapter, unreadable clips): support features from the (cached) base method, then ``fit``."""
        from ..methods import METHODS

        kind = type(base) if base else METHODS.load(cls.base_method)
        prompt_name, templates = kind.templates(request.prompts)
        method = base or kind.load(request.model, runtime)
        embeddings, targets, skipped = support_embeddings(method, support, classes, request.sampling, cache,
                                                          (lambda _: on_step()) if on_step else None)
        text = np.asarray(method.classifier(classes, templates, cache).text_embeddings)
        head = cls.fit(embeddings, targets, text, method.encoder.logit_scale, seed=request.seed)
        accuracy = float((head.scores(embeddings).argmax(1) == targets).mean())
        info = AdapterInfo(cls.method, method.model_name, method.key, method.untrained, classes, request.sampling,
                           prompt_name, {"shots": request.shots, "seed": request.seed, "support_clips": len(targets),
                                         "skipped_clips": len(skipped), "support_accuracy": accuracy, **head.record()})
        return Adapter(info, head, base=method), skipped


def support_embeddings(method, support, classes: LabelSet, sampling: Sampling, cache=None, on_video=None):
    """(pooled embeddings [N, D], class indices [N], unreadable clips) of the support set's readable clips;
    a class left without one stops with one line."""
    kept, targets, skipped = [], [], []
    label_of = dict(zip(support.paths, support.labels))
    for path, features, error in method.features(support.paths, sampling, cache, on_video):
        if error:
            skipped.append(error)
        else:
            kept.append(features)
            targets.append(classes.ids.index(label_of[path]))
    support.require_every_class([classes.ids[t] for t in targets], len(skipped))
    return method.pool(np.stack(kept)), np.array(targets), skipped


def fit_adapter(request, support, classes: LabelSet, *, cache=None, runtime: Runtime | None = None, on_step=None,
                base=None):
    """Learn the adapter ``request.method`` from ``support``: (Adapter, unreadable clips). ``base``: an already
    loaded base method to reuse. ``on_step(**status)`` is called as work progresses."""
    return ADAPTERS.load(request.method).learn(request, support, classes, cache=cache, runtime=runtime,
                                                on_step=on_step, base=base)


def adapter_target(directory: str | Path) -> Path:
    """Where an adapter will be written, checked before any work: writable, and not some other folder."""
    target = require_writable(directory, "--out", directory=True)
    if target.exists() and any(target.iterdir()) and not (target / "adapter.yaml").is_file():
        raise InputError(f"--out {target}: exists and is not an adapter; refusing to overwrite it")
    return target


def save_adapter(adapter: Adapter, directory: str | Path) -> Path:
    from safetensors.numpy import save_file

    target = adapter_target(directory)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        tmp.chmod(user_mode(directory=True))
        state = adapter.head.state()
        save_file({k: np.ascontiguousarray(v) for k, v in state.items()}, str(tmp / "weights.safetensors"))
        if hasattr(adapter.head, "write_extra"):
            adapter.head.write_extra(tmp)
        (tmp / "adapter.yaml").write_text(yaml.safe_dump({"format": FORMAT, "actionzs": __version__,
                                                          **adapter.info.as_dict()}, sort_keys=False), encoding="utf-8")
        if target.exists():
            shutil.rmtree(target)
        os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target


def load_adapter(directory: str | Path) -> Adapter:
    from safetensors.numpy import load_file

    directory = Path(directory).expanduser()
    meta_path = directory / "adapter.yaml"
    if not meta_path.is_file():
        raise InputError(f"{directory}: not an adapter (no adapter.yaml)")
    info = AdapterInfo.from_dict(read_yaml(meta_path), meta_path)
    weights = directory / "weights.safetensors"
    if not weights.is_file():
        raise InputError(f"{weights}: missing; the adapter folder is incomplete (make it again with actionzs adapt)")
    try:
        state = load_file(str(weights))
    except Exception as exc:  # noqa: BLE001 - safetensors raises its own error type for a damaged file
        raise InputError(f"{weights}: not a readable safetensors file ({str(exc).splitlines()[0]})") from None
    kind = ADAPTERS.load(info.method)
    _check_state(state, kind, len(info.classes), weights)
    try:
        head = kind.from_state(state, directory, info)
    except (KeyError, ValueError, RuntimeError) as exc:
        raise InputError(f"{weights}: does not fit a {info.method} adapter ({str(exc).splitlines()[0]})") from None
    return Adapter(info, head, source=str(directory))


def _check_state(state: dict, kind, classes: int, where: Path) -> None:
    """The tensors a head needs are there (``class_axes``: name -> its class axis, or None), and each class axis
    is as long as adapter.yaml's class list."""
    for name, axis in getattr(kind, "class_axes", {}).items():
        if name not in state:
            raise InputError(f"{where}: no tensor '{name}' (a {kind.method} adapter needs it)")
        if axis is None:
            continue
        shape = state[name].shape
        if len(shape) <= axis or shape[axis] != classes:
            raise InputError(f"{where}: '{name}' has shape {list(shape)}, but adapter.yaml lists {classes} classes")


def best_setting(settings: list, score: Callable, default):
    """The setting with the best cross-validated ``score``; among equals, ``default`` when it is one of them
    (a prior the support set gives no reason to leave), otherwise the first."""
    scored = [(score(s), s) for s in settings]
    best = max(value for value, _ in scored)
    tied = [s for value, s in scored if value >= best - 1e-9]
    return default if default in tied else tied[0]
