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
from typing import Callable

import numpy as np
import yaml

from .. import __version__
from ..config import read_yaml
from ..errors import InputError
from ..features import Sampling
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
        missing = [k for k in ("method", "base_model", "base_model_key", "classes", "sampling") if k not in data]
        if missing:
            raise InputError(f"{where}: adapter.yaml has no '{missing[0]}'")
        classes = data["classes"]
        return cls(data["method"], data["base_model"], data["base_model_key"], bool(data.get("untrained_base")),
                   LabelSet(data.get("labels_name", "adapter"), tuple(c["id"] for c in classes),
                            tuple(c["text"] for c in classes)),
                   Sampling(**data["sampling"]), data.get("prompts"), data.get("training") or {}, data.get("pixel"))


@dataclass
class Adapter:
    """``info`` says what it classifies (classes, sampling, base model, prompts); ``head`` is what was fitted."""

    info: AdapterInfo
    head: object  # PrototypeAdapter, LinearAdapter, XClipAdapter, ...
    source: str = "adapter"  # where it was loaded from, for messages
    base: object | None = None  # the base VideoMethod, once loaded

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
        kept, targets, skipped = [], [], []
        label_of = dict(zip(support.paths, support.labels))
        for path, features, error in method.features(support.paths, request.sampling, cache,
                                                     (lambda _: on_step()) if on_step else None):
            if error:
                skipped.append(error)
            else:
                kept.append(features)
                targets.append(classes.ids.index(label_of[path]))
        support.require_every_class([classes.ids[t] for t in targets], len(skipped))
        embeddings, targets = method.pool(np.stack(kept)), np.array(targets)
        text = np.asarray(method.classifier(classes, templates, cache).text_embeddings)
        head = cls.fit(embeddings, targets, text, method.encoder.logit_scale, seed=request.seed)
        accuracy = float((head.scores(embeddings).argmax(1) == targets).mean())
        info = AdapterInfo(cls.method, method.model_name, method.key, method.untrained, classes, request.sampling,
                           prompt_name, {"shots": request.shots, "seed": request.seed, "support_clips": len(kept),
                                         "skipped_clips": len(skipped), "support_accuracy": accuracy, **head.record()})
        return Adapter(info, head, base=method), skipped


def fit_adapter(request, support, classes: LabelSet, *, cache=None, runtime: Runtime | None = None, on_step=None,
                base=None):
    """Learn the adapter ``request.method`` from ``support``: (Adapter, unreadable clips). ``base``: an already
    loaded base method to reuse. ``on_step(**status)`` is called as work progresses."""
    return ADAPTERS.load(request.method).learn(request, support, classes, cache=cache, runtime=runtime,
                                                on_step=on_step, base=base)


def save_adapter(adapter: Adapter, directory: str | Path) -> Path:
    from safetensors.numpy import save_file

    target = Path(directory).expanduser()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        state = adapter.head.state()
        save_file({k: np.ascontiguousarray(v) for k, v in state.items()}, str(tmp / "weights.safetensors"))
        if hasattr(adapter.head, "write_extra"):
            adapter.head.write_extra(tmp)
        (tmp / "adapter.yaml").write_text(yaml.safe_dump({"format": FORMAT, "actionzs": __version__,
                                                          **adapter.info.as_dict()}, sort_keys=False), encoding="utf-8")
        if target.exists():
            if not (target / "adapter.yaml").is_file():
                raise InputError(f"{target}: exists and is not an adapter; refusing to overwrite it")
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
    data = read_yaml(meta_path)
    if data.get("format") != FORMAT:
        raise InputError(f"{meta_path}: not an {FORMAT} file")
    if data.get("method") not in ADAPTERS:
        raise InputError(f"{meta_path}: unknown adapter method {data.get('method')!r}")
    info = AdapterInfo.from_dict(data, meta_path)
    head = ADAPTERS.load(info.method).from_state(load_file(str(directory / "weights.safetensors")), directory, info)
    return Adapter(info, head, source=str(directory))


def best_setting(settings: list, score: Callable, default):
    """The setting with the best cross-validated ``score``; among equals, ``default`` when it is one of them
    (a prior the support set gives no reason to leave), otherwise the first."""
    scored = [(score(s), s) for s in settings]
    best = max(value for value, _ in scored)
    tied = [s for value, s in scored if value >= best - 1e-9]
    return default if default in tied else tied[0]
