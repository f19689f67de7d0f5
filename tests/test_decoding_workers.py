"""Decoding in worker processes never stalls: workers start clean (a fork server, not a fork of a process whose
decoders ran), return what decoding here returns, and a decoder that blocks forever costs one error line for its
file, not the run. Models are tiny and UNTRAINED; nothing here is a prediction."""

from __future__ import annotations

import functools
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from actionzs.features import extract
from actionzs.methods.clip_zeroshot import ClipMethod
from actionzs.options import Sampling
from actionzs.runtime import Runtime
from actionzs import runtime as workers

SAMPLING = Sampling(frames=4)


@pytest.fixture(scope="module")
def pyav_method():
    return ClipMethod.load("random:openclip-tiny", Runtime("cpu", "fp32", 32, 0, decoder="pyav"))


def _blocking(path: Path, real, stuck: str):
    """A decoder stand-in that never returns for the file named ``stuck`` (as a deadlocked FFmpeg would)."""
    if path.name == stuck:
        threading.Event().wait()
    return real(path)


def test_four_clean_workers_after_the_parent_decoded_return_the_sequential_features(pyav_method, ucf_clips):
    clips = [str(c) for c in ucf_clips[:6]]
    decode = pyav_method.decoder(SAMPLING)
    here = list(extract(clips, "k", SAMPLING, decode, pyav_method.embed, None, 32, workers=0))  # the parent decodes
    assert all(error is None for _, _, error in here)
    piped = list(extract(clips, "k", SAMPLING, decode, pyav_method.embed, None, 32, workers=4))
    assert [p for p, _, _ in piped] == clips
    for (_, a, _), (_, b, _) in zip(here, piped):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_a_decoder_that_blocks_forever_is_one_error_line_and_the_rest_go_on(pyav_method, ucf_clips):
    clips = [str(c) for c in ucf_clips[:4]]
    real = pyav_method.decoder(SAMPLING)
    decode = functools.partial(_blocking, real=real, stuck=Path(clips[1]).name)
    stall = 4.0
    started = time.monotonic()
    out = list(extract(clips, "k", SAMPLING, decode, pyav_method.embed, None, 32, workers=2, stall_s=stall))
    elapsed = time.monotonic() - started
    assert [p for p, _, _ in out] == clips
    assert out[1][1] is None and "no progress" in out[1][2] and clips[1] in out[1][2]
    reference = list(extract([clips[i] for i in (0, 2, 3)], "k", SAMPLING, real, pyav_method.embed, None, 32, workers=0))
    for (_, got, error), (_, want, _) in zip([out[i] for i in (0, 2, 3)], reference):
        assert error is None
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    assert elapsed < stall + 60  # one wait of the bound, plus starting workers twice: never an endless hang


def test_workers_start_clean_and_scale_with_the_device(monkeypatch):
    assert workers.worker_context().get_start_method() in ("forkserver", "spawn")
    monkeypatch.setattr(workers, "cores", lambda: 16)
    assert workers.default_workers("cpu") == workers.CPU_MAX_WORKERS
    assert workers.default_workers("cuda") == 15
    monkeypatch.setattr(workers, "cores", lambda: 64)
    assert workers.default_workers("cuda:1") == workers.GPU_MAX_WORKERS
    monkeypatch.setattr(workers, "cores", lambda: 1)
    assert workers.default_workers("cuda") == workers.default_workers("cpu") == 0
    monkeypatch.setattr(workers, "cores", lambda: 16)
    monkeypatch.setenv("LOCAL_WORLD_SIZE", "8")  # 8 GPU processes of a launch on one 16-core machine share it
    assert workers.default_workers("cuda") == 1
    monkeypatch.setenv("LOCAL_WORLD_SIZE", "2")
    assert workers.default_workers("cuda") == 7
    assert Runtime("cpu", workers=None).resolve().workers == workers.default_workers("cpu")


def test_the_decoder_is_chosen_by_name(ucf_clips):
    from actionzs.errors import InputError

    with pytest.raises(InputError, match="--decoder"):
        Runtime(decoder="ffmpeg-cli")
    method = ClipMethod.load("random:openclip-tiny", Runtime("cpu", "fp32", 32, 0, decoder="pyav"))
    auto = ClipMethod.load("random:openclip-tiny", Runtime("cpu", "fp32", 32, 0))
    a = method.encode(ucf_clips[0], SAMPLING)
    b = auto.encode(ucf_clips[0], SAMPLING)
    assert a.shape == b.shape and np.isfinite(a).all()


def test_the_worker_server_starts_only_where_several_videos_will_be_decoded(monkeypatch, ucf_clips):
    """One video is decoded in the process itself, and text-only jobs decode none: neither pays the server's
    start-up (about 2.5 s of CPU on 2 cores)."""
    from multiprocessing import forkserver

    from conftest import need_data, run

    started = []
    monkeypatch.setattr(forkserver, "ensure_running", lambda: started.append(True))
    for videos in (0, 1):
        Runtime("cpu", workers=2).start_workers(videos=videos)
    Runtime("cpu", workers=0).start_workers(videos=5)
    assert started == []
    Runtime("cpu", workers=2).start_workers(videos=2)
    Runtime("cpu", workers=2).start_workers()  # not known yet: started, as before
    assert len(started) == 2

    asked = []
    monkeypatch.setattr(Runtime, "start_workers", lambda self, videos=None: asked.append(videos))
    tiny = ["-m", "random:openclip-tiny", "--labels", "a,b", "--frames", "2", "--no-cache", "--workers", "0"]
    assert run("predict", ucf_clips[0], *tiny).exit_code == 0
    assert run("predict", *ucf_clips[:3], *tiny).exit_code == 0
    assert run("predict", ucf_clips[0], *tiny, "--window", "2").exit_code == 0  # windows are read in this process
    windows = need_data("anticipation/ego4d_lta_v1")  # the anticipation protocol reads text: nothing to decode
    assert run("eval", "-p", "ego4d-lta-v1-text", "--root", windows, "--llm", "none", "--limit", "1").exit_code == 0
    assert asked == [1, 3, 0, 0]
