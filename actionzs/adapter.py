"""Adapters on disk and the support sets they learn from.

An adapter is a directory: ``adapter.yaml`` (method, base model, classes, sampling, prompts, training
settings) and ``weights.safetensors``. It is written to a temporary sibling and renamed into place, so an
interrupted ``adapt`` leaves nothing half-written.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

from . import __version__
from .config import read_yaml
from .errors import InputError
from .text.labels import LabelSet

FORMAT = "actionzs-adapter/1"


@dataclass
class SupportSet:
    paths: list[str]
    labels: list[str]  # class ids

    def per_class(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for label in self.labels:
            out[label] = out.get(label, 0) + 1
        return out


def read_support(spec: str | Path, labels: LabelSet | None = None) -> tuple[SupportSet, LabelSet]:
    """A folder of class-named subfolders, or a list file of ``path label`` lines (paths relative to it)."""
    from .eval.datasets import VIDEO_EXTENSIONS
    from .text.corpora import normalise_name

    spec = Path(spec).expanduser()
    pairs: list[tuple[str, str]] = []
    if spec.is_dir():
        folders = sorted(p for p in spec.iterdir() if p.is_dir())
        if not folders:
            raise InputError(f"{spec}: support folder has no class subfolders")
        for folder in folders:
            clips = sorted(f for f in folder.iterdir() if f.suffix.lower() in VIDEO_EXTENSIONS)
            if not clips:
                raise InputError(f"{folder}: class folder '{folder.name}' holds no videos")
            pairs.extend((str(c), folder.name) for c in clips)
    elif spec.is_file():
        for number, line in enumerate(spec.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip() or line.startswith("#"):
                continue
            path, _, label = line.strip().rpartition(" ")
            if not path or not label:
                raise InputError(f"{spec}:{number}: expected 'path label'")
            full = Path(path) if Path(path).is_absolute() else spec.parent / path
            pairs.append((str(full), label))
        if not pairs:
            raise InputError(f"{spec}: support list is empty")
    else:
        raise InputError(f"{spec}: no such support folder or list file")
    names = list(dict.fromkeys(label for _, label in pairs))
    if labels is None:
        labels = LabelSet(spec.stem, tuple(names), tuple(n.replace("_", " ") for n in names))
    lookup = {normalise_name(i): i for i in labels.ids}
    lookup.update({normalise_name(t): i for i, t in zip(labels.ids, labels.texts)})
    unknown = [n for n in names if normalise_name(n) not in lookup]
    if unknown:
        raise InputError(f"support class '{unknown[0]}' is not in label set '{labels.name}'")
    support = SupportSet([p for p, _ in pairs], [lookup[normalise_name(label)] for _, label in pairs])
    return support, labels


def sample_shots(support: SupportSet, shots: int, seed: int = 0) -> SupportSet:
    """K clips per class, drawn with a seed (the K-shot protocol from a larger labelled set)."""
    rng = np.random.default_rng(seed)
    paths, labels = [], []
    for label, count in support.per_class().items():
        idx = [i for i, l in enumerate(support.labels) if l == label]
        if count < shots:
            raise InputError(f"class '{label}' has {count} clip(s), fewer than --shots {shots}")
        for i in sorted(rng.choice(idx, size=shots, replace=False)):
            paths.append(support.paths[i])
            labels.append(label)
    return SupportSet(paths, labels)


def save_adapter(directory: str | Path, meta: dict, state: dict[str, np.ndarray], write_extra=None) -> Path:
    from safetensors.numpy import save_file

    target = Path(directory).expanduser()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        save_file({k: np.ascontiguousarray(v) for k, v in state.items()}, str(tmp / "weights.safetensors"))
        if write_extra is not None:
            write_extra(tmp)
        (tmp / "adapter.yaml").write_text(yaml.safe_dump({"format": FORMAT, "actionzs": __version__, **meta},
                                                         sort_keys=False), encoding="utf-8")
        if target.exists():
            if not (target / "adapter.yaml").is_file():
                raise InputError(f"{target}: exists and is not an adapter; refusing to overwrite it")
            shutil.rmtree(target)
        os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target


def load_adapter(directory: str | Path):
    """(metadata, adapter object) from an adapter directory; for X-CLIP the object is the tuned encoder."""
    from safetensors.numpy import load_file

    from .methods.fewshot import ADAPTERS

    directory = Path(directory).expanduser()
    meta_path = directory / "adapter.yaml"
    if not meta_path.is_file():
        raise InputError(f"{directory}: not an adapter (no adapter.yaml)")
    meta = read_yaml(meta_path)
    if meta.get("format") != FORMAT:
        raise InputError(f"{meta_path}: not an {FORMAT} file")
    if meta.get("method") not in (*ADAPTERS, "xclip"):
        raise InputError(f"{meta_path}: unknown adapter method {meta.get('method')!r}")
    state = load_file(str(directory / "weights.safetensors"))
    if meta["method"] == "xclip":
        return meta, _load_xclip_adapter(directory, meta, state)
    return meta, ADAPTERS[meta["method"]].from_state(state)


def _load_xclip_adapter(directory: Path, meta: dict, state: dict):
    import torch
    from transformers import CLIPTokenizer, XCLIPConfig, XCLIPModel

    from .models.xclip import wrap
    from .video.transforms import PixelSpec

    model = XCLIPModel(XCLIPConfig.from_json_file(str(directory / "xclip_config.json")))
    model.load_state_dict({k: torch.from_numpy(v) for k, v in state.items()})
    tokenizer = CLIPTokenizer.from_pretrained(str(directory / "tokenizer"))
    pixel = PixelSpec(**{k: tuple(v) if isinstance(v, list) else v for k, v in meta["pixel"].items()})
    return wrap(f"adapter:{directory}", model.eval(), tokenizer, bool(meta.get("untrained_base")), pixel)


def adapter_labels(meta: dict) -> LabelSet:
    classes = meta["classes"]
    return LabelSet(meta.get("labels_name", "adapter"), tuple(c["id"] for c in classes), tuple(c["text"] for c in classes))
