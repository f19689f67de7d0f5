"""The Ego4D LTA v1 text benchmark: K=5 sequences of Z=20 future actions per window, edit distance / Z,
in-context pools and fitted baselines never containing windows of the evaluated clip (folds by clip)."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from ..errors import InputError
from .baselines import ActionBigram, MostFrequent, repeat_last
from .candidates import candidate_futures, distinct, history_futures
from .data import Vocabulary, clip_folds, format_actions, lta_edit_distance, read_windows
from .icl import ExamplePool
from .selection import choose_k
from .statistics import paired_summary


def _line_index(path: Path) -> dict[str, int]:
    return {line: i for i, line in enumerate(l for l in path.read_text(encoding="utf-8").splitlines() if l.strip())}


def test_windows(root: Path, history: str, subset: bool, vocab: Vocabulary):
    """(evaluated windows, all windows of that history); subset windows take their clip from the full file."""
    full_name = "val_nseg8.jsonl" if history == "gt" else "val_nseg8_recog.jsonl"
    full = read_windows(root / full_name, vocab)
    if not subset:
        return full, full
    sub_path = root / full_name.replace(".jsonl", "_subset600.jsonl")
    index = _line_index(root / full_name)
    lines = [l for l in sub_path.read_text(encoding="utf-8").splitlines() if l.strip()]
    missing = [l for l in lines if l not in index]
    if missing:
        raise InputError(f"{sub_path}: {len(missing)} line(s) are not in {full_name}")
    return [full[index[l]] for l in lines], full


def evaluate_anticipation(root, history: str = "gt", subset: bool = True, limit: int | None = None, folds: int = 5,
                          llm=None, embedder=None, settings=None, on_window=None) -> dict:
    """ED verb/noun/action per method; ``llm`` is an LLMAnticipator (omit it for the baselines alone).
    ``on_window(expected=n)`` announces the windows to come, then ``on_window()`` marks each one done."""
    root = Path(root).expanduser()
    if history not in ("gt", "recog"):
        raise InputError(f"history must be 'gt' or 'recog', got {history!r}")
    vocab = Vocabulary.from_file(root / "dicts.json")
    pool_all = read_windows(root / "val_nseg8.jsonl", vocab)  # annotated sequences: the in-context pool
    evaluated, _ = test_windows(root, history, subset, vocab)
    if limit:
        evaluated = [evaluated[i] for i in np.unique(np.linspace(0, len(evaluated) - 1, limit).round().astype(int))]
    if on_window:
        on_window(expected=len(evaluated))  # the bar's total, so that it shows an ETA
    pool_fold = clip_folds(pool_all, folds)
    fold_of_clip = {w.clip: f for w, f in zip(pool_all, pool_fold)}
    z, k = (settings.z, settings.k) if settings else (20, 5)
    totals: dict[str, dict[str, list]] = {}
    fitted: dict[int, tuple] = {}
    llm_seconds = 0.0
    pool_embeddings = embedder.encode([format_actions(w.observed) for w in pool_all]) if llm else None
    for window in evaluated:
        fold = fold_of_clip[window.clip]
        if fold not in fitted:
            members = [i for i, f in enumerate(pool_fold) if f != fold]
            pool = [pool_all[i] for i in members]
            fitted[fold] = (MostFrequent(pool), ActionBigram(pool),
                            ExamplePool(pool, pool_embeddings[members]) if llm else None)
        frequent, bigram, examples = fitted[fold]
        observed = list(window.observed)
        predictions = {"repeat_last": repeat_last(observed, z, k), "most_frequent": frequent.predict(observed, z, k),
                       "bigram": bigram.predict(observed, z, k)}
        structure = distinct([*history_futures(observed, z), *bigram.predict(observed, z, k)])
        predictions["structure"] = choose_k(structure, np.ones(len(structure)), k)  # uniform weights, set chosen
        if llm:
            query = embedder.encode([format_actions(observed)])[0]
            chosen = examples.select(query, settings.examples, settings.fetch, settings.lam)
            assert all(ex.clip != window.clip for ex in chosen)  # folds: never the evaluated clip
            nearest = examples.nearest(query, settings.candidates) if settings.decoding == "rank" else []
            assert all(w.clip != window.clip for w in nearest)
            candidates = candidate_futures(observed, nearest, bigram, z, k) if settings.decoding == "rank" else None
            started = time.perf_counter()
            predictions["llm"] = llm.predict(observed, chosen, candidates, fallback=lambda o: bigram.predict(o, z, 1))
            llm_seconds += time.perf_counter() - started
            if candidates:  # the ablation: the same candidates and set choice, the LLM's weights made uniform
                predictions["uniform_weights"] = choose_k(candidates, np.ones(len(candidates)), k)
        for method, sequences in predictions.items():
            for part, value in lta_edit_distance(sequences, list(window.future), z).items():
                totals.setdefault(method, {}).setdefault(part, []).append(value)
        if on_window:
            on_window()
    results = {m: {part: float(np.mean(v)) for part, v in parts.items()} for m, parts in totals.items()}
    reference = "llm" if "llm" in totals else "structure"
    summary = paired_summary({m: parts["action"] for m, parts in totals.items()}, [w.clip for w in evaluated],
                             reference)
    for method, bounds in summary["intervals"].items():
        results[method]["action_ci95"] = bounds
    return {"history": history, "windows": len(evaluated), "clips": len({w.clip for w in evaluated}), "folds": folds,
            "z": z, "k": k, "results": results, "reference": reference, "paired": summary["differences"],
            "llm_seconds_per_window": llm_seconds / len(evaluated) if llm else None}
