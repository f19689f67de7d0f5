"""Zero-shot evaluation of caption matching on precomputed captions (HMDB51 "tell me what you see")."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import InputError
from ..methods.caption_match import CaptionMatcher
from ..text.captions import ObserverCaptions
from ..text.corpora import class_sentences
from ..text.labels import LabelSet
from .datasets import hmdb51_class_of
from .metrics import mean_std, summarize


@dataclass
class CaptionedVideos:
    """Videos with a known class and what each observer said about them."""

    ids: list[str]
    targets: list[str]
    captions: list[list[list[str]]]  # [video][observer] -> sentences
    observers: list[str]


def captioned_videos(observers: list[ObserverCaptions], labels: LabelSet, dataset: str) -> CaptionedVideos:
    if dataset != "hmdb51":
        raise InputError(f"caption evaluation reads class names from HMDB51 ids; '{dataset}' is not supported yet")
    ids = sorted(set().union(*(o.videos for o in observers)))
    if not ids:
        raise InputError("the captions files hold no videos")
    targets = [hmdb51_class_of(v[2:] if v.startswith("v_") else v, labels.ids) for v in ids]
    captions = [[[c.sentence for c in o.videos.get(v, [])] for o in observers] for v in ids]
    return CaptionedVideos(ids, targets, captions, [o.name for o in observers])


def evaluate_captions(videos: CaptionedVideos, labels: LabelSet, request, embedder, options) -> dict:
    """Run every split of ``request.protocol`` with CaptionOptions ``options``; returns per-run metrics and the
    mean and std of top-1 (in %)."""
    protocol = request.protocol
    sentences = class_sentences(labels, options.descriptions, embedder, dataset=protocol.dataset)
    full = CaptionMatcher(labels, sentences, embedder, options.match)
    embeddings = full.embed_videos(videos.captions)  # embedded once, reused by every split
    targets = np.asarray(videos.targets)
    results = []
    for test_classes in protocol.splits(labels, runs=request.runs, seed=request.seed):
        matcher = full.subset(test_classes)
        mask = np.isin(targets, test_classes)
        scores = matcher.similarities(embeddings[mask])
        index = {c: i for i, c in enumerate(test_classes)}
        metrics = summarize(scores, np.array([index[t] for t in targets[mask]]))
        metrics["classes"] = test_classes
        results.append(metrics)
    top1 = [100 * r["top1"] for r in results]
    mean, std = mean_std(top1)
    return {"top1_mean": mean, "top1_std": std, "top1_runs": top1, "runs": results}
