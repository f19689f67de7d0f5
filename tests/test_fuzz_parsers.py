"""Hypothesis fuzzing of every file parser: whatever bytes a user hands over, a parser either returns or raises
the product's own ActionzsError (one clear line); never a KeyError, TypeError or a library's exception."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from actionzs.adapters.base import load_adapter
from actionzs.adapters.support import read_support
from actionzs.anticipation.data import Vocabulary, read_windows
from actionzs.errors import ActionzsError
from actionzs.eval.datasets import read_label_csv, read_split
from actionzs.eval.protocols import load_protocol
from actionzs.text.captions import read_activitynet
from actionzs.text.corpora import read_corpus
from actionzs.text.labels import LabelSet, load_labels
from actionzs.text.prompts import clip_ensembles

FUZZ = settings(max_examples=int(os.environ.get("FUZZ_EXAMPLES", 120)), deadline=None, suppress_health_check=[HealthCheck.too_slow])
LABELS = LabelSet("toy", ("juggling", "knitting", "Archery"), ("juggling", "knitting", "archery"))

# JSON-shaped values: the structures a parser expects, with every type in every place.
scalars = st.none() | st.booleans() | st.integers(-5, 10**6) | st.floats(allow_nan=True) | st.text(max_size=12)
keys = st.sampled_from(["verbs", "nouns", "i2v", "i2n", "results", "sentence", "timestamp", "timestamps",
                        "sentences", "duration", "ensembles", "default", "dataset", "kind", "classes", "runs",
                        "method", "base_model", "sampling", "format", "id", "text", "prompt", "completion",
                        "0", "1", "v_x"]) | st.text(max_size=6)
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=5),
                      max_leaves=20)
documents = st.dictionaries(keys, values, max_size=6) | values
# Near-valid documents: the right keys with any value, so fuzzing reaches past the top-level shape checks.
maybe = lambda good: good | values  # noqa: E731
names = st.text(min_size=1, max_size=8)
near_vocabulary = st.fixed_dictionaries({"verbs": maybe(st.lists(names, max_size=3)),
                                         "nouns": maybe(st.lists(names, max_size=3))}) | st.fixed_dictionaries(
    {"i2v": maybe(st.dictionaries(st.sampled_from(["0", "1", "-1", "x"]), values, max_size=3)),
     "i2n": maybe(st.dictionaries(st.sampled_from(["0", "2", "01"]), values, max_size=3))})
near_captions = st.fixed_dictionaries({"results": st.dictionaries(names, maybe(st.lists(st.fixed_dictionaries(
    {"sentence": maybe(names), "timestamp": maybe(st.lists(st.floats(allow_nan=True) | st.none(), max_size=3))}),
    max_size=3)), max_size=3)})
near_protocol = st.fixed_dictionaries(
    {"name": maybe(names), "dataset": maybe(st.sampled_from(["ucf101", "hmdb51", "kinetics600", "ego4d"])),
     "kind": maybe(st.sampled_from(["zero-shot", "few-shot", "episodic", "anticipation"]))},
    optional={"runs": values, "seed": values, "test_classes": maybe(st.lists(names, max_size=3)),
              "test_class_runs": values, "test_classes_per_run": values})
near_prompts = st.fixed_dictionaries(
    {"ensembles": maybe(st.dictionaries(names, maybe(st.lists(maybe(st.sampled_from(["a {}", "{} {}", "x"])),
                                                            max_size=3)), max_size=3))},
    optional={"default": values | names})
near_adapter = st.fixed_dictionaries(
    {"format": maybe(st.just(1)), "method": maybe(st.sampled_from(["prototype", "linear", "xclip"])),
     "base_model": maybe(names), "base_model_key": maybe(names),
     "classes": maybe(st.lists(st.fixed_dictionaries({"id": maybe(names), "text": maybe(names)}), max_size=3)),
     "sampling": maybe(st.fixed_dictionaries({"frames": values}, optional={"clips": values, "crops": values}))})
lines = st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30), max_size=8)
raw = st.binary(max_size=200)


def _expect_clean(parse, content: bytes | str, suffix: str = ".txt", name: str = "input"):
    """Write ``content`` to a fresh file and parse it: success or ActionzsError only."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{name}{suffix}"
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
        try:
            parse(path)
        except ActionzsError as exc:
            assert str(exc).strip(), "an error with no message"  # output.error prints it as one line


