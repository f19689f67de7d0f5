"""`actionzs predict` end to end on real clips, with tiny UNTRAINED random-weight models."""

import json
import subprocess
import sys

import pytest
from conftest import run


TINY = "random:openclip-tiny"  # untrained: checks plumbing and schema, not accuracy



def test_json_output_schema_and_untrained_warning(ucf_clips):
    clips = ucf_clips[:2]
    result = run("predict", *clips, "-m", TINY, "--labels", "ucf101", "--json", "-k", "3")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["untrained"] is True
    assert any("untrained" in w for w in report["warnings"])
    assert "untrained" in result.stderr
    assert report["num_classes"] == 101 and report["labels"] == "ucf101"
    pixels = report["sampling"].pop("pixels")
    assert report["sampling"] == {"frames": 8, "clips": 1, "crops": 1, "stride": None}
    assert pixels["size"] == 64 and pixels["resize_mode"] == "shortest" and pixels["interpolation"] == "bicubic"
    assert [p["video"] for p in report["predictions"]] == [str(c) for c in clips]
    for pred in report["predictions"]:
        scores = [r["score"] for r in pred["top"]]
        assert len(pred["top"]) == 3 and scores == sorted(scores, reverse=True)
        assert all(0 < s < 1 for s in scores)
        assert {"label", "text", "score"} == set(pred["top"][0])
    assert report["errors"] == []


def test_probabilities_over_all_labels_sum_to_one(ucf_clips):
    result = run("predict", ucf_clips[0], "-m", TINY, "--labels", "a,b,c,d", "--json", "-k", "10")
    top = json.loads(result.stdout)["predictions"][0]["top"]
    assert len(top) == 4 and sum(r["score"] for r in top) == pytest.approx(1.0)


def test_mixed_batch_reports_bad_files_and_keeps_good_ones(ucf_clips, data_dir, tmp_path):
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    videos = [ucf_clips[0], data_dir / "videos/decord/corrupted.mp4", empty, tmp_path / "missing.avi", ucf_clips[1]]
    result = run("predict", *videos, "-m", TINY, "--json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert [p["video"] for p in report["predictions"]] == [str(ucf_clips[0]), str(ucf_clips[1])]
    assert len(report["errors"]) == 3
    for line in ("corrupted.mp4: corrupt", "empty.mp4: empty file", "missing.avi: no such file"):
        assert line in result.stderr


def test_csv_and_atomic_out_file(ucf_clips, tmp_path):
    out = tmp_path / "preds.csv"
    result = run("predict", ucf_clips[0], "-m", "random:hf-clip-tiny", "-k", "2", "--out", out)
    assert result.exit_code == 0
    lines = out.read_text().splitlines()
    assert lines[0] == "video,rank,label,text,score" and len(lines) == 3
    assert not list(tmp_path.glob(".*tmp"))


def test_table_output_says_untrained(ucf_clips):
    result = run("predict", ucf_clips[0], "-m", TINY, "--labels", "hmdb51", "-k", "2")
    assert "UNTRAINED" in result.stdout and "1." in result.stdout


@pytest.mark.parametrize(
    "args, message",
    [
        (["--labels", ""], "empty label list"),
        (["--labels", " , ,"], "empty label list"),
        (["--labels", "nope/labels.txt"], "no such file"),
        (["-m", "ViT-B-16:openai"], "not in the local cache"),
        (["-m", "openai/clip-vit-base-patch16"], "cannot be reached"),
        (["-m", "bogus"], "unknown model"),
        (["--prompts", "nosuch"], "unknown prompt ensemble"),
        (["--frames", "0"], "Invalid value for '--frames'"),
    ],
)
def test_bad_options_fail_in_one_line_with_non_zero_exit(ucf_clips, args, message):
    result = run("predict", ucf_clips[0], *args)
    assert result.exit_code == 2
    assert message in result.stderr and result.stderr.count("\n") == 1, result.stderr


def test_offline_model_fails_fast_as_a_real_process(ucf_clips, monkeypatch):
    """No HF_HUB_OFFLINE here: the reachability probe itself must answer in seconds."""
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    proc = subprocess.run(
        [sys.executable, "-m", "actionzs.cli", "predict", str(ucf_clips[0]), "-m", "ViT-B-32:laion2b_s34b_b79k"],
        capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 2
    assert "ViT-B-32:laion2b_s34b_b79k" in proc.stderr and "local checkpoint" in proc.stderr
