"""Long videos: windows by time, smoothing, segments, the timeline picture and JSON, on hand-made score sequences
and on real clips joined end to end. Models here are tiny and UNTRAINED (random weights): they test plumbing and
timing, and a fitted adapter is what makes scores differ between the two clips."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import av
import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from actionzs.cli import main
from actionzs.errors import InputError
from actionzs.timeline.report import TimelineReport
from actionzs.timeline.segments import cells, segments, smooth
from actionzs.video import reader
from actionzs.video.windows import TimeWindow, time_windows

TINY = ["-m", "random:openclip-tiny"]
IDS, TEXTS = ("a", "b", "c"), ("alpha", "beta", "gamma")


def _one_hot(labels: list[int], high: float = 0.8) -> np.ndarray:
    scores = np.full((len(labels), 3), (1 - high) / 2)
    scores[np.arange(len(labels)), labels] = high
    return scores


# ----- segments from hand-made scores -----

def test_consecutive_windows_merge_and_cells_tile_the_video():
    windows = time_windows(10.0, 2.0, 1.0)  # starts 0..8, the last ends at 10
    found = segments(_one_hot([0, 0, 0, 1, 1, 1, 1, 2, 2]), windows, 10.0, IDS, TEXTS)
    assert [(s.label, s.windows) for s in found] == [("a", 3), ("b", 4), ("c", 2)]
    assert found[0].start == 0.0 and found[-1].end == 10.0
    assert found[0].end == found[1].start == pytest.approx(3.5)  # halfway between the 3rd and 4th window middles
    assert all(a.end == b.start for a, b in zip(found, found[1:]))
    edges = cells(windows, 10.0)
    assert edges[0][0] == 0.0 and edges[-1][1] == 10.0 and all(a[1] == b[0] for a, b in zip(edges, edges[1:]))


def test_a_single_window_action_is_a_segment_of_its_own():
    windows = time_windows(6.0, 1.0, 1.0)
    found = segments(_one_hot([0, 0, 1, 0, 0, 0]), windows, 6.0, IDS, TEXTS)
    assert [(s.label, s.start, s.end) for s in found] == [("a", 0.0, 2.0), ("b", 2.0, 3.0), ("a", 3.0, 6.0)]
    assert found[1].mean_score == found[1].max_score == pytest.approx(0.8)


def test_windows_under_the_background_threshold_are_gaps():
    scores = _one_hot([0, 0, 0, 0, 0])
    scores[2] = [0.4, 0.3, 0.3]  # the best class is weak here
    found = segments(scores, time_windows(5.0, 1.0, 1.0), 5.0, IDS, TEXTS, background=0.5)
    assert [(s.label, s.start, s.end) for s in found] == [("a", 0.0, 2.0), ("a", 3.0, 5.0)]
    assert segments(_one_hot([0, 1], high=0.4), time_windows(2.0, 1.0, 1.0), 2.0, IDS, TEXTS, background=0.5) == []


def test_the_last_partial_window_and_a_video_shorter_than_a_window():
    windows = time_windows(5.0, 2.0, 2.0)
    assert windows[-1] == TimeWindow(4.0, 5.0)
    found = segments(_one_hot([0, 0, 1]), windows, 5.0, IDS, TEXTS)
    assert found[-1].label == "b" and found[-1].end == 5.0 and found[-1].start == pytest.approx(4.0)
    short = time_windows(1.5, 4.0, 2.0)
    assert short == [TimeWindow(0.0, 1.5)]
    assert [(s.start, s.end) for s in segments(_one_hot([2]), short, 1.5, IDS, TEXTS)] == [(0.0, 1.5)]


def test_smoothing_is_centred_and_shortened_at_the_ends():
    x = np.array([[0.0], [3.0], [0.0], [0.0], [9.0]])
    assert smooth(x, 3, "mean")[:, 0].tolist() == [1.5, 1.0, 1.0, 3.0, 4.5]
    assert smooth(x, 3, "median")[:, 0].tolist() == [1.5, 0.0, 0.0, 0.0, 4.5]
    assert smooth(x, 1)[:, 0].tolist() == x[:, 0].tolist()
    with pytest.raises(InputError, match="odd"):
        smooth(x, 2)
    flicker = _one_hot([0, 0, 1, 0, 0])  # one stray window inside a long action disappears when smoothed
    assert [s.label for s in segments(smooth(flicker, 3, "median"), time_windows(5.0, 1.0, 1.0), 5.0, IDS, TEXTS)] == ["a"]


# ----- real clips joined end to end -----

def _join(clips: list[Path], out: Path) -> float:
    """Write the clips one after the other (same size, 25 fps) as one video; returns where the second starts."""
    with av.open(str(out), "w") as container:
        stream = container.add_stream("mpeg4", rate=25)
        stream.width, stream.height, stream.pix_fmt = 320, 240, "yuv420p"
        lengths = []
        for clip in clips:
            with reader.open_video(clip) as video:
                frames = video.frames(np.arange(len(video)))
            lengths.append(len(frames))
            for frame in frames:
                container.mux(stream.encode(av.VideoFrame.from_ndarray(np.ascontiguousarray(frame), format="rgb24")))
        container.mux(stream.encode())
    return lengths[0] / 25


@pytest.fixture(scope="module")
def joined(tmp_path_factory, data_dir):
    """PushUps (3.16 s) then Shotput (5.2 s), both UCF101 320x240 at 25 fps, and a support folder of the two."""
    folder = tmp_path_factory.mktemp("joined")
    first = data_dir / "videos/real_time_video_action_recognition/v_PushUps_g02_c03.avi"
    second = data_dir / "videos/3DNet_Visualization/v_Shotput_g05_c02.avi"
    boundary = _join([first, second], folder / "joined.mp4")
    support = folder / "support"
    for clip, label in ((first, "PushUps"), (second, "Shotput")):
        (support / label).mkdir(parents=True)
        shutil.copy(clip, support / label / clip.name)
    return folder / "joined.mp4", boundary, support


def test_the_segment_boundary_falls_where_the_clips_meet(joined, tmp_path):
    video, boundary, support = joined
    result = CliRunner().invoke(main, ["adapt", str(support), "-o", str(tmp_path / "ad"), *TINY, "--method", "linear"])
    assert result.exit_code == 0, result.output
    hop = 0.5
    result = CliRunner().invoke(main, ["predict", str(video), "--adapter", str(tmp_path / "ad"), "--window", "1",
                                       "--hop", str(hop), "--json"])
    assert result.exit_code == 0, result.output
    report = TimelineReport.model_validate_json(result.stdout)  # the documented shape
    found = report.videos[0].segments
    assert [s.label for s in found] == ["PushUps", "Shotput"], found
    assert abs(found[0].end - boundary) <= hop and found[0].start == 0.0
    assert found[1].end == pytest.approx(report.videos[0].duration, abs=0.05)
    assert report.videos[0].duration == pytest.approx(boundary + 5.2, abs=0.05)
    windows = report.videos[0].windows
    assert windows[0].start == 0.0 and all(b.start - a.start == pytest.approx(hop) for a, b in zip(windows, windows[1:]))


def test_timeline_picture_json_and_csv_from_one_run(joined, tmp_path):
    video, _, _ = joined
    args = ["predict", str(video), *TINY, "--labels", "ucf101", "--window", "2", "--hop", "1", "-k", "3"]
    png = tmp_path / "t.png"
    result = CliRunner().invoke(main, [*args, "--timeline", str(png), "--json", "--out", str(tmp_path / "t.json")])
    assert result.exit_code == 0, result.output
    with Image.open(png) as picture:
        assert picture.format == "PNG" and picture.size[0] >= 1000 and picture.size[1] >= 300
    report = TimelineReport.model_validate(json.loads((tmp_path / "t.json").read_text()))
    assert report.untrained and len(report.videos[0].windows) == 8 and len(report.videos[0].windows[0].top) == 3
    assert all(abs(sum(w.top[i].score for i in range(3))) <= 1.0 + 1e-6 for w in report.videos[0].windows)
    svg, page = tmp_path / "t.svg", tmp_path / "t.html"
    for path in (svg, page):
        assert CliRunner().invoke(main, [*args, "--timeline", str(path)]).exit_code == 0
    assert svg.read_text().lstrip().startswith("<?xml") and "<svg" in page.read_text()
    rows = CliRunner().invoke(main, [*args, "--csv"]).stdout.splitlines()
    assert rows[0] == "video,start,end,rank,label,text,score" and len(rows) == 1 + 8 * 3


def test_changing_smoothing_or_background_decodes_nothing(joined, tmp_path, monkeypatch):
    video, _, _ = joined
    args = ["predict", str(video), *TINY, "--labels", "ucf101", "--window", "2", "--hop", "1", "--json"]
    first = CliRunner().invoke(main, args)
    assert first.exit_code == 0
    reads = dict(reader.DECODE_CALLS)
    again = CliRunner().invoke(main, [*args, "--smooth", "3", "--background", "0.02", "--segments"])
    assert again.exit_code == 0 and reader.DECODE_CALLS["read"] == reads["read"]
    plain, smoothed = json.loads(first.stdout)["videos"][0], json.loads(again.stdout)["videos"][0]
    assert plain["windows"][0]["top"] != smoothed["windows"][0]["top"]  # same features, smoothed scores


@pytest.mark.parametrize("method", ["xclip", "caption"])
def test_every_method_ranks_windows(joined, method, tmp_path):
    video, _, _ = joined
    extra = {"xclip": ["-m", "random:xclip-tiny"], "caption": ["--captioner", "random:blip-tiny"]}[method]
    result = CliRunner().invoke(main, ["predict", str(video), "--method", method, *extra, "--labels", "ucf101",
                                       "--window", "3", "--hop", "3", "--json"])
    assert result.exit_code == 0, result.output
    report = TimelineReport.model_validate_json(result.stdout)
    assert report.method == method and len(report.videos[0].windows) == 3


def test_caption_files_are_matched_to_the_windows_they_overlap(joined, tmp_path):
    video, boundary, _ = joined
    captions = {"results": {"joined": [
        {"sentence": "a man does push ups on the floor", "timestamp": [0.0, boundary]},
        {"sentence": "an athlete throws a heavy shot put ball", "timestamp": [boundary, 8.4]}]}}
    (tmp_path / "obs.json").write_text(json.dumps(captions))
    result = CliRunner().invoke(main, ["predict", str(video), "--method", "caption", "--captions",
                                       str(tmp_path / "obs.json"), "--labels", "ucf101", "--window", "1", "--hop", "1",
                                       "--segments", "--json"])
    assert result.exit_code == 0, result.output
    found = TimelineReport.model_validate_json(result.stdout).videos[0].segments
    assert [s.label for s in found] == ["PushUps", "Shotput"]  # MiniLM (real weights) reads the captions
    assert abs(found[0].end - boundary) <= 1.0


def test_caption_scores_keep_their_meaning_in_windows(joined, tmp_path):
    """One window over the whole video scores as the whole video does: cosine similarities, never a softmax."""
    video, boundary, _ = joined
    captions = {"results": {"joined": [{"sentence": "a man does push ups on the floor", "timestamp": [0.0, boundary]},
                                       {"sentence": "an athlete throws a shot put", "timestamp": [boundary, 8.4]}]}}
    (tmp_path / "obs.json").write_text(json.dumps(captions))
    args = ["predict", str(video), "--method", "caption", "--captions", str(tmp_path / "obs.json"), "--labels",
            "ucf101", "--top-k", "5", "--json"]
    whole = json.loads(CliRunner().invoke(main, args, catch_exceptions=False).stdout)
    windowed = CliRunner().invoke(main, [*args, "--window", "60"], catch_exceptions=False)
    report = TimelineReport.model_validate_json(windowed.stdout)
    assert whole["score"] == report.score == "similarity" and "similarities" in CliRunner().invoke(
        main, [*args[:-1], "--window", "60"]).stdout
    (window,) = report.videos[0].windows
    assert [(r.label, round(r.score, 5)) for r in window.top] == [
        (r["label"], round(r["score"], 5)) for r in whole["predictions"][0]["top"]]


@pytest.mark.parametrize("argv,message", [
    (["--smooth", "3"], "--smooth works on windows"),
    (["--window", "2", "--smooth", "2"], "odd number"),
    (["--window", "2", "--timeline", "{tmp}/t.jpg"], ".png, .svg or .html"),
    (["--window", "2", "--clips", "2"], "--clips"),
    (["--window", "0"], "--window"),
])
def test_window_options_fail_in_one_line(joined, tmp_path, argv, message):
    video, _, _ = joined
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    result = CliRunner().invoke(main, ["predict", str(video), *TINY, "--labels", "a,b", *argv])
    assert result.exit_code == 2 and message in result.stderr, result.output
    assert result.stderr.count("\n") == 1 and [p.name for p in tmp_path.iterdir()] in ([], ["cache"])
