"""Everyday use: video inputs as folders, globs and @lists; options that never silently lose; reports that say
what their scores mean and how they were made; the user config file; -q/-v. Tiny UNTRAINED models, real clips."""

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from actionzs.video.inputs import expand_videos
from conftest import need_data, one_error_line, run

TINY = "random:openclip-tiny"  # untrained: checks plumbing, not accuracy




@pytest.fixture
def clip_tree(ucf_clips, tmp_path):
    """A folder tree of real clips (links), with a text file beside them that is no video."""
    root = tmp_path / "videos"
    (root / "a" / "deep").mkdir(parents=True)
    (root / "b").mkdir()
    placed = [root / "a" / ucf_clips[0].name, root / "a" / "deep" / ucf_clips[1].name, root / "b" / ucf_clips[2].name]
    for source, target in zip(ucf_clips, placed):
        target.symlink_to(source)
    (root / "a" / "notes.txt").write_text("not a video")
    return root, sorted(str(p) for p in placed)


def test_folders_are_searched_recursively_for_video_files_only(clip_tree):
    root, placed = clip_tree
    found = expand_videos([root])
    assert found.paths == placed and found.errors == []


def test_globs_lists_and_order_with_duplicates_dropped(clip_tree, tmp_path):
    root, placed = clip_tree
    listing = tmp_path / "lists" / "videos.txt"
    listing.parent.mkdir()
    listing.write_text(f"# my clips\n../videos/b/{Path(placed[2]).name}\n\n{placed[0]}\nnot_there.avi\n")
    found = expand_videos([f"@{listing}", str(root / "a" / "**" / "*.avi"), placed[2]])
    relative_in_list = str(listing.parent / ".." / "videos" / "b" / Path(placed[2]).name)
    assert found.paths == [relative_in_list, placed[0], str(listing.parent / "not_there.avi"), placed[1]]
    assert found.errors == []  # the missing list entry fails later, as that video


def test_an_argument_naming_no_video_is_one_error_and_the_rest_still_run(clip_tree, tmp_path):
    root, placed = clip_tree
    (tmp_path / "empty").mkdir()
    found = expand_videos([tmp_path / "empty", str(tmp_path / "*.mkv"), placed[0]])
    assert found.paths == [placed[0]]
    assert [e["error"].split(": ", 1)[1] for e in found.errors] == [
        "no video files (.avi, .mp4, .mkv, .webm, ...) in this folder", "the pattern matches no file"]


def test_predict_takes_a_folder_a_glob_and_a_list(clip_tree, tmp_path):
    root, placed = clip_tree
    listing = tmp_path / "more.txt"
    listing.write_text("missing.avi\n")
    result = run("predict", root, f"@{listing}", str(root / "nothing*.mp4"), "-m", TINY, "--json", "-k", "2")
    assert result.exit_code == 1  # some inputs failed, the others were ranked
    report = json.loads(result.stdout)
    assert [p["video"] for p in report["predictions"]] == placed
    assert sorted(line.split(": ")[1] for line in result.stderr.splitlines() if line.startswith("error:")) == [
        str(tmp_path / "missing.avi"), str(root / "nothing*.mp4")]


def test_nothing_to_read_at_all_is_one_line_per_argument_and_exit_code_1(tmp_path):
    (tmp_path / "empty").mkdir()
    result = run("predict", tmp_path / "empty", "-m", TINY)
    assert result.exit_code == 1 and "no video files" in one_error_line(result) and result.stdout == ""


