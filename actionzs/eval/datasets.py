"""Datasets on disk: class-folder layouts, split/list files, and the naming schemes that say a video's class.

Split files are read in the formats they are published in:

* UCF101 ``testlistNN.txt`` (``Class/v_Class_gXX_cYY.avi``) and ``trainlistNN.txt`` (``... index``);
* ``path label`` lists (mmaction2 and ViFi-CLIP style: ``class/file.avi 3`` or ``file.avi 3``);
* HMDB51 ``<class>_test_splitN.txt`` (``file.avi 0|1|2``; 1 = train, 2 = test);
* few-shot episode lists (``Class/v_name`` without extension);
* Kinetics-600 zero-shot lists (``train/<youtube id>_<start>_<end>.mp4 index`` with a label CSV).

The class of a video comes from its folder when the line has one, else from the dataset's file-name scheme,
else from the line's label index into ``label_names``.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from ..config import read_text
from ..errors import InputError
from ..text.labels import LabelSet
from ..video.inputs import VIDEO_EXTENSIONS


# HMDB51 file names: <title>_<class>_<body part>_<camera motion>_<people>_<viewpoint>_<quality>_<n>
_HMDB_META = re.compile(r"^(.*)_[a-z]_(?:cm|nm)_np\d+_[a-z]+_[a-z]+_\d+$")
_UCF_NAME = re.compile(r"^v_([A-Za-z]+)_g\d+_c\d+$")


def hmdb51_class_of(video_id: str, classes) -> str:
    """The HMDB51 class encoded in a file name or caption id (the longest class name that ends the title)."""
    match = _HMDB_META.match(video_id)
    if not match:
        raise InputError(f"'{video_id}' does not follow the HMDB51 naming scheme")
    head = match.group(1)
    found = [c for c in classes if head == c or head.endswith("_" + c)]
    if not found:
        raise InputError(f"'{video_id}' names no HMDB51 class")
    return max(found, key=len)


def ucf101_class_of(video_id: str, classes) -> str:
    match = _UCF_NAME.match(video_id)
    if not match:
        raise InputError(f"'{video_id}' does not follow the UCF101 naming scheme v_Class_gXX_cYY")
    lookup = {c.lower(): c for c in classes}
    name = match.group(1).lower()
    if name not in lookup:  # the official quirk: HandStandPushups files of class HandstandPushups
        raise InputError(f"'{video_id}' names no UCF101 class")
    return lookup[name]


@dataclass(frozen=True)
class VideoItem:
    """A video of a split: its path as the split names it (relative to the dataset root) and its class id."""

    path: str
    label: str


def read_label_csv(path: str | Path) -> list[str]:
    """``id,name`` CSV (ViFi-CLIP / Kinetics-600 zero-shot) -> names in id order."""
    rows = list(csv.reader(io.StringIO(read_text(path, "label CSV"), newline="")))
    if not rows or [c.strip().lower() for c in rows[0][:2]] != ["id", "name"]:
        raise InputError(f"{path}: expected a CSV with header 'id,name'")
    try:
        pairs = sorted((int(r[0]), r[1].strip()) for r in rows[1:] if r)
    except (ValueError, IndexError):
        raise InputError(f"{path}: malformed row (need 'id,name')") from None
    if [i for i, _ in pairs] != list(range(len(pairs))):
        raise InputError(f"{path}: ids must run 0..N-1")
    return [name for _, name in pairs]


def read_split(path: str | Path, labels: LabelSet, dataset: str | None = None,
               label_names: list[str] | None = None) -> list[VideoItem]:
    """Items of a split/list file in any of the module's formats; raises on lines it cannot place."""
    path = Path(path).expanduser()
    if not path.is_file():
        raise InputError(f"{path}: no such split file")
    dataset = dataset or labels.name
    hmdb_official = re.search(r"_test_split\d+\.txt$", path.name)
    items = []
    for number, line in enumerate(read_text(path, "split file").splitlines(), 1):
        parts = line.split()
        if not parts:
            continue
        if len(parts) > 2:
            raise InputError(f"{path}:{number}: expected 'path' or 'path label', got {line.strip()!r}")
        video = parts[0]
        if hmdb_official:
            if len(parts) != 2 or parts[1] not in "012":
                raise InputError(f"{path}:{number}: expected 'file.avi 0|1|2'")
            if parts[1] != "2":
                continue
            label = path.name[: hmdb_official.start()]
            video = f"{label}/{video}"
        elif "/" in video and not video.startswith(("train/", "val/", "test/")):
            label = video.split("/")[0]
        else:
            stem = Path(video).stem
            label = None
            if dataset == "ucf101" and _UCF_NAME.match(stem):
                label = ucf101_class_of(stem, labels.ids)
            elif dataset == "hmdb51" and _HMDB_META.match(stem):
                label = hmdb51_class_of(stem, labels.ids)
            elif len(parts) == 2 and label_names is not None:
                try:
                    label = label_names[int(parts[1])]
                except (ValueError, IndexError):
                    raise InputError(f"{path}:{number}: label {parts[1]!r} is not an index into the label list") from None
            if label is None:
                raise InputError(f"{path}:{number}: cannot tell the class of {video!r} (give a label list)")
        resolved = labels.find(label)
        if resolved is None:
            raise InputError(f"{path}:{number}: class {label!r} is not in label set '{labels.name}'")
        items.append(VideoItem(video, resolved))
    if not items:
        raise InputError(f"{path}: no videos listed")
    return items


