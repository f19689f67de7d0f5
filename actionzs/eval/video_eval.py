"""Protocol evaluation of video models: split files + dataset root -> features (cached) -> metrics."""

from __future__ import annotations

import glob
from pathlib import Path

import numpy as np

from ..errors import InputError
from ..features import Sampling, encode_video, iter_features
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


def _embed(items, root, encoder, sampling, cache, on_video, encode=encode_video):
    """(present items, cached features [N, ...], data summary) for the items found under root."""
    check = validate(root, items)
    feats, errors = {}, []
    for path, value, error in iter_features([str(p) for _, p in check.present], encoder, sampling, cache, encode):
        if error:
            errors.append(error)
        else:
            feats[path] = value
        if on_video:
            on_video(path)
    present = [item for item, p in check.present if str(p) in feats]
    summary = {"listed": len(items), "found": len(check.present), "missing": len(check.missing),
               "missing_examples": [m.path for m in check.missing[:5]], "unreadable": errors[:20],
               "evaluated": len(present)}
    if not present:
        raise InputError(f"{root}: none of the listed videos could be read")
    paths = [str(p) for _, p in check.present if str(p) in feats]
    return present, np.stack([feats[p] for p in paths]), summary


def _few_shot_scorer(protocol, splits_dir, root, encoder, labels, templates, sampling, cache, on_video, method):
    from ..methods.fewshot import ADAPTERS

    if method not in ADAPTERS:
        raise InputError(f"unknown adapter method '{method}' (available: {', '.join(ADAPTERS)})")
    train = read_split(Path(splits_dir).expanduser() / protocol.extra["train_file"], labels, protocol.dataset)
    present, features, summary = _embed(train, root, encoder, sampling, cache, on_video)
    embeddings = pool_video(features).numpy()
    text = ClipZeroShot(encoder, labels, templates).text_embeddings.numpy()
    targets = np.array([labels.ids.index(i.label) for i in present])
    fitted = ADAPTERS[method].fit(embeddings, targets, text, encoder.logit_scale)
    score = lambda feats: fitted.scores(pool_video(feats).numpy())  # noqa: E731
    return score, labels, {"split": protocol.extra["train_file"], "role": "support", **summary}


def evaluate_videos(protocol: Protocol, root, splits_dir, encoder, labels: LabelSet, templates: list[str],
                    sampling: Sampling, cache=None, runs=None, seed=None, episodes=None, on_video=None,
                    adapter=None, adapter_labels: LabelSet | None = None, adapt_method: str = "prototype",
                    encode=encode_video, pool=None) -> dict:
    """Evaluate under a protocol. ``adapter`` (scores from cached features over ``adapter_labels``) replaces the
    zero-shot text classifier; few-shot protocols fit one on their support file first. ``encode`` and ``pool``
    (features -> unit embeddings, for episodes) follow the model family."""
    pool = pool or (lambda feats: pool_video(feats).numpy())
    data = []
    if protocol.kind == "few-shot":
        if splits_dir is None:
            raise InputError(f"protocol {protocol.name} reads its support and test lists from --splits")
        adapter, adapter_labels, support_summary = _few_shot_scorer(
            protocol, splits_dir, root, encoder, labels, templates, sampling, cache, on_video, adapt_method)
        data.append(support_summary)
    groups = split_groups(protocol, splits_dir, labels)
    if not groups:
        from .datasets import scan_layout

        groups = [("folder layout", scan_layout(root, labels), labels)]
    results = []
    for name, items, split_labels in groups:
        present, features, summary = _embed(items, root, encoder, sampling, cache, on_video, encode)
        data.append({"split": name, "role": "test", **summary})
        targets = [item.label for item in present]
        if protocol.kind == "episodic":
            results.append(_episodic(protocol, pool(features), targets, episodes, seed))
            continue
        class_runs = (protocol.splits(split_labels, runs=runs, seed=seed) if protocol.restricts_classes
                      else [list(split_labels.ids)])
        for test_classes in class_runs:
            keep = [i for i, t in enumerate(targets) if t in set(test_classes)]
            if adapter is not None:
                missing = [c for c in test_classes if c not in adapter_labels.ids]
                if missing:
                    raise InputError(f"the adapter has no class '{missing[0]}' that protocol {protocol.name} tests")
                columns = [adapter_labels.ids.index(c) for c in test_classes]
                scores = adapter(features[keep])[:, columns]
            else:
                scorer = ClipZeroShot(encoder, split_labels.subset(test_classes), templates)
                scores = scorer.scores(features[keep])
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