def test_no_cache_with_a_cache_dir_is_a_warning_and_writes_nowhere(ucf_clips, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    result = run("predict", ucf_clips[0], "-m", TINY, "--no-cache", "--cache-dir", elsewhere)
    assert result.exit_code == 0
    assert f"warning: --cache-dir {elsewhere} is not used: --no-cache" in result.stderr
    assert not elsewhere.exists() and not list(Path(os.environ["ACTIONZS_CACHE"]).rglob("*.safetensors"))


# -- conflicts are errors or warnings, never silent ---------------------------------------------------------------

@pytest.mark.parametrize("extra, says", [
    (["--method", "caption", "-m", "ViT-L-14:openai", "--captions", "examples/captions.json"], "does not apply to the caption method"),
    (["--captions", "examples/captions.json"], "--captions is an option of --method caption"),
    (["--method", "caption", "--captions", "examples/captions.json", "--frames", "16"], "--frames does not apply"),
    (["-q", "-v"], "choose one of -q and -v"),
])
def test_options_that_would_be_ignored_are_errors(ucf_clips, extra, says, tmp_path):
    repo = Path(__file__).resolve().parents[1]
    global_flags = [e for e in extra if e in ("-q", "-v")]
    rest = [str(repo / e) if e.startswith("examples/") else e for e in extra if e not in ("-q", "-v")]
    rest = [str(tmp_path / e) if e == "somewhere" else e for e in rest]
    result = run(*global_flags, "predict", ucf_clips[0], *(["-m", TINY] if "-m" not in rest and "caption" not in rest else []),
                 *rest)
    assert result.exit_code == 2 and says in one_error_line(result)
    assert not (tmp_path / "somewhere").exists()


def test_an_adapter_refuses_sampling_and_labels_it_would_override(ucf_clips, tmp_path):
    adapter = tmp_path / "adapter"
    support = tmp_path / "support"
    for clip in ucf_clips[:3]:
        label = clip.name.split("_")[1]  # v_<Class>_gXX_cYY
        (support / label).mkdir(parents=True, exist_ok=True)
        (support / label / clip.name).symlink_to(clip)
    made = run("adapt", support, "-o", adapter, "-m", TINY)
    assert made.exit_code == 0, made.output
    for extra in (["--frames", "16"], ["--labels", "hmdb51"], ["--prompts", "single"]):
        result = run("predict", ucf_clips[0], "--adapter", adapter, *extra)
        assert result.exit_code == 2 and f"{extra[0]}: an adapter brings its own" in one_error_line(result)
    plain = run("predict", ucf_clips[0], "--adapter", adapter)
    assert plain.exit_code == 0, plain.output


def test_observed_actions_read_as_other_words_are_said_in_a_warning():
    from actionzs.anticipation.data import Vocabulary

    root = need_data("anticipation/ego4d_lta_v1")
    vocab = Vocabulary.from_file(root / "dicts.json")
    notes = []
    actions = vocab.parse("take doughh, put dough, fly", notes=notes)
    assert actions == [("take", "dough"), ("put", "dough")]
    assert notes == ["'take doughh' read as 'take dough' (the closest verb and noun of the vocabulary)",
                     "'fly' dropped: no verb and noun of the vocabulary match it"]


# -- reports -----------------------------------------------------------------------------------------------------

def test_json_reports_carry_command_versions_and_input_digests(ucf_clips, tmp_path):
    out = tmp_path / "preds.json"
    result = run("predict", *ucf_clips[:2], "-m", TINY, "--out", out)
    assert result.exit_code == 0, result.output
    report = json.loads(out.read_text())
    provenance = report["provenance"]
    assert provenance["inputs"] == {str(c): hashlib.sha256(c.read_bytes()).hexdigest() for c in ucf_clips[:2]}
    assert {"actionzs", "torch", "open_clip_torch", "transformers", "numpy"} <= set(provenance["versions"])
    assert isinstance(provenance["command"], str) and report["score"] == "probability"


def test_caption_scores_are_similarities_not_percentages(tmp_path):
    repo = Path(__file__).resolve().parents[1]
    sys.path.insert(0, str(repo / "examples"))
    from make_clips import main as make_clips

    clips = make_clips(tmp_path / "clips")
    args = ["predict", *clips, "--labels", repo / "examples/labels.txt", "--method", "caption", "--captions",
            repo / "examples/captions.json", "--corpus", repo / "examples/descriptions.csv", "--no-select"]
    table = run(*args)
    assert table.exit_code == 0, table.output
    assert "cosine similarity" in table.stdout and "%" not in table.stdout
    report = json.loads(run(*args, "--json").stdout)
    assert report["score"] == "similarity"
    assert all(-1 <= r["score"] <= 1 for p in report["predictions"] for r in p["top"])
    assert report["provenance"]["inputs"][str(repo / "examples/captions.json")] == hashlib.sha256(
        (repo / "examples/captions.json").read_bytes()).hexdigest()


def test_eval_list_is_cut_at_words_and_has_json():
    from actionzs.eval.protocols import available_protocols, load_protocol

    table = run("eval", "--list")
    assert table.exit_code == 0
    for line in table.stdout.splitlines():
        name, kind, description = line.split(maxsplit=2)
        full = " ".join(load_protocol(name).description.split())
        assert description == full or (description.endswith(" ...") and full.startswith(description[:-4])
                                        and full[len(description) - 4] == " ")
    listed = json.loads(run("eval", "--list", "--json").stdout)
    assert [p["name"] for p in listed] == list(available_protocols())
    assert all(p["description"] == " ".join(load_protocol(p["name"]).description.split()) for p in listed)


def test_models_lists_the_llm_and_every_test_model_with_licences():
    rows = {r["name"]: r for r in json.loads(run("models", "--json").stdout)}
    for name in ("random:openclip-tiny", "random:hf-clip-tiny", "random:xclip-tiny", "random:blip-tiny",
                 "random:videomae-tiny"):
        assert rows[name]["cached"] is True
    assert rows["smollm2-135m-instruct"]["task"] == "llm"
    minilm = rows["all-MiniLM-L6-v2"]
    assert minilm["cached"] is True and minilm["size_mb"] > 10 and minilm["licence"] == "Apache-2.0"
    assert all(row["licence"] for row in rows.values())


# -- the user's config file ---------------------------------------------------------------------------------------

def test_config_file_gives_defaults_and_the_command_line_wins(ucf_clips, tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text(f"model: {TINY}\nlabels: a,b,c\nworkers: 0\ndevice: cpu\n")
    env = {"ACTIONZS_CONFIG": str(config)}
    report = json.loads(run("predict", ucf_clips[0], "--json", env=env).stdout)
    assert report["model"] == TINY and report["num_classes"] == 3 and report["runtime"]["workers"] == 0
    given = json.loads(run("predict", ucf_clips[0], "--json", "--labels", "ucf101", env=env).stdout)
    assert given["num_classes"] == 101
    shown = json.loads(run("config", "--json", env=env).stdout)
    settings = {s["key"]: s for s in shown["settings"]}
    assert shown["file"] == str(config) and settings["model"] == {**settings["model"], "value": TINY,
                                                                   "source": "config file"}
    assert settings["precision"]["source"] == "default"


def test_one_resolution_for_the_api_too_default_file_environment_option(ucf_clips, tmp_path, monkeypatch):
    """The Python API resolves what it is not given as the CLI does: built-in < file < environment < given."""
    from actionzs import api

    config = tmp_path / "config.yaml"
    config.write_text(f"model: {TINY}\nlabels: a,b\ndevice: cpu\nworkers: 0\n")
    monkeypatch.setenv("ACTIONZS_CONFIG", str(config))
    request = api.PredictRequest(sampling=api.Sampling(frames=2))
    from_file = api.predict([ucf_clips[0]], request)
    assert (from_file.model, from_file.num_classes, from_file.runtime["device"], from_file.runtime["workers"]) == (
        TINY, 2, "cpu", 0)
    monkeypatch.setenv("ACTIONZS_LABELS", "a,b,c")
    monkeypatch.setenv("ACTIONZS_PRECISION", "fp32")
    from_environment = api.predict([ucf_clips[0]], request)
    assert from_environment.num_classes == 3 and from_environment.runtime["precision"] == "fp32"
    given = api.predict([ucf_clips[0]], api.PredictRequest(labels="x,y,z,w", sampling=api.Sampling(frames=2)),
                        runtime=api.Runtime(precision="bf16"))
    assert given.num_classes == 4 and given.runtime["precision"] == "bf16"
    shown = {s["key"]: s for s in json.loads(run("config", "--json").stdout)["settings"]}
    assert (shown["labels"]["value"], shown["labels"]["source"]) == ("a,b,c", "$ACTIONZS_LABELS")
    assert (shown["model"]["value"], shown["model"]["source"]) == (TINY, "config file")
    cli = json.loads(run("predict", ucf_clips[0], "--frames", "2", "--json").stdout)
    assert cli["num_classes"] == 3 and cli["model"] == TINY and cli["runtime"]["precision"] == "fp32"


@pytest.mark.parametrize("variable, value, says", [("ACTIONZS_WORKERS", "-1", "$ACTIONZS_WORKERS: workers"),
                                                   ("ACTIONZS_PRECISION", "fp8", "$ACTIONZS_PRECISION: precision"),
                                                   ("ACTIONZS_DEVICE", "tpu", "(set by $ACTIONZS_DEVICE)")])
def test_a_bad_setting_in_the_environment_is_one_line_naming_it(ucf_clips, monkeypatch, variable, value, says):
    monkeypatch.setenv(variable, value)
    result = run("predict", ucf_clips[0], "-m", TINY, "--labels", "a,b")
    assert result.exit_code == 2 and says in one_error_line(result)


@pytest.mark.parametrize("text, says", [("modle: x\n", "modle: Extra inputs"), ("workers: -1\n", "workers"),
                                        ("- a list\n", "expected a YAML mapping")])
def test_a_bad_config_file_is_one_line(tmp_path, text, says):
    config = tmp_path / "config.yaml"
    config.write_text(text)
    result = run("config", env={"ACTIONZS_CONFIG": str(config)})
    assert result.exit_code == 2 and says in one_error_line(result)


# -- what the user sees on stderr ---------------------------------------------------------------------------------

def test_verbose_says_what_is_loaded_and_library_bars_stay_out(ucf_clips, tmp_path):
    env = {**os.environ, "ACTIONZS_CACHE": str(tmp_path / "cache")}
    command = [sys.executable, "-m", "actionzs", "-v", "predict", str(ucf_clips[0]), "-m", "random:hf-clip-tiny",
               "--labels", "a,b"]
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "loading CLIP model random:hf-clip-tiny on cpu" in done.stderr
    assert "Loading weights" not in done.stderr and "it/s" not in done.stderr
    quiet = run("-q", *command[4:])  # what actionzs itself says needs no fresh process
    assert quiet.exit_code == 0 and "loading" not in quiet.stderr and "untrained" in quiet.stderr


# -- caption evaluation on any dataset ----------------------------------------------------------------------------

UCF_CAPTIONS = {"v_ApplyEyeMakeup_g01_c01": "a woman puts makeup on her eyes with a small brush",
                "v_PushUps_g02_c03": "a man does push ups on the floor of a gym",
                "v_Shotput_g01_c01": "an athlete throws a heavy metal ball in a stadium",
                "v_PlayingGuitar_g05_c02": "a man plays the guitar and sings",
                "v_HeadMassage_g01_c01": "a person massages the head and scalp of another person",
                "v_PushUps_g09_c01": "a boy does push ups in a room"}


def _captions(path, captions):
    path.write_text(json.dumps({"results": {k: [{"sentence": v, "timestamp": [0, 2]}] for k, v in captions.items()}}))
    return path


def test_caption_eval_reads_ucf101_ids_and_the_official_split(tmp_path):
    labels = need_data("labels/ucf101")
    captions = _captions(tmp_path / "ucf.json", UCF_CAPTIONS)
    every = json.loads(run("eval", "-p", "ucf101-random50", "--runs", "2", "--captions", captions,
                           "--include-class-name", "--json").stdout)
    assert every["setup"]["num_videos"] == 6
    split = json.loads(run("eval", "-p", "ucf101-zs-split1", "--splits", labels, "--captions", captions,
                           "--include-class-name", "--json").stdout)
    test_list = (labels / "testlist01.txt").read_text()
    in_split = [v for v in UCF_CAPTIONS if v in test_list]
    assert 0 < len(in_split) < len(UCF_CAPTIONS)  # g09 is a training group of split 1
    assert split["result"]["runs"][0]["num_videos"] == len(in_split)
    assert split["provenance"]["inputs"][str(captions)] == hashlib.sha256(captions.read_bytes()).hexdigest()
    assert "±" not in run("eval", "-p", "ucf101-zs-split1", "--splits", labels, "--captions", captions,
                          "--include-class-name").stdout


def test_caption_eval_with_a_mapping_file_and_kinetics_lists(tmp_path):
    renamed = {f"clip{i:03d}": text for i, text in enumerate(UCF_CAPTIONS.values())}
    captions = _captions(tmp_path / "mine.json", renamed)
    mapping = tmp_path / "labels.tsv"
    mapping.write_text("".join(f"clip{i:03d}.mp4\t{v.split('_')[1]}\n" for i, v in enumerate(UCF_CAPTIONS)))
    unnamed = run("eval", "-p", "ucf101-random50", "--captions", captions, "--include-class-name")
    assert unnamed.exit_code == 2 and "--video-labels" in one_error_line(unnamed)
    mapped = json.loads(run("eval", "-p", "ucf101-random50", "--runs", "1", "--captions", captions,
                            "--video-labels", mapping, "--include-class-name", "--json").stdout)
    assert mapped["setup"]["num_videos"] == 6 and mapped["setup"]["video_labels"] == str(mapping)
    k600 = need_data("protocols/kinetics600")
    rows = (k600 / "ZS_split1_K600_eval.txt").read_text().splitlines()[:300:30]
    names = [line.split(",", 1)[1] for line in (k600 / "ZS_split1_K600.csv").read_text().splitlines()[1:]]
    by_youtube_id = {Path(r.split()[0]).stem[:11]: f"people {names[int(r.split()[1])]}" for r in rows}
    result = run("eval", "-p", "k600-zs", "--splits", k600, "--captions", _captions(tmp_path / "k.json", by_youtube_id),
                 "--include-class-name", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["result"]["runs"][0]["num_videos"] == len(by_youtube_id)
    assert report["result"]["runs"][0]["top1"] >= 0.7  # each caption names its class: the ids found their classes


def test_shell_completion_script_is_what_readme_says():
    done = subprocess.run(["actionzs"], env={**os.environ, "_ACTIONZS_COMPLETE": "bash_source"}, capture_output=True,
                          text=True, timeout=120, executable=str(Path(sys.executable).parent / "actionzs"))
    assert done.returncode == 0 and "_actionzs_completion" in done.stdout and "complete " in done.stdout
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    assert 'eval "$(_ACTIONZS_COMPLETE=bash_source actionzs)"' in readme


def test_window_reports_carry_provenance(ucf_clips):
    report = json.loads(run("predict", ucf_clips[0], "-m", TINY, "--window", "2", "--json").stdout)
    assert report["provenance"]["inputs"] == {str(ucf_clips[0]): hashlib.sha256(ucf_clips[0].read_bytes()).hexdigest()}


@pytest.mark.parametrize("args, says", [
    (["-p", "ucf101-random50", "--captions", "CAPTIONS", "--frames", "4"], "--frames does not apply"),
    (["-p", "ucf101-random50", "--captions", "CAPTIONS", "--root", "."], "--root does not apply"),
    (["-p", "ucf101-zs-split1", "--root", ".", "--history", "gt"], "--history does not apply"),
    (["-p", "ucf101-zs-split1", "--root", ".", "--combine", "concat"], "--combine does not apply"),
    (["-p", "ego4d-lta-v1-text", "--root", ".", "--adapter", "."], "--adapter does not apply"),
])
def test_eval_refuses_options_its_protocol_would_not_use(tmp_path, args, says):
    captions = _captions(tmp_path / "ucf.json", UCF_CAPTIONS)
    result = run("eval", *[str(captions) if a == "CAPTIONS" else a for a in args])
    assert result.exit_code == 2 and says in one_error_line(result)


def test_verbose_lines_reach_each_run_s_own_stderr(ucf_clips):
    for _ in range(2):  # a second in-process run must not write to the first run's (closed) stream
        result = run("-v", "predict", ucf_clips[0], "-m", TINY, "--labels", "a,b")
        assert result.exit_code == 0 and f"loading CLIP model {TINY} on cpu" in result.stderr


def test_help_shows_the_values_in_effect_and_where_they_were_set(tmp_path, monkeypatch):
    config = tmp_path / "config.yaml"
    config.write_text("model: random:openclip-tiny\ndevice: cpu\nworkers: 3\n")
    monkeypatch.setenv("ACTIONZS_CONFIG", str(config))
    monkeypatch.setenv("ACTIONZS_WORKERS", "1")  # the environment wins over the file
    for command in ("predict", "adapt", "eval"):
        shown = " ".join(run(command, "--help").stdout.split())
        assert "[in effect: random:openclip-tiny (config file), for --method clip]" in shown, command
        assert "[in effect: cpu (config file)]" in shown, command  # the device, from the file
        assert "[in effect: 1 ($ACTIONZS_WORKERS)]" in shown, command
    assert "[in effect: random:openclip-tiny (config file)]" in " ".join(run("anticipate", "--help").stdout.split())
    monkeypatch.delenv("ACTIONZS_CONFIG")
    monkeypatch.delenv("ACTIONZS_WORKERS")
    plain = run("predict", "--help").stdout
    assert "(config file)" not in plain and "$ACTIONZS_WORKERS" not in plain


# -- part of a video: --start/--end -----------------------------------------------------------------------------------

def _trimmed_copy(source: Path, out: Path, first: int, last: int) -> Path:
    """Frames [first, last) of ``source`` written losslessly (FFV1), as a user's trimmed file would hold them."""
    from fractions import Fraction

    import av

    with av.open(str(source)) as inp:
        stream = inp.streams.video[0]
        rate = Fraction(stream.average_rate or stream.guessed_rate).limit_denominator(1000)
        frames = [f for i, f in enumerate(inp.decode(video=0)) if first <= i < last]
    with av.open(str(out), "w") as dst:
        video = dst.add_stream("ffv1", rate=rate)
        video.width, video.height, video.pix_fmt = frames[0].width, frames[0].height, frames[0].format.name
        for i, frame in enumerate(frames):
            copy = av.VideoFrame.from_ndarray(frame.to_ndarray(), format=frame.format.name)
            copy.pts = i
            dst.mux(video.encode(copy))
        dst.mux(video.encode())
    return out


def test_start_and_end_see_what_a_trimmed_file_holds(ucf_clips, tmp_path):
    """random:openclip-tiny (UNTRAINED): the part from 0:01 to 0:03 ranks as the same frames cut into a file."""
    clip = next(c for c in ucf_clips if "ApplyEyeMakeup_g01_c01" in c.name)  # 25 fps: frames 25..74
    trimmed = _trimmed_copy(clip, tmp_path / "trimmed.mkv", 25, 75)
    tiny = ["-m", "random:openclip-tiny", "--labels", "ucf101", "--precision", "fp32", "--json", "-k", "5"]
    part = json.loads(run("predict", clip, "--start", "0:01", "--end", "3", *tiny).stdout)
    whole = json.loads(run("predict", trimmed, *tiny).stdout)
    full = json.loads(run("predict", clip, *tiny).stdout)
    assert part["sampling"]["start"] == 1.0 and part["sampling"]["end"] == 3.0 and "start" not in full["sampling"]
    got, want = part["predictions"][0]["top"], whole["predictions"][0]["top"]
    assert [t["label"] for t in got] == [t["label"] for t in want]
    np.testing.assert_allclose([t["score"] for t in got], [t["score"] for t in want], atol=1e-5)
    assert got != full["predictions"][0]["top"]  # the rest of the video was not seen

    windows = json.loads(run("predict", clip, "-s", "1", "-e", "3", *tiny, "--window", "1").stdout)["videos"][0]
    assert windows["windows"][0]["start"] == 1.0 and windows["windows"][-1]["end"] == pytest.approx(3.0)

    captions = run("caption", clip, "--captioner", "random:blip-tiny", "--start", "1", "--end", "3", "--window", "1",
                   "--json")
    stamps = [c["timestamp"] for c in json.loads(captions.stdout)["results"][clip.stem]]
    assert stamps[0][0] == 1.0 and stamps[-1][1] == pytest.approx(3.0)


@pytest.mark.parametrize("argv,code,says", [
    (["--start", "3", "--end", "1"], 2, "--end 1: must be after --start 3"),
    (["--start", "1:75"], 2, "give seconds (12.5), m:ss (1:05) or h:mm:ss"),
    (["--start", "9:00"], 1, "no frame there"),
])
def test_bad_start_and_end_are_one_line(ucf_clips, argv, code, says):
    result = run("predict", ucf_clips[0], "-m", "random:openclip-tiny", "--labels", "a,b", *argv)
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert result.exit_code == code and len(errors) == 1 and says in errors[0]  # 1: that video, named in its line