def scan_layout(root: str | Path, labels: LabelSet) -> list[VideoItem]:
    """Original layout: one folder per class holding its videos."""
    root = Path(root).expanduser()
    if not root.is_dir():
        raise InputError(f"{root}: dataset root is not a folder")
    items = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        label = labels.find(folder.name)
        if label is None:
            continue
        items.extend(VideoItem(f"{folder.name}/{f.name}", label) for f in sorted(folder.iterdir())
                     if f.suffix.lower() in VIDEO_EXTENSIONS)
    return items


def resolve(root: Path, item: VideoItem) -> Path | None:
    """Where a split's video is under root: as named, without its folder, or with another extension."""
    named = Path(item.path)
    candidates = [root / named, root / named.name, root / item.label / named.name]
    for base in list(candidates):
        if not base.suffix or base.suffix.lower() not in VIDEO_EXTENSIONS:
            candidates.extend(base.with_name(base.name + ext) for ext in VIDEO_EXTENSIONS)
        else:
            candidates.extend(base.with_suffix(ext) for ext in VIDEO_EXTENSIONS if ext != base.suffix.lower())
    return next((c for c in candidates if c.is_file()), None)


@dataclass
class Validation:
    present: list[tuple[VideoItem, Path]]
    missing: list[VideoItem]
    extra: list[str]


def validate(root: str | Path, items: list[VideoItem], labels: LabelSet | None = None) -> Validation:
    """Match a split against the files under root; a few missing videos are reported, most missing is an error."""
    root = Path(root).expanduser()
    if not root.is_dir():
        raise InputError(f"{root}: dataset root is not a folder")
    present, missing = [], []
    for item in items:
        found = resolve(root, item)
        if found is None:
            missing.append(item)
        else:
            present.append((item, found))
    used = {p.resolve() for _, p in present}
    on_disk = [p for p in root.rglob("*") if p.suffix.lower() in VIDEO_EXTENSIONS]
    extra = sorted(str(p.relative_to(root)) for p in on_disk if p.resolve() not in used)
    if not present:
        raise InputError(f"{root}: none of the {len(items)} videos of the split were found")
    if len(missing) > len(items) / 2:  # a wrong --root or a partial download: numbers over the rest would mislead
        raise InputError(f"{root}: only {len(present)} of the {len(items)} videos the split lists were found "
                         f"(e.g. {missing[0].path} is missing); check --root, or evaluate a split file that lists "
                         f"only the videos you have")
    return Validation(present, missing, extra)


def class_counts(items: list[VideoItem]) -> Counter:
    return Counter(item.label for item in items)
