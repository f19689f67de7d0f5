"""The last silent gaps, through the CLI: timelines of videos with one file name get a picture each, output
folders are made, unwritable outputs are refused before any work (as root too), a label line with an empty id
names its line, oversized --segments is refused, and a config file of comments only sets nothing. Models are
tiny and UNTRAINED; nothing here is a prediction."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from click.testing import CliRunner

from actionzs.cli import main

TINY = ["-m", "random:openclip-tiny"]


def _errors(result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("error:")]


def test_timelines_of_videos_with_one_name_do_not_overwrite_each_other(ucf_clips, tmp_path):
    for folder, clip in (("a", ucf_clips[0]), ("b", ucf_clips[1])):
        (tmp_path / folder).mkdir()
        shutil.copy(clip, tmp_path / folder / "x.avi")
    picture = tmp_path / "not" / "yet" / "t.png"  # a folder that does not exist: made
    result = CliRunner().invoke(main, ["predict", str(tmp_path / "a" / "x.avi"), str(tmp_path / "b" / "x.avi"), *TINY,
                                       "--labels", "a,b", "--window", "2", "--timeline", str(picture), "--workers", "0"])
    assert result.exit_code == 0, result.output
    written = sorted(picture.parent.glob("t-x-*.png"))
    assert len(written) == 2 and len({p.read_bytes() for p in written}) == 2
    assert result.stderr.count("wrote ") == 2 and len({line for line in result.stderr.splitlines()
                                                       if line.startswith("wrote ")}) == 2


def test_outputs_where_nothing_can_be_written_are_refused_before_any_work(ucf_clips, tmp_path):
    for option, target in (("--out", "/proc/actionzs.json"), ("--out", f"{ucf_clips[0]}/p.json"),
                           ("--timeline", "/proc/t.png")):
        extra = ["--window", "2"] if option == "--timeline" else []
        result = CliRunner().invoke(main, ["predict", str(ucf_clips[0]), *TINY, "--labels", "a,b", option, target,
                                           *extra])
        assert result.exit_code == 2, (option, target, result.output)
        assert len(_errors(result)) == 1 and option in _errors(result)[0]


def test_a_label_line_with_an_empty_id_names_its_line(ucf_clips, tmp_path):
    labels = tmp_path / "labels.txt"
    labels.write_text("jump\tjumping\n# a comment\n\tno id here\n")
    result = CliRunner().invoke(main, ["predict", str(ucf_clips[0]), *TINY, "--labels", str(labels)])
    assert result.exit_code == 2 and "line 3: empty label id" in _errors(result)[0]


def test_more_segments_than_frames_is_refused(data_dir, tmp_path):
    vocab = tmp_path / "vocab.json"
    vocab.write_text(json.dumps({"verbs": ["take", "cut"], "nouns": ["knife", "onion"]}))
    gif = data_dir / "videos/kinetics-i3d/v_CricketShot_g04_c01_rgb.gif"  # 79 frames
    result = CliRunner().invoke(main, ["anticipate", str(gif), "--vocab", str(vocab), "--segments", "1000", "-m",
                                       "random:openclip-tiny", "--llm", "none"])
    assert result.exit_code == 2 and "--segments 1000" in _errors(result)[0] and "79 frames" in _errors(result)[0]


def test_a_config_file_of_comments_only_sets_nothing(tmp_path, monkeypatch):
    config = tmp_path / "config.yaml"
    config.write_text("# my defaults, none yet\n# model: random:openclip-tiny\n")
    monkeypatch.setenv("ACTIONZS_CONFIG", str(config))
    result = CliRunner().invoke(main, ["labels"])
    assert result.exit_code == 0 and "ucf101" in result.stdout


def test_the_config_files_model_reaches_adapt_as_it_reaches_predict(ucf_clips, tmp_path, monkeypatch):
    config = tmp_path / "config.yaml"
    config.write_text("model: random:openclip-tiny\n")
    monkeypatch.setenv("ACTIONZS_CONFIG", str(config))
    support = tmp_path / "support"
    for clip, name in zip(ucf_clips[:2], "ab"):
        (support / name).mkdir(parents=True)
        shutil.copy(clip, support / name / clip.name)
    result = CliRunner().invoke(main, ["adapt", str(support), "-o", str(tmp_path / "adapter"), "--frames", "2",
                                       "--json", "--workers", "0"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["base_model"] == "random:openclip-tiny"


def test_predict_offers_only_methods_that_rank_labels(ucf_clips):
    result = CliRunner().invoke(main, ["predict", str(ucf_clips[0]), "--method", "videomae"])
    assert result.exit_code == 2 and "'videomae' is not one of 'clip', 'xclip', 'caption'" in result.stderr
    assert "--backbone" not in result.stderr
    listed = CliRunner().invoke(main, ["eval", "--help"])
    assert "videomae" in listed.stdout  # episodic protocols still score VideoMAE features


def test_progress_off_a_terminal_is_plain_lines_and_quiet_prints_results_only(ucf_clips, tmp_path, monkeypatch):
    from actionzs import console

    monkeypatch.setattr(console, "LOG_EVERY_S", 0.0)  # every update speaks (a long run's lines, at once)
    clips = [str(c) for c in ucf_clips[:3]]
    out = tmp_path / "p.json"
    result = CliRunner().invoke(main, ["predict", *clips, *TINY, "--labels", "a,b", "--workers", "0", "--out",
                                       str(out)])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stderr.splitlines() if line.startswith("videos: ")]
    assert lines[0].startswith("videos: 1/3 videos, ") and "/s, " in lines[0] and "elapsed" in lines[0]
    assert any(line.startswith("videos: 3/3 videos") for line in lines)
    assert f"wrote {out}" in result.stderr
    quiet = CliRunner().invoke(main, ["-q", "predict", *clips, *TINY, "--labels", "a,b", "--workers", "0", "--out",
                                      str(tmp_path / "q.json")])
    assert quiet.exit_code == 0 and "videos:" not in quiet.stderr and "wrote" not in quiet.stderr
    assert (tmp_path / "q.json").exists()


def test_clock_is_one_format_for_people():
    from actionzs.console import clock

    assert clock(0) == "0:00.0" and clock(75.25) == "1:15.2" and clock(3725) == "1:02:05"


def test_an_invalid_custom_protocol_is_refused_before_any_data_is_read(tmp_path):
    import time

    protocol = tmp_path / "mine.yaml"
    protocol.write_text("name: mine\ndataset: hmdb51\nkind: zero-shot\ntest_classes_per_run: 500\nruns: 2\n")
    started = time.monotonic()
    result = CliRunner().invoke(main, ["eval", "-p", str(protocol), "--captions", str(tmp_path / "never_read.json")])
    assert result.exit_code == 2 and "test_classes_per_run must be between 1 and 50" in _errors(result)[0]
    assert time.monotonic() - started < 15  # refused before captions are read or embedded
    unknown = tmp_path / "unknown.yaml"
    unknown.write_text("name: u\ndataset: ucf101\nkind: zero-shot\ntest_classes: [PushUps, Juggling_Typo]\n")
    result = CliRunner().invoke(main, ["eval", "-p", str(unknown), "--root", str(tmp_path)])
    assert result.exit_code == 2 and "unknown class 'Juggling_Typo'" in _errors(result)[0]


def test_segments_as_subtitles_parse_back_as_the_segments(ucf_clips, tmp_path):
    import pysubs2

    clip = str(ucf_clips[1])
    for suffix in (".srt", ".vtt"):
        subtitles = tmp_path / f"cues{suffix}"
        result = CliRunner().invoke(main, ["predict", clip, *TINY, "--labels", "a,b,c", "--window", "1", "--hop", "1",
                                           "--segments", "--json", "--subtitles", str(subtitles), "--workers", "0"])
        assert result.exit_code == 0, result.output
        segments = json.loads(result.stdout)["videos"][0]["segments"]
        cues = pysubs2.load(str(subtitles))
        assert len(cues) == len(segments) >= 1
        for cue, segment in zip(cues, segments):
            assert (cue.start, cue.end) == (round(segment["start"] * 1000), round(segment["end"] * 1000))
            assert cue.text == f"{segment['text']} ({segment['mean_score']:.2f})"
    refused = CliRunner().invoke(main, ["predict", clip, *TINY, "--labels", "a,b", "--subtitles", "x.srt"])
    assert refused.exit_code == 2 and "--window" in refused.stderr
    wrong = CliRunner().invoke(main, ["predict", clip, *TINY, "--labels", "a,b", "--window", "1", "--subtitles", "x.txt"])
    assert wrong.exit_code == 2 and ".srt or .vtt" in wrong.stderr


def test_report_pictures_show_counts_a_colour_bar_and_per_class_bars(tmp_path, monkeypatch):
    import matplotlib.pyplot as plt

    from actionzs import plots
    from actionzs.output import markdown_report

    figures = []
    monkeypatch.setattr(plt, "close", lambda fig: figures.append(fig))
    plots.confusion_png(tmp_path / "c.png", [[3, 1], [0, 4]], ["jump", "run"])
    plots.per_class_png(tmp_path / "p.png", [0.75, 1.0], ["jump", "run"])
    confusion, bars = figures
    assert len(confusion.axes) == 2  # the matrix and its colour bar
    assert sorted(t.get_text() for t in confusion.axes[0].texts) == ["0", "1", "3", "4"]
    assert [round(p.get_width()) for p in bars.axes[0].patches] == [75, 100]  # worst first
    assert (tmp_path / "c.png").read_bytes()[:4] == (tmp_path / "p.png").read_bytes()[:4] == b"\x89PNG"
    from actionzs.eval.report import EvalReport

    runs = [{"top1": t, "top5": 1.0, "mean_class_accuracy": t, "classes": ["a"], "per_class": [t],
             "confusion": [[4]], "num_videos": 4} for t in (0.5, 0.7)]
    setup = {"method": "clip", "model": "m", "untrained": False, "prompts": None, "templates": None, "views": {},
             "runtime": {}, "root": "r", "splits": None, "adapter": None, "actionzs": "0"}
    report = EvalReport.model_validate({
        "protocol": {"name": "p", "dataset": "d", "kind": "zero-shot", "description": "", "runs": 2, "seed": 0},
        "setup": setup, "result": {"runs": runs, "top1_mean": 60.0, "top1_std": 10.0, "top1_runs": [50, 70]}})
    assert "| top-1 | 60.0 | 10.0 |" in markdown_report(report)


def test_shells_complete_label_sets_protocols_and_model_names():
    from click.shell_completion import ShellComplete

    def complete(args, incomplete):
        return [item.value for item in ShellComplete(main, {}, "actionzs", "_ACTIONZS_COMPLETE")
                .get_completions(args, incomplete)]

    assert complete(["predict", "clip.mp4", "--labels"], "hm") == ["hmdb51"]
    assert set(complete(["labels"], "kin")) == {"kinetics400", "kinetics600"}
    assert "ucf101-zs-split1" in complete(["eval", "-p"], "ucf101-zs")
    assert "random:openclip-tiny" in complete(["predict", "clip.mp4", "-m"], "random:")
    assert "ViT-B-16:openai" in complete(["adapt", "support/", "-m"], "ViT-B-16")


def _lossless_file(frames, fps, path):
    """``frames`` written losslessly (PNG images in an AVI), as a file holding exactly these frames."""
    from fractions import Fraction

    import av

    with av.open(str(path), "w") as out:
        stream = out.add_stream("png", rate=Fraction(fps).limit_denominator(1000))
        stream.width, stream.height, stream.pix_fmt = frames.shape[2], frames.shape[1], "rgb24"
        for i, frame in enumerate(frames):
            picture = av.VideoFrame.from_ndarray(frame, format="rgb24")
            picture.pts = i
            out.mux(stream.encode(picture))
        out.mux(stream.encode())
    return path


def test_frames_in_memory_rank_as_the_same_frames_in_a_file(ucf_clips, tmp_path):
    """random:openclip-tiny (UNTRAINED): numpy and torch frames give the file's scores, whole and by window."""
    import torch

    from actionzs import api
    from actionzs.video import open_video

    with open_video(ucf_clips[0]) as video:
        frames, fps = video.frames(range(len(video))), video.info.fps
    path = _lossless_file(frames, fps, tmp_path / "same.avi")
    with open_video(path) as check:
        assert np.array_equal(check.frames(range(len(check))), frames)
    clf = api.ZeroShotClassifier("random:openclip-tiny", "ucf101", runtime=api.Runtime("cpu", "fp32"))
    from_file = clf([path], top_k=5).predictions[0].top
    for array in (frames, torch.from_numpy(frames)):
        report = clf([api.Frames(array, fps, name="webcam")], top_k=5)
        assert report.predictions[0].video.startswith("frames:webcam@")
        got = report.predictions[0].top
        assert [r.label for r in got] == [r.label for r in from_file]
        np.testing.assert_allclose([r.score for r in got], [r.score for r in from_file], atol=1e-5)
    windows = api.Windowing(window=2)
    by_file = clf.timeline([path], windows).videos[0]
    by_frames = clf.timeline([api.Frames(frames, fps)], windows).videos[0]
    assert [w.start for w in by_frames.windows] == [w.start for w in by_file.windows]
    np.testing.assert_allclose([w.top[0].score for w in by_frames.windows], [w.top[0].score for w in by_file.windows],
                               atol=1e-5)
    from actionzs.errors import InputError

    with pytest.raises(InputError, match="need their rate"):
        clf([frames])  # an array alone: one line saying what to pass
    with pytest.raises(InputError, match="uint8"):
        api.Frames(frames.astype(np.float32), fps)
    request = api.CaptionRequest("random:blip-tiny", window=2)  # UNTRAINED captioner: the same noise from both
    captioned = api.caption([path, api.Frames(frames, fps, name="mem")], request, runtime=api.Runtime("cpu"))
    by_path, by_memory = captioned.observer.videos.values()
    assert [(c.sentence, c.start, c.end) for c in by_memory] == [(c.sentence, c.start, c.end) for c in by_path]
