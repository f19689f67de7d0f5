"""Zero-shot evaluation of caption matching on observers' captions ("tell me what you see"), for any dataset.

A caption id's class comes from, in order: a ``video<TAB>label`` mapping file (``--video-labels``), the
protocol's split lists (``--splits``: UCF101/HMDB51 test lists, Kinetics-600's eval lists), or the dataset's
file-name scheme (UCF101 ``v_Class_gXX_cYY``, HMDB51 ``<title>_<class>_<meta>``). Ids are matched with or
without a ``v_`` prefix and an extension; a Kinetics id also by its YouTube id (the first 11 characters).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..config import read_text
from ..errors import InputError
from ..methods.caption_match import CaptionMatcher
from ..text.captions import ObserverCaptions
from ..text.corpora import class_sentences
from ..text.labels import LabelSet
from ..video.inputs import VIDEO_EXTENSIONS
from .datasets import hmdb51_class_of, ucf101_class_of
from .loop import ScoredGroup, run_protocol

_SCHEMES = {"hmdb51": hmdb51_class_of, "ucf101": ucf101_class_of}


@dataclass
class CaptionedVideos:
    """Videos with a known class and what each observer said about them."""

    ids: list[str]
    targets: list[str]
    captions: list[list[list[str]]]  # [video][observer] -> sentences
    observers: list[str]

    def subset(self, keep: list[int]) -> "CaptionedVideos":
        return CaptionedVideos([self.ids[i] for i in keep], [self.targets[i] for i in keep],
                               [self.captions[i] for i in keep], self.observers)


def id_forms(video_id: str) -> list[str]:
    """The forms under which a video may be named: as is, without folders and extension, without ``v_``."""
    stem = Path(video_id).stem if Path(video_id).suffix.lower() in VIDEO_EXTENSIONS else video_id
    stem = stem.rsplit("/", 1)[-1]
    forms = [video_id, stem, stem[2:] if stem.startswith("v_") else "v_" + stem]
    return list(dict.fromkeys(forms))


def read_video_labels(path: str | Path, labels: LabelSet) -> dict[str, str]:
    """A ``video<TAB>label`` file (label: a class name or id of ``labels``) -> {video id: class id}."""
    out = {}
    for number, line in enumerate(read_text(path, "video-labels file").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        video, sep, label = line.rstrip("\r").partition("\t")
        if not sep or not video.strip() or not label.strip():
            raise InputError(f"{path}:{number}: expected 'video<TAB>label'")
        out[video.strip()] = labels.id_of(label.strip())
    if not out:
        raise InputError(f"{path}: no 'video<TAB>label' lines")
    return out


def _lookup(known: dict[str, str], dataset: str) -> dict[str, str]:
    """Every form of every known video id -> its class."""
    table = {}
    for video, label in known.items():
        for form in id_forms(video):
            table.setdefault(form, label)
        if dataset == "kinetics600":
            table.setdefault(id_forms(video)[1][:11], label)
    return table


def captioned_videos(observers: list[ObserverCaptions], labels: LabelSet, dataset: str,
                     known: dict[str, str] | None = None) -> CaptionedVideos:
    """Every captioned video whose class can be told. With ``known`` ({video id: class}) only those videos are
    kept; without it the dataset's naming scheme decides, and an id that does not follow it is an error."""
    ids = sorted(set().union(*(o.videos for o in observers)))
    if not ids:
        raise InputError("the captions files hold no videos")
    table = _lookup(known, dataset) if known is not None else None
    if table is None and dataset not in _SCHEMES:
        raise InputError(f"{dataset} video ids do not name their class: give --splits (the protocol's lists) or "
                         f"--video-labels FILE (video<TAB>label lines)")
    kept, targets = [], []
    for video in ids:
        if table is not None:
            label = next((table[f] for f in id_forms(video) + [video[:11]] if f in table), None)
            if label is None:
                continue
        else:
            label = _class_by_scheme(video, dataset, labels)
        kept.append(video)
        targets.append(label)
    if not kept:
        raise InputError("none of the captioned videos is in the mapping (check the ids of --video-labels or "
                         "--splits against the captions files)")
    captions = [[[c.sentence for c in o.videos.get(v, [])] for o in observers] for v in kept]
    return CaptionedVideos(kept, targets, captions, [o.name for o in observers])


def evaluate_captions(videos: CaptionedVideos, labels: LabelSet, request, embedder, options,
                      groups: list | None = None) -> dict:
    """Run every split of ``request.protocol`` with CaptionOptions ``options``; returns per-run metrics and the
    mean and std of top-1 (in %). ``groups``: (name, {video id: class}, label set) per split list, when the
    protocol has them; each is evaluated on its own videos and classes."""
    protocol = request.protocol
    sentences = class_sentences(labels, options.descriptions, embedder, dataset=protocol.dataset)
    full = CaptionMatcher(labels, sentences, embedder, options.match)
    embeddings = full.embed_videos(videos.captions)  # embedded once, reused by every split
    targets = np.asarray(videos.targets)
    scored = []
    for name, members, split_labels in groups or [(None, None, labels)]:
        in_split = (np.ones(len(videos.ids), bool) if members is None
                    else np.isin(np.arange(len(videos.ids)), _members(videos, members, protocol.dataset)))
        scored.append(ScoredGroup(name, split_labels, np.where(in_split, targets, ""),
                                  lambda rows, classes: full.subset(classes).similarities(embeddings[rows])))
    return run_protocol(protocol, scored, request.runs, request.seed)


def _class_by_scheme(video: str, dataset: str, labels: LabelSet) -> str:
    problem = None
    for form in id_forms(video):
        try:
            return _SCHEMES[dataset](form, labels.ids)
        except InputError as exc:
            problem = problem or exc
    raise InputError(f"{problem} (give --video-labels FILE to name the classes of other ids)")


def _members(videos: CaptionedVideos, members: dict[str, str], dataset: str) -> list[int]:
    table = _lookup(members, dataset)
    return [i for i, video in enumerate(videos.ids) if any(f in table for f in id_forms(video) + [video[:11]])]