def _text_forms(document) -> list[str]:
    out = [json.dumps(document)]
    try:
        out.append(yaml.safe_dump(document))
    except yaml.YAMLError:
        pass
    return out


# ----- line-based files: labels, splits, support lists, label CSVs -----

@FUZZ
@given(lines)
def test_label_files(rows):
    _expect_clean(lambda p: load_labels(str(p)), "\n".join(rows), ".txt")


@FUZZ
@given(raw)
def test_label_files_bytes(data):
    _expect_clean(lambda p: load_labels(str(p)), data, ".txt")


@FUZZ
@given(lines, st.sampled_from(["ucf101", "hmdb51", None]), st.sampled_from(["list.txt", "jump_test_split1.txt"]))
def test_split_files(rows, dataset, name):
    stem, suffix = name.split(".")
    _expect_clean(lambda p: read_split(p, LABELS, dataset, label_names=list(LABELS.ids)), "\n".join(rows),
                  "." + suffix, stem)


@FUZZ
@given(raw)
def test_split_files_bytes(data):
    _expect_clean(lambda p: read_split(p, LABELS, "ucf101"), data)


@FUZZ
@given(lines | raw)
def test_label_csv(content):
    _expect_clean(read_label_csv, content if isinstance(content, bytes) else "\n".join(content), ".csv")


@FUZZ
@given(lines | raw)
def test_support_lists(content):
    _expect_clean(lambda p: read_support(p, LABELS), content if isinstance(content, bytes) else "\n".join(content))


# ----- JSON files: captions, vocabularies, anticipation windows, description corpora -----

@FUZZ
@given(near_captions | documents | raw)
def test_captions_json(document):
    for text in [document] if isinstance(document, bytes) else _text_forms(document)[:1]:
        _expect_clean(read_activitynet, text, ".json")


@FUZZ
@given(near_vocabulary | documents | raw)
def test_vocabulary_json(document):
    for text in [document] if isinstance(document, bytes) else _text_forms(document)[:1]:
        _expect_clean(Vocabulary.from_file, text, ".json")


@FUZZ
@given(st.lists(documents, max_size=4) | raw)
def test_anticipation_windows(rows):
    vocab = Vocabulary(("take", "cut"), ("knife", "onion"))
    content = rows if isinstance(rows, bytes) else "\n".join(json.dumps(r) for r in rows)
    _expect_clean(lambda p: read_windows(p, vocab), content, ".jsonl")


@FUZZ
@given(documents | raw, st.sampled_from([".json", ".csv", ".tsv"]))
def test_description_corpora(document, suffix):
    content = document if isinstance(document, bytes) else _text_forms(document)[0]
    _expect_clean(lambda p: read_corpus(p, LABELS), content, suffix)


# ----- YAML files: protocols, prompt ensembles, adapter.yaml -----

@FUZZ
@given(near_protocol | documents | raw)
def test_protocol_yaml(document):
    for text in [document] if isinstance(document, bytes) else _text_forms(document):
        _expect_clean(lambda p: load_protocol(str(p)).splits(LABELS, runs=2), text, ".yaml")


@FUZZ
@given(near_prompts | documents | raw)
def test_prompt_yaml(document):
    for text in [document] if isinstance(document, bytes) else _text_forms(document):
        _expect_clean(clip_ensembles, text, ".yaml")


@FUZZ
@given(near_adapter | documents | raw)
def test_adapter_yaml(document):
    for text in [document] if isinstance(document, bytes) else _text_forms(document):
        _expect_clean(lambda p: load_adapter(p.parent), text, ".yaml", "adapter")


def test_error_line_is_one_line_whatever_the_message_holds(capsys):
    from actionzs.output import error

    error("protocol \n: a name with a newline\r\n")
    assert capsys.readouterr().err.count("\n") == 1


def test_fuzzing_reaches_the_parsers():
    """The harness itself: a well-formed file parses and a broken one raises the product's error."""
    with tempfile.TemporaryDirectory() as folder:
        good = Path(folder) / "vocab.json"
        good.write_text(json.dumps({"verbs": ["take"], "nouns": ["knife"]}))
        assert Vocabulary.from_file(good).verbs == ("take",)
        good.write_text(json.dumps({"i2v": {"0": 1}, "i2n": {"0": "knife"}}))
        with pytest.raises(ActionzsError):
            Vocabulary.from_file(good)
