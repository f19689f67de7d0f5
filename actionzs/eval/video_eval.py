"""Protocol evaluation of video methods: split files + dataset root -> features (cached) -> metrics.

Any zero-shot method (or an adapter over one) is scored the same way: its classifier is built once per label
set and each run keeps the columns of its test classes.
"""

from __future__ import annotations

import glob
from pathlib import Path

import numpy as np

from ..errors import InputError
from ..provenance import files_digest
from .datasets import VideoItem, read_label_csv, read_split, scan_layout, validate
from .episodes import EPISODE_CLASSIFIERS, sample_episodes
from .loop import ScoredGroup, run_protocol, top1_over_runs
from .metrics import confidence_interval_95


def split_groups(protocol, splits_dir, labels):
    """(name, items, label set) per split file group the protocol names."""
    files = protocol.extra.get("split_files")
    if not files:
        return []
    if splits_dir is None:
        raise InputError(f"protocol {protocol.name} reads {', '.join(files)}: give the folder with --splits")
    folder = Path(splits_dir).expanduser()
    label_files = protocol.extra.get("label_files") or [None] * len(files)
    groups = []
    for pattern, label_file in zip(files, label_files):
        paths = sorted(glob.glob(str(folder / pattern)))
        if not paths:
            raise InputError(f"{folder}: no split file matches {pattern!r}")
        split_labels, names = labels, None
        if label_file:
            names = read_label_csv(folder / label_file)
            split_labels = labels.subset([labels.id_of(n) for n in names])
        items = [i for p in paths for i in read_split(p, split_labels, protocol.dataset, label_names=names)]
        groups.append((pattern, items, split_labels))
    return groups


def embed_items(items: list[VideoItem], root, method, sampling, cache=None, on_video=None):
    """(items read, their features [N, ...], data summary) for the items of a split found under root."""
    check = validate(root, items)
    feats, errors = {}, []
    for path, value, error in method.features([str(p) for _, p in check.present], sampling, cache, on_video):
        if error:
            errors.append(error)
        else:
            feats[path] = value
    present = [(item, str(p)) for item, p in check.present if str(p) in feats]
    summary = _data_summary(items, check, errors, len(present))
    summary["sha256"] = files_digest({item.path: path for item, path in present})  # digests the cache already knows
    if not present:
        raise InputError(f"{root}: none of the listed videos could be read")
    return [item for item, _ in present], np.stack([feats[p] for _, p in present]), summary


def evaluate_videos(request, method, labels, templates, sampling, cache=None, on_video=None, adapter=None) -> dict:
    """Evaluate ``method`` under ``request.protocol``. An ``adapter`` (over ``method``'s features) replaces the
    zero-shot classifier; few-shot protocols fit one on their support list first."""
    protocol, data = request.protocol, []
    if protocol.kind == "few-shot":
        adapter, support_summary = _fit_on_support(request, method, labels, sampling, cache, on_video)
        data.append(support_summary)
    groups = split_groups(protocol, request.splits, labels) or [("folder layout", scan_layout(request.root, labels), labels)]
    scored, episodic = [], []
    for name, items, split_labels in groups:
        present, features, summary = embed_items(items, request.root, method, sampling, cache, on_video)
        data.append({"split": name, "role": "test", **summary})
        targets = np.array([item.label for item in present])
        if protocol.kind == "episodic":
            episodic.append(_episodic(protocol, method.pool(features), [item.label for item in present], request.episodes,
                                     request.seed))
        else:
            scorer = adapter.scorer(method) if adapter else method.classifier(split_labels, templates, cache).scores
            scored.append(ScoredGroup(name, split_labels, targets, _columns(scorer(features), adapter, split_labels,
                                                                           protocol.name)))
    if episodic:
        return {**top1_over_runs(episodic), "data": data, "ci95": episodic[0]["ci95"]}
    return {**run_protocol(protocol, scored, request.runs, request.seed), "data": data}


def _columns(all_scores: np.ndarray, adapter, split_labels, protocol: str):
    """The group's scores over any of its classes (the adapter's classes, or the split's label set)."""
    scored = adapter.info.classes if adapter else split_labels

    def scores(rows, classes):
        missing = [c for c in classes if c not in scored.ids]
        if missing:
            raise InputError(f"the adapter has no class '{missing[0]}' that protocol {protocol} tests")
        return all_scores[rows][:, [scored.ids.index(c) for c in classes]]
    return scores


def _fit_on_support(request, method, labels, sampling, cache, on_video):
    """The few-shot protocol's adapter, fitted on its support list: (adapter, data summary)."""
    from ..adapters import FROZEN_FEATURE_ADAPTERS
    from ..adapters.base import fit_adapter
    from ..adapters.support import SupportSet
    from ..options import AdaptRequest

    protocol = request.protocol
    if request.adapt_method not in FROZEN_FEATURE_ADAPTERS:
        raise InputError(f"few-shot protocols fit one of {', '.join(FROZEN_FEATURE_ADAPTERS)}, "
                         f"not '{request.adapt_method}'")
    if request.splits is None:
        raise InputError(f"protocol {protocol.name} reads its support and test lists from --splits")
    items = read_split(Path(request.splits).expanduser() / protocol.extra["train_file"], labels, protocol.dataset)
    check = validate(request.root, items)
    support = SupportSet([str(p) for _, p in check.present], [item.label for item, _ in check.present])
    fit = AdaptRequest(method=request.adapt_method, prompts=request.prompts, sampling=sampling)
    adapter, skipped = fit_adapter(fit, support, labels, cache=cache, base=method,
                                   on_step=(lambda **_: on_video(None)) if on_video else None)
    summary = _data_summary(items, check, skipped, len(check.present) - len(skipped))
    return adapter, {"split": protocol.extra["train_file"], "role": "support", **summary}


def _data_summary(items, check, unreadable: list[str], evaluated: int) -> dict:
    """What a report says of a split's videos: listed, found under the root, missing, unreadable, evaluated."""
    return {"listed": len(items), "found": len(check.present), "missing": len(check.missing),
            "missing_examples": [m.path for m in check.missing[:5]], "unreadable": unreadable[:20],
            "evaluated": evaluated}


def _episodic(protocol, embeddings, targets, episodes, seed) -> dict:
    extra = protocol.extra
    name = extra.get("classifier", "prototype")
    if name not in EPISODE_CLASSIFIERS:
        raise InputError(f"protocol {protocol.name}: classifier '{name}' is not one of {', '.join(EPISODE_CLASSIFIERS)}")
    accuracy = EPISODE_CLASSIFIERS[name]
    accs = [100 * accuracy(embeddings, ep) for ep in sample_episodes(
        targets, extra.get("ways", 5), extra.get("shots", 1), extra.get("queries", 5),
        episodes or extra.get("episodes", 10000), protocol.seed if seed is None else seed)]
    return {"top1": float(np.mean(accs)) / 100, "ci95": confidence_interval_95(accs), "episodes": len(accs),
            "classes": sorted(set(targets)), "top5": float("nan"), "mean_class_accuracy": float("nan"),
            "per_class": [], "confusion": [], "num_videos": len(targets)}
