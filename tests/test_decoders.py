"""Decoders by name: decord and torchcodec return PyAV's frames for the same indices on every readable real clip
(rotation and the final frame included), or say why they cannot. torchcodec is an optional extra: its tests skip,
with the reason, where it or the system FFmpeg libraries it loads are missing (.ci/run installs both)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from actionzs.errors import VideoError
from actionzs.video import open_video
from actionzs.video.reader import decord, torchcodec_decoder

NO_TORCHCODEC = "torchcodec or the FFmpeg libraries it loads are missing: pip install 'actionzs[torchcodec]' and " \
                "apt-get install libavcodec59 libavformat59 (or ffmpeg)"
TOLERANCE = {"decord": 2.0, "torchcodec": 0.0}  # mean absolute difference per pixel against PyAV


def _clips(manifest, data_dir):
    rows = [r for r in manifest if r["pyav_ok"] == "True"]
    assert len(rows) >= 40
    return [data_dir / r["path"] for r in rows]


def _available(backend: str) -> None:
    if backend == "torchcodec" and torchcodec_decoder() is None:
        pytest.skip(NO_TORCHCODEC)
    if backend == "decord" and decord is None:
        pytest.skip("decord has no wheel for this platform")


@pytest.fixture(scope="module")
def pyav_frames():
    """PyAV's frames of (path, indices), decoded once for the module: both decoders are compared with them."""
    decoded = {}

    def frames(path, idx):
        key = (path, tuple(idx))
        if key not in decoded:
            with open_video(path, backend="pyav") as reference:
                decoded[key] = reference.frames(idx).astype(np.int16)
        return decoded[key]

    return frames


@pytest.mark.parametrize("backend", ["decord", "torchcodec"])
def test_each_decoder_returns_pyavs_frames_on_every_real_clip(manifest, data_dir, backend, pyav_frames):
    _available(backend)
    used = set()
    for path in _clips(manifest, data_dir):
        try:
            other = open_video(path, backend=backend)
        except VideoError:  # the decoder refuses this file: said in one line, never wrong frames
            continue
        with other, open_video(path, backend="pyav") as reference:
            n = min(len(other), len(reference))
            idx = np.unique(np.r_[np.linspace(0, n - 1, 7).round().astype(int), n - 1])  # the final frame too
            got, want = other.frames(idx).astype(np.int16), pyav_frames(path, idx)  # int16: a difference fits
            used.add(other.info.backend)
            assert got.shape == want.shape, path
            assert np.abs(got - want).mean() <= TOLERANCE.get(other.info.backend, 0.0), (path, other.info.backend)
    assert backend in used


def test_torchcodec_turns_rotated_video_upright(data_dir):
    _available("torchcodec")
    path = data_dir / "videos/decord/video_90.mov"
    with open_video(path, backend="torchcodec") as video:
        assert video.info.backend == "torchcodec" and video.info.display_size == (320, 568)
        frames = video.frames([0, 1, 2])
    assert frames.shape == (3, 568, 320, 3)
    pyav = open_video(path, backend="pyav").frames([0, 1, 2])
    assert np.array_equal(frames, pyav)


def test_avi_and_gif_are_read_by_pyav_under_torchcodec(data_dir):
    _available("torchcodec")
    for name in ("3DNet_Visualization/v_ApplyEyeMakeup_g01_c01.avi", "kinetics-i3d/v_CricketShot_g04_c01_rgb.gif"):
        with open_video(data_dir / "videos" / name, backend="torchcodec") as video:
            assert video.info.backend == "pyav"


def test_the_decoder_option_reaches_the_reader(ucf_clips, tmp_path):
    from click.testing import CliRunner

    from actionzs.cli import main

    data = ucf_clips[0]
    result = CliRunner().invoke(main, ["predict", str(data), "-m", "random:openclip-tiny", "--labels", "a,b",
                                       "--decoder", "pyav", "--json", "--workers", "0"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["runtime"]["decoder"] == "pyav"
    cached = lambda: sorted((tmp_path / "cache" / "features").glob("*/seg*/*.safetensors"))  # noqa: E731 videos
    before = cached()
    again = CliRunner().invoke(main, ["predict", str(data), "-m", "random:openclip-tiny", "--labels", "a,b",
                                      "--decoder", "decord", "--json", "--workers", "0"])
    assert again.exit_code == 0, again.output
    assert len(before) == 1 and len(cached()) == 2  # decord's features are not pyav's: embedded anew, kept apart
    refused = CliRunner().invoke(main, ["predict", str(data), "--decoder", "ffmpeg"])
    assert refused.exit_code == 2 and "--decoder" in refused.stderr


def test_gpu_decoding_is_refused_in_one_line_where_it_cannot_run(ucf_clips):
    import torch
    from click.testing import CliRunner

    from actionzs.cli import main

    result = CliRunner().invoke(main, ["predict", str(ucf_clips[0]), "-m", "random:openclip-tiny", "--labels", "a,b",
                                       "--decode-device", "cuda"])
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU: benchmarks/gpu_check.py exercises NVDEC decoding")
    assert result.exit_code == 2 and len(errors) == 1 and "--decode-device cuda" in errors[0]
    mixed = CliRunner().invoke(main, ["predict", str(ucf_clips[0]), "--decoder", "pyav", "--decode-device", "cuda"])
    assert mixed.exit_code == 2 and "torchcodec" in mixed.stderr
