"""Video captions in the ActivityNet-captions JSON format, from one or several observers.

``{"results": {video_id: [{"sentence": str, "timestamp": [start, end]}, ...]}}``; a bare
``{video_id: [...]}`` mapping is accepted too. Video ids are matched to files by stem, so
``v_PushUps_g01_c01`` in the JSON finds ``PushUps/v_PushUps_g01_c01.avi``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, TypeAdapter

from ..errors import InputError


@dataclass
class Caption:
    sentence: str
    start: float | None = None
    end: float | None = None


@dataclass
class ObserverCaptions:
    """One observer's captions: video id -> captions in time order."""

    name: str
    videos: dict[str, list[Caption]] = field(default_factory=dict)


class _Entry(BaseModel):
    sentence: str
    timestamp: tuple[float | None, float | None] | None = None  # seconds; a text time such as "0:05" is refused


_Captions = TypeAdapter(dict[str, list[_Entry]])


def read_activitynet(path: str | Path, name: str | None = None) -> ObserverCaptions:
    from ..config import read_text, validated_adapter

    path = Path(path).expanduser()
    if not path.is_file():
        raise InputError(f"{path}: no such captions file")
    try:
        data = json.loads(read_text(path, "captions file (UTF-8 JSON)"))
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: malformed JSON (line {exc.lineno})") from None
    results = data.get("results", data) if isinstance(data, dict) else None
    if not isinstance(results, dict):
        raise InputError(f"{path}: expected {{'results': {{video_id: [{{'sentence', 'timestamp'}}]}}}}")
    observer = ObserverCaptions(name or path.parent.name or path.stem)
    for video_id, entries in validated_adapter(_Captions, results, f"{path}: results").items():
        captions = [Caption(e.sentence.strip(), *(e.timestamp or (None, None))) for e in entries]
        captions.sort(key=lambda c: (c.start is None, c.start or 0.0))
        observer.videos[str(video_id)] = [c for c in captions if c.sentence]
    if not observer.videos:
        raise InputError(f"{path}: holds no captions")
    return observer


def read_observers(paths) -> list[ObserverCaptions]:
    paths = list(paths)
    if not paths:
        raise InputError("no captions files given")
    observers = [read_activitynet(p) for p in paths]
    names = [o.name for o in observers]
    if len(set(names)) != len(names):  # same folder name: fall back to file names
        for observer, p in zip(observers, paths):
            observer.name = str(Path(p))
    return observers


def video_key(video: str | Path, known: set[str] | dict) -> str | None:
    """The captions id of a video file or id: its stem, with or without a 'v_' prefix."""
    path = Path(str(video))
    stem = path.stem if path.suffix else str(video)
    folder = f"v_{path.parent.name}_{stem}" if path.suffix and path.parent.name else None  # HMDB51 ids
    for candidate in (str(video), stem, f"v_{stem}", stem[2:] if stem.startswith("v_") else None, folder):
        if candidate and candidate in known:
            return candidate
    return None
