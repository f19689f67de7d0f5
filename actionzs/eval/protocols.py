"""Evaluation protocols are data: YAML files under actionzs/protocols, or a user's file of the same shape.

A zero-shot protocol names its test classes (``test_classes``), lists them per run (``test_class_runs``, for
published fixed splits), or draws ``test_classes_per_run`` of them at random for each of ``runs`` runs from
``seed``. ``splits()`` turns any of these into concrete class lists.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..config import read_yaml, validated
from ..errors import InputError
from ..resources import package_file
from ..text.labels import LabelSet, load_labels


@dataclass
class Protocol:
    name: str
    dataset: str
    kind: str
    description: str = ""
    test_classes: list[str] | None = None
    test_class_runs: list[list[str]] | None = None
    test_classes_per_run: int | None = None
    runs: int = 1
    seed: int = 0
    extra: dict = field(default_factory=dict)

    def splits(self, labels: LabelSet, runs: int | None = None, seed: int | None = None) -> list[list[str]]:
        """Test-class lists, one per run, in label-set order."""
        fixed = [self.test_classes] if self.test_classes is not None else self.test_class_runs
        if fixed is not None:
            out = []
            for run in fixed[: runs or len(fixed)]:
                chosen = set(run)
                unknown = [c for c in run if c not in labels.ids]
                if unknown:
                    raise InputError(f"protocol {self.name}: unknown class '{unknown[0]}' for {labels.name}")
                out.append([c for c in labels.ids if c in chosen])
            return out
        n = self.test_classes_per_run
        if not n or n >= len(labels):
            raise InputError(f"protocol {self.name}: test_classes_per_run must be between 1 and {len(labels) - 1}")
        rng = np.random.default_rng(self.seed if seed is None else seed)
        out = []
        for _ in range(self.runs if runs is None else runs):
            picked = set(rng.choice(len(labels), size=n, replace=False).tolist())
            out.append([c for i, c in enumerate(labels.ids) if i in picked])
        return out

    @property
    def restricts_classes(self) -> bool:
        return self.test_classes is not None or self.test_class_runs is not None or bool(self.test_classes_per_run)


def protocol_dir() -> Path:
    return package_file("protocols")


def available_protocols() -> dict[str, Path]:
    return {p.stem: p for p in sorted(protocol_dir().glob("*.yaml"))}


DATASETS = ("ucf101", "hmdb51", "kinetics600", "ego4d")
KINDS = ("zero-shot", "few-shot", "episodic", "anticipation")


class ProtocolFile(BaseModel):
    """Every setting a protocol YAML may hold. A key not declared here is refused (with the closest name), so a
    misspelt setting can never be ignored silently; the kind's own settings travel in ``Protocol.extra``."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1)
    dataset: Literal[DATASETS]
    kind: Literal[KINDS]
    description: str = ""
    test_classes: list[str] | None = Field(default=None, min_length=1)
    test_class_runs: list[list[str]] | None = Field(default=None, min_length=1)
    test_classes_per_run: int | None = Field(default=None, ge=1)
    runs: int = Field(default=1, ge=1)
    seed: int = Field(default=0, ge=0)
    classifier: Literal["prototype", "logistic"] = "prototype"  # episodic: how queries are scored
    source: str | None = None  # where a published split comes from (documentation)
    split_files: list[str] | None = Field(default=None, min_length=1)  # test lists under --splits (globs allowed)
    label_files: list[str | None] | None = Field(default=None, min_length=1)  # a label file per split file
    train_file: str | None = None  # few-shot: the support list under --splits
    ways: int | None = Field(default=None, ge=2)  # episodic: classes per episode (default 5)
    shots: int | None = Field(default=None, ge=1)  # episodic: support clips per class (default 1)
    queries: int | None = Field(default=None, ge=1)  # episodic: query clips per class (default 5)
    episodes: int | None = Field(default=None, ge=1)  # episodic: episodes (default 10000)
    folds: int | None = Field(default=None, ge=2)  # anticipation: folds by clip (default 5)

    @model_validator(mode="after")
    def _complete(self):
        """Each kind's required settings, checked before any data is read."""
        if self.kind == "few-shot" and (self.train_file is None or not self.split_files):
            raise ValueError("a few-shot protocol names its train_file and split_files")
        if self.label_files is not None and self.split_files and len(self.label_files) != len(self.split_files):
            raise ValueError("label_files: one per split file")
        return self


def load_protocol(name_or_path: str) -> Protocol:
    known = available_protocols()
    path = known.get(name_or_path) or Path(name_or_path).expanduser()
    if not path.is_file():
        close = difflib.get_close_matches(name_or_path, list(known), n=1)
        hint = f"did you mean {close[0]}? " if close else ""
        raise InputError(f"--protocol {name_or_path!r}: no such protocol or file ({hint}`actionzs eval --list`)")
    raw = read_yaml(path)
    if isinstance(raw, dict):
        for key in raw:
            if key not in ProtocolFile.model_fields:
                close = difflib.get_close_matches(str(key), list(ProtocolFile.model_fields), n=1)
                hint = f" (did you mean {close[0]}?)" if close else ""
                raise InputError(f"{path}: unknown setting {key!r}{hint}; settings: "
                                 f"{', '.join(ProtocolFile.model_fields)}")
    checked = validated(ProtocolFile, raw, path)
    data = checked.model_dump(exclude_none=True)
    fields = {k: data.pop(k) for k in list(data) if k in Protocol.__dataclass_fields__ and k != "extra"}
    protocol = Protocol(**fields, extra=data)
    if protocol.restricts_classes and protocol.dataset != "ego4d":  # checked against the classes, before any data
        protocol.splits(load_labels(protocol.dataset), runs=1)
    return protocol
