"""Class descriptions: the project's own (corpora/descriptions) and corpora users import at run time.

Sources are merged into one sentence list per class. Imported documents go through the selection of
"Tell me what you see" (Estevam et al.): split into sentences, keep those of at least ``min_words`` words,
keep the ``max_sentences`` most similar to the class name (cosine of sentence embeddings), optionally
append the class name to each.

Accepted corpus formats (class names are matched ignoring case, spaces, '_' and '-'):

* a folder with one text file per class (``brush_hair.txt``): web documents;
* JSON: ``{"class": "text" | ["sentence", ...]}``, ``{"0": [...]}`` keyed by class index, or a list of
  ``{"word"|"class"|"label"|"name": ..., "defn"|"description"|"text"|"sentences": ...}``;
* CSV: ``class,description`` rows (a header naming the columns is optional).
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import numpy as np
import yaml

from ..config import read_text
from ..errors import InputError
from ..options import DescriptionConfig
from ..resources import data_dir
from .labels import LabelSet

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"'(\[]?[A-Z0-9])")
_NAME_KEYS = ("word", "class", "label", "name", "action")
_TEXT_KEYS = ("defn", "description", "descriptions", "text", "sentences", "definition")


def split_sentences(text: str) -> list[str]:
    """Paragraphs (lines) split at sentence-ending punctuation followed by a capital or digit."""
    sentences = []
    for paragraph in text.splitlines():
        paragraph = " ".join(paragraph.split())
        if paragraph:
            sentences.extend(s.strip() for s in _SENTENCE_END.split(paragraph) if s.strip())
    return sentences


def word_count(sentence: str) -> int:
    return len(sentence.split())


def select_sentences(
    sentences: list[str],
    class_text: str,
    embedder,
    min_words: int = 15,
    max_sentences: int = 10,
) -> list[str]:
    """The ``max_sentences`` sentences of at least ``min_words`` words most similar to ``class_text``."""
    return _select_many({"c": (class_text, sentences)}, embedder, min_words, max_sentences)["c"]


def _select_many(candidates: dict, embedder, min_words: int, max_sentences: int) -> dict[str, list[str]]:
    """select_sentences for many classes with one embedding call (one cache entry) for all of them."""
    long_enough = {
        key: list(dict.fromkeys(s for s in sentences if word_count(s) >= min_words))
        for key, (_, sentences) in candidates.items()
    }
    texts = [t for key, (name, _) in candidates.items() for t in (name, *long_enough[key])]
    vectors = embedder.encode(texts) if texts else None
    chosen, start = {}, 0
    for key, (name, _) in candidates.items():
        block = long_enough[key]
        if len(block) > max_sentences:
            similarity = vectors[start + 1 : start + 1 + len(block)] @ vectors[start]
            order = np.argsort(-similarity, kind="stable")[:max_sentences]
            block = [block[i] for i in order]
        chosen[key] = block
        start += 1 + len(long_enough[key])
    return chosen


def own_descriptions(dataset: str) -> dict[str, list[str]]:
    """The project's descriptions for a built-in dataset (corpora/descriptions/<dataset>.yaml), by class id."""
    path = data_dir("corpora") / "descriptions" / f"{dataset}.yaml"
    if not path.is_file():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {str(k): [str(s) for s in v] for k, v in data.items()}


def _as_texts(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [str(v) for v in value if str(v).strip()]
    raise InputError(f"description must be text or a list of texts, got {type(value).__name__}")


def read_corpus(path: str | Path, labels: LabelSet) -> dict[str, list[str]]:
    """Raw texts per class id from a corpus file or folder (see module doc for formats)."""
    path = Path(path).expanduser()

    def class_of(name) -> str | None:
        key = str(name).strip()
        if key.isdigit() and int(key) < len(labels):
            return labels.ids[int(key)]
        return labels.find(key)

    raw: dict[str, list[str]] = {}

    def add(name, texts):
        label = class_of(name)
        if label is not None:
            raw.setdefault(label, []).extend(texts)

    if path.is_dir():
        files = sorted(path.glob("*.txt"))
        if not files:
            raise InputError(f"{path}: corpus folder holds no .txt files")
        for f in files:
            add(f.stem, [f.read_text(encoding="utf-8", errors="ignore")])
    elif path.suffix.lower() == ".json":
        try:
            data = json.loads(read_text(path, "corpus"))
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}: malformed JSON (line {exc.lineno})") from None
        if isinstance(data, dict):
            for name, value in data.items():
                add(name, _as_texts(value))
        elif isinstance(data, list):
            for item in data:
                if not isinstance(item, dict):
                    raise InputError(f"{path}: list entries must be objects with a class name and text")
                name = next((item[k] for k in _NAME_KEYS if k in item), None)
                text = next((item[k] for k in _TEXT_KEYS if k in item), None)
                if name is None or text is None:
                    raise InputError(f"{path}: entry without a class name or text: {str(item)[:80]}")
                add(name, _as_texts(text))
        else:
            raise InputError(f"{path}: expected a JSON object or list")
    elif path.suffix.lower() in (".csv", ".tsv"):
        delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
        for row in csv.reader(io.StringIO(read_text(path, "corpus"), newline=""), delimiter=delimiter):
            if len(row) >= 2 and row[0].strip().lower() not in _NAME_KEYS:
                add(row[0], [" ".join(cell.strip() for cell in row[1:] if cell.strip())])
    elif path.exists():
        raise InputError(f"{path}: unknown corpus format (use a folder of .txt files, .json or .csv)")
    else:
        raise InputError(f"{path}: no such corpus file or folder")
    if not raw:
        raise InputError(f"{path}: no descriptions matched any class of '{labels.name}'")
    return raw


def class_sentences(labels: LabelSet, config: DescriptionConfig, embedder, dataset: str | None = None) -> dict[str, list[str]]:
    """Sentences per class id. Raises when a class ends up with none (it could never be predicted)."""
    sentences: dict[str, list[str]] = {label: [] for label in labels.ids}
    if config.own:
        own = own_descriptions(dataset or labels.name)
        for label in labels.ids:
            sentences[label].extend(own.get(label, []))
    for corpus in config.corpora:
        raw = read_corpus(corpus, labels)
        pieces = {label: [s for text in texts for s in split_sentences(text)] for label, texts in raw.items()}
        if config.select:
            names = {label: labels.texts[labels.ids.index(label)] for label in pieces}
            pieces = _select_many({label: (names[label], p) for label, p in pieces.items()}, embedder,
                                  config.min_words, config.max_sentences)
        for label, chosen in pieces.items():
            sentences[label].extend(chosen)
    for label, text in zip(labels.ids, labels.texts):
        if config.append_class_name:
            sentences[label] = [f"{s} {text}" for s in sentences[label]]
        if config.include_class_name:
            sentences[label].append(text)
        sentences[label] = list(dict.fromkeys(sentences[label]))
    empty = [label for label, s in sentences.items() if not s]
    if empty:
        raise InputError(
            f"{len(empty)} class(es) have no description (first: '{empty[0]}'); add a corpus with --corpus, "
            "lower --min-words, or use --include-class-name to fall back to the class name"
        )
    return sentences
