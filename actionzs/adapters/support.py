"""Support sets: the few labelled clips an adapter learns from."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..config import read_text
from ..errors import InputError
from ..text.labels import LabelSet


@dataclass
class SupportSet:
    paths: list[str]
    labels: list[str]  # class ids

    def per_class(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for label in self.labels:
            out[label] = out.get(label, 0) + 1
        return out

    def require_every_class(self, readable_labels, unreadable: int) -> None:
        """Every class must keep a readable clip: a class without one could never be learned."""
        empty = sorted(set(self.labels) - set(readable_labels))
        if empty:
            raise InputError(f"class '{empty[0]}' has no readable support clip ({unreadable} clip(s) unreadable)")


def read_support(spec: str | Path, labels: LabelSet | None = None) -> tuple[SupportSet, LabelSet]:
    """A folder of class-named subfolders, or a list file of ``path label`` lines (paths relative to it)."""
    from ..video.inputs import VIDEO_EXTENSIONS

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
        for number, line in enumerate(read_text(spec, "support list").splitlines(), 1):
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
    unknown = [n for n in names if labels.find(n) is None]
    if unknown:
        raise InputError(f"support class '{unknown[0]}' is not in label set '{labels.name}'")
    return SupportSet([p for p, _ in pairs], [labels.find(label) for _, label in pairs]), labels


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


def read_unlabelled(spec: str | Path, option: str) -> list[str]:
    """Videos without labels: a folder (searched recursively) or a list file of paths (a ``path label`` list
    too; labels are ignored). Paths in a list are relative to it."""
    from ..video.inputs import folder_videos

    spec = Path(spec).expanduser()
    if spec.is_dir():
        paths = folder_videos(spec)
    elif spec.is_file():
        paths = []
        for line in read_text(spec, f"{option} list").splitlines():
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            head = line.rpartition(" ")[0]
            path = line if (spec.parent / line).exists() or not head else head
            paths.append(str(Path(path) if Path(path).is_absolute() else spec.parent / path))
    else:
        raise InputError(f"{option} {spec}: no such folder or list file")
    if not paths:
        raise InputError(f"{option} {spec}: holds no videos")
    return paths
