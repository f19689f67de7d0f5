"""Protocol evaluation of video models: split files + dataset root -> features (cached) -> metrics."""

from __future__ import annotations

import glob
from pathlib import Path

import numpy as np

from ..errors import InputError, NotBuiltError
from ..features import Sampling, iter_features
from ..methods.clip_zeroshot import ClipZeroShot, pool_video
from ..text.labels import LabelSet
from .datasets import VideoItem, read_label_csv, read_split, validate
from .episodes import prototype_accuracy, sample_episodes
from .metrics import confidence_interval_95, mean_std, summarize
from .protocols import Protocol


def split_groups(protocol: Protocol, splits_dir: str | Path | None, labels: LabelSet) -> list[tuple[str, list[VideoItem], LabelSet]]:
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
            split_labels = labels.subset([labels.ids[_index_of(labels, n)] for n in names])
        items = [i for p in paths for i in read_split(p, split_labels, protocol.dataset, label_names=names)]
        groups.append((pattern, items, split_labels))
    return groups


def _index_of(labels: LabelSet, name: str) -> int:
    from ..text.corpora import normalise_name

    keys = [normalise_name(i) for i in labels.ids]
    try:
        return keys.index(normalise_name(name))
    except ValueError:
        raise InputError(f"class {name!r} is not in label set '{labels.name}'") from None


def evaluate_videos(protocol: Protocol, root, splits_dir, encoder, labels: LabelSet, templates: list[str],
                    sampling: Sampling, cache=None, runs=None, seed=None, episodes=None, on_video=None) -> dict:
    if protocol.kind == "few-shot":
        raise NotBuiltError(f"protocol {protocol.name} adapts on K-shot support sets: `actionzs adapt` is not built yet")
    groups = split_groups(protocol, splits_dir, labels)
    if not groups:
        from .datasets import scan_layout

        groups = [("folder layout", scan_layout(root, labels), labels)]
    results, data = [], []
    for name, items, split_labels in groups:
        check = validate(root, items)
        feats, errors = {}, []
        for path, value, error in iter_features([str(p) for _, p in check.present], encoder, sampling, cache):
            if error:
                errors.append(error)
            else:
                feats[path] = value
            if on_video:
                on_video(path)
        present = [(item, str(p)) for item, p in check.present if str(p) in feats]
        data.append({"split": name, "listed": len(items), "found": len(check.present), "missing": len(check.missing),
                     "missing_examples": [m.path for m in check.missing[:5]], "unreadable": errors[:20],
                     "evaluated": len(present)})
        if not present:
            raise InputError(f"{root}: no readable video of split {name}")
        embeddings = pool_video(np.stack([feats[p] for _, p in present])).numpy()
        targets = [item.label for item, _ in present]
        if protocol.kind == "episodic":
            results.append(_episodic(protocol, embeddings, targets, episodes, seed))
            continue
        class_runs = protocol.splits(split_labels, runs=runs, seed=seed) if (
            protocol.test_classes is not None or protocol.test_classes_per_run) else [list(split_labels.ids)]
        for test_classes in class_runs:
            keep = [i for i, t in enumerate(targets) if t in set(test_classes)]
            scorer = ClipZeroShot(encoder, split_labels.subset(test_classes), templates)
            scores = (encoder.logit_scale * embeddings[keep] @ scorer.text_embeddings.numpy().T)
            index = {c: i for i, c in enumerate(test_classes)}
            metrics = summarize(scores, np.array([index[targets[i]] for i in keep]))
            metrics["classes"] = list(test_classes)
            metrics["split"] = name
            results.append(metrics)
    top1 = [100 * r["top1"] for r in results]
    mean, std = mean_std(top1)
    out = {"top1_mean": mean, "top1_std": std, "top1_runs": top1, "runs": results, "data": data}
    if protocol.kind == "episodic":
        out["ci95"] = results[0]["ci95"]
    return out


def _episodic(protocol: Protocol, embeddings, targets, episodes, seed) -> dict:
    extra = protocol.extra
    accs = [100 * prototype_accuracy(embeddings, ep) for ep in sample_episodes(
        targets, extra.get("ways", 5), extra.get("shots", 1), extra.get("queries", 5),
        episodes or extra.get("episodes", 10000), protocol.seed if seed is None else seed)]
    return {"top1": float(np.mean(accs)) / 100, "ci95": confidence_interval_95(accs), "episodes": len(accs),
            "classes": sorted(set(targets)), "top5": float("nan"), "mean_class_accuracy": float("nan"),
            "per_class": [], "confusion": [], "num_videos": len(targets)}
