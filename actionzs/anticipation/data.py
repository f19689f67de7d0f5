"""Ego4D long-term anticipation as text: vocabularies, windows, clips, folds and the edit-distance metric."""

from __future__ import annotations

import difflib
import functools
import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pydantic import BaseModel, Field, NonNegativeInt, ValidationError

from ..config import read_text, validated
from ..errors import InputError

Action = tuple[str, str]  # (verb, noun)


class _Lists(BaseModel):
    verbs: list[str] = Field(min_length=1)
    nouns: list[str] = Field(min_length=1)


class _Indexed(BaseModel):
    i2v: dict[NonNegativeInt, str] = Field(min_length=1)
    i2n: dict[NonNegativeInt, str] = Field(min_length=1)


class _WindowRow(BaseModel):
    prompt: str
    completion: str


@dataclass(frozen=True)
class Vocabulary:
    verbs: tuple[str, ...]
    nouns: tuple[str, ...]

    @classmethod
    def from_file(cls, path: str | Path) -> "Vocabulary":
        """Ego4D's fho_lta_taxonomy.json (``{"verbs": [...], "nouns": [...]}``, synonyms in parentheses are
        dropped) or AntGPT's dicts.json (``i2v``/``i2n``)."""
        path = Path(path).expanduser()
        try:
            data = json.loads(read_text(path, "vocabulary"))
        except json.JSONDecodeError:
            raise InputError(f"{path}: not a readable JSON vocabulary") from None
        if not isinstance(data, dict) or not ({"verbs", "nouns"} <= data.keys() or {"i2v", "i2n"} <= data.keys()):
            raise InputError(f"{path}: expected a JSON object with 'verbs' and 'nouns' (or 'i2v' and 'i2n')")
        if "verbs" in data and "nouns" in data:
            lists = validated(_Lists, data, path)
            verbs, nouns = lists.verbs, lists.nouns
        else:
            maps = validated(_Indexed, data, path)
            verbs, nouns = [maps.i2v[k] for k in sorted(maps.i2v)], [maps.i2n[k] for k in sorted(maps.i2n)]
        clean = lambda names: tuple(dict.fromkeys(re.sub(r"_\(.*\)$", "", n).strip() for n in names))  # noqa: E731
        vocab = cls(clean(verbs), clean(nouns))
        if not all(vocab.verbs) or not all(vocab.nouns):
            raise InputError(f"{path}: a verb or noun is empty")
        return vocab

    @functools.cached_property
    def _sets(self) -> dict[int, frozenset[str]]:
        """The verbs and nouns as sets (by the tuple's identity): an exact word is looked up, not scanned for."""
        return {id(self.verbs): frozenset(self.verbs), id(self.nouns): frozenset(self.nouns)}

    def closest(self, word: str, options: tuple[str, ...]) -> str | None:
        word = word.strip().lower().replace(" ", "_")
        if word in self._sets.get(id(options), options):
            return word
        match = difflib.get_close_matches(word, options, n=1, cutoff=0.75)
        return match[0] if match else None

    @functools.cached_property
    def _read(self) -> dict[str, Action | None]:
        """Pieces of text already read, and the action each names: window files repeat the same few thousand
        pieces hundreds of thousands of times."""
        return {}

    def _action(self, piece: str) -> Action | None:
        if piece not in self._read:
            words = piece.lower().split()
            verb = self.closest(words[0], self.verbs) if len(words) > 1 else None
            noun = None
            if verb:
                noun = self.closest("_".join(words[1:]), self.nouns) or self.closest(words[-1], self.nouns)
            self._read[piece] = (verb, noun) if verb and noun else None
        return self._read[piece]

    def parse(self, text: str, limit: int | None = None, notes: list[str] | None = None) -> list[Action]:
        """Free text ('take knife, cut onion, ...') -> vocabulary actions; pieces that match nothing are dropped.
        ``notes``, when given, receives one line per piece read as another word or dropped (what a user typed
        is never corrected silently)."""
        actions = []
        for piece in re.split(r"[,;\n]+", text.replace("###", " ")):
            piece = piece.strip()
            if not piece:
                continue
            action = self._action(piece)
            if action:
                actions.append(action)
                if notes is not None and f"{action[0]} {action[1]}" != _as_typed(piece):
                    notes.append(f"'{piece}' read as '{action[0]} {action[1]}' (the closest verb and noun of the "
                                 "vocabulary)")
            elif notes is not None:
                notes.append(f"'{piece}' dropped: no verb and noun of the vocabulary match it")
            if limit and len(actions) == limit:
                break
        return actions


def _as_typed(piece: str) -> str:
    words = piece.lower().split()
    return " ".join([words[0], "_".join(words[1:])])


def format_actions(actions: list[Action]) -> str:
    return ", ".join(f"{v} {n}" for v, n in actions)


@dataclass(frozen=True)
class Window:
    observed: tuple[Action, ...]
    future: tuple[Action, ...]
    clip: int


def read_windows(path: str | Path, vocab: Vocabulary) -> list[Window]:
    """AntGPT-style JSONL (``prompt``: observed actions, ``completion``: future ones), consecutive lines being
    sliding windows; a new clip starts where the future stops shifting by one (or repeating)."""
    path = Path(path).expanduser()
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    windows, clip, previous = [], 0, None
    for number, line in enumerate(read_text(path, "window list").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = _WindowRow.model_validate_json(line)
        except ValidationError:
            raise InputError(f"{path}:{number}: expected a JSON object with 'prompt' and 'completion' texts") from None
        observed, future = vocab.parse(row.prompt), vocab.parse(row.completion)
        if not observed or not future:
            raise InputError(f"{path}:{number}: no vocabulary action in the prompt or completion")
        if previous is not None and not (future == previous or future[:-1] == previous[1:]):
            clip += 1
        windows.append(Window(tuple(observed), tuple(future), clip))
        previous = future
    if not windows:
        raise InputError(f"{path}: no windows")
    return windows


def clip_folds(windows: list[Window], folds: int) -> np.ndarray:
    """Fold index per window; every window of a clip lands in the same fold (clips dealt round-robin)."""
    clips = sorted({w.clip for w in windows})
    fold_of_clip = {c: i % folds for i, c in enumerate(clips)}
    return np.array([fold_of_clip[w.clip] for w in windows])


def edit_distance(a, b) -> int:
    """Levenshtein distance between two sequences of hashable items (insertions, deletions, substitutions cost 1),
    by rapidfuzz: the metric is computed tens of thousands of times per evaluation."""
    from rapidfuzz.distance import Levenshtein

    return Levenshtein.distance(list(a), list(b))


def lta_edit_distance(predictions: list[list[Action]], truth: list[Action], z: int = 20) -> dict[str, float]:
    """Ego4D LTA metric: edit distance over the first Z verbs, nouns and actions, divided by Z, best of the
    K predicted sequences (each part minimised separately, as the benchmark does)."""
    truth = list(truth)[:z]
    if not predictions:
        predictions = [[]]
    out = {}
    for part, key in (("verb", lambda a: a[0]), ("noun", lambda a: a[1]), ("action", lambda a: a)):
        gt = [key(a) for a in truth]
        out[part] = min(edit_distance([key(a) for a in p[:z]], gt) for p in predictions) / z
    return out
