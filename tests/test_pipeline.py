"""The pipelined feature extractor (decoding workers, frames of several videos per encoder call) gives exactly
what decoding and embedding one video at a time gives, in input order, with bad files reported and skipped; the
runtime (device, precision) is checked before any work. Models are tiny and UNTRAINED (random weights)."""

import numpy as np
import pytest
import torch
from click.testing import CliRunner

from actionzs import api, cache as cache_module
from actionzs.cache import FeatureCache
from actionzs.cli import main
from actionzs.errors import InputError
from actionzs.options import Sampling
from actionzs.methods import base as method_base
from actionzs.methods.clip_zeroshot import ClipMethod
from actionzs.methods.xclip import XClipMethod
from actionzs.models import clip as clip_models
from actionzs.runtime import Runtime, resolve_device, resolve_precision


@pytest.fixture()
def videos(ucf_clips, tmp_path):
    """Four real clips with a corrupt file and a missing file in the middle."""
    corrupt = tmp_path / "corrupt.avi"
    corrupt.write_bytes(b"RIFF\x00\x00 not a video at all" * 50)
    return [str(ucf_clips[0]), str(ucf_clips[1]), str(corrupt), str(tmp_path / "missing.avi"), str(ucf_clips[2]),
            str(ucf_clips[3])]


def _sequential(method, videos, sampling):
    """One video at a time: decode, then embed (what the pipeline must reproduce)."""
    out = {}
    for path in videos:
        try:
            out[path] = method.encode(path, sampling)
        except Exception:  # noqa: BLE001 - bad files are the point here
            out[path] = None
    return out


@pytest.mark.parametrize("workers,batch_size", [(0, 64), (2, 64), (2, 3), (1, 1000)])
@pytest.mark.parametrize("kind,model", [(ClipMethod, "random:openclip-tiny"), (XClipMethod, "random:xclip-tiny")])
def test_pipeline_equals_the_sequential_path_in_input_order(videos, kind, model, workers, batch_size):
    sampling = Sampling(frames=8, clips=2)
    method = kind.load(model, Runtime("cpu", "fp32", batch_size, workers))
    expected = _sequential(method, videos, sampling)
    got = list(method.features(videos, sampling))
    assert [path for path, _, _ in got] == videos
    for path, features, error in got:
        if expected[path] is None:
            assert features is None and error.startswith(path)
        else:
            assert error is None
            np.testing.assert_allclose(features, expected[path], rtol=1e-5, atol=1e-5)
    errors = {path: error for path, _, error in got if error}
    assert errors[videos[3]].endswith("no such file") and videos[2] in errors and len(errors) == 2


def test_cache_hits_are_never_decoded_and_digests_are_recalled(ucf_clips, tmp_path, monkeypatch):
    decoded = []
    real = method_base.video_pixels
    monkeypatch.setattr(method_base, "video_pixels", lambda path, **kw: decoded.append(path) or real(path, **kw))
    cache = FeatureCache(tmp_path / "c")
    method = ClipMethod.load("random:openclip-tiny", Runtime("cpu", "fp32", 64, 0))
    first = [f for _, f, _ in method.features(ucf_clips[:3], Sampling(), cache)]
    assert len(decoded) == 3
    monkeypatch.setattr(cache_module, "_HASHES", {})  # a new process: only the on-disk digests remain
    hashed = cache_module.HASHED["files"]
    again = [f for _, f, _ in method.features(ucf_clips[:3], Sampling(), cache)]
    assert len(decoded) == 3 and cache_module.HASHED["files"] == hashed  # nothing decoded, nothing rehashed
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
    copy = tmp_path / "copy.avi"  # same content, new path: hashed once, then served from the cache
    copy.write_bytes(ucf_clips[0].read_bytes())
    list(method.features([copy], Sampling(), cache))
    assert cache_module.HASHED["files"] == hashed + 1 and len(decoded) == 3


def test_the_classifier_loads_once_and_encodes_labels_once(ucf_clips):
    clf = api.ZeroShotClassifier("random:openclip-tiny", "ucf101", runtime=Runtime("cpu", "fp32", workers=0))
    text_calls, image_calls = clip_models.ENCODE_CALLS["text"], clip_models.ENCODE_CALLS["image"]
    first = clf(ucf_clips[:2], top_k=3)
    after_first = clip_models.ENCODE_CALLS["text"]
    second = clf(ucf_clips[2:4], top_k=3)
    assert clip_models.ENCODE_CALLS["text"] == after_first > text_calls  # labels encoded on first use only
    assert clip_models.ENCODE_CALLS["image"] > image_calls
    assert len(first.predictions) == len(second.predictions) == 2 and first.untrained
    _, features, _ = next(clf.features(ucf_clips[:1]))
    logits = clf.scores(features[None])[0]
    probs = np.exp(logits - logits.max()) / np.exp(logits - logits.max()).sum()
    assert [r.score for r in first.predictions[0].top] == pytest.approx(sorted(probs)[::-1][:3], rel=1e-5)
    assert first.runtime["device"] == "cpu" and first.runtime["precision"] == "fp32"


def test_auto_runtime_never_picks_a_precision_slower_than_fp32_here():
    runtime = Runtime().resolve()
    assert runtime.device == ("cuda:0" if torch.cuda.is_available() else runtime.device)
    if runtime.device == "cpu":
        from actionzs.runtime import cpu_has_amx

        assert runtime.precision == ("bf16" if cpu_has_amx() else "fp32")
    assert runtime.workers >= 0


@pytest.mark.parametrize("device,message", [
    ("cuda:7", "--device cuda:7: not present"),
    ("quantum", "--device: expected auto, cpu, cuda, cuda:N or mps"),
    ("cpu:1", "--device: expected"),
])
def test_an_absent_device_is_one_line_and_exit_2(ucf_clips, device, message):
    if device.startswith("cuda") and torch.cuda.device_count() > 7:
        pytest.skip("this machine has 8 CUDA devices")
    result = CliRunner().invoke(main, ["predict", str(ucf_clips[0]), "-m", "random:openclip-tiny", "--device", device])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [result.output.strip()] and message in result.output


def test_a_precision_the_device_cannot_do_is_one_line_and_exit_2(ucf_clips):
    result = CliRunner().invoke(main, ["predict", str(ucf_clips[0]), "-m", "random:openclip-tiny", "--device", "cpu",
                                       "--precision", "fp16"])
    assert result.exit_code == 2 and "--precision fp16: CPUs have no fast fp16" in result.output
    assert len(result.output.strip().splitlines()) == 1
    with pytest.raises(InputError, match="--batch-size"):
        Runtime(batch_size=0)
    assert resolve_precision("fp32", "cpu") == "fp32" and resolve_device("CPU") == "cpu"


@pytest.mark.skipif(not torch.ops.mkldnn._is_mkldnn_bf16_supported(), reason="this CPU has no bf16 instructions")
def test_bf16_video_features_agree_with_fp32(ucf_clips):
    """Tiny random model: agreement of the autocast path itself (the benchmark measures real-shape models)."""
    fp32 = ClipMethod.load("random:openclip-tiny", Runtime("cpu", "fp32", workers=0))
    bf16 = ClipMethod.load("random:openclip-tiny", Runtime("cpu", "bf16", workers=0))
    assert bf16.feature_key == fp32.feature_key + "|bf16"  # never served each other's cached features
    a, b = (np.stack([f for _, f, _ in m.features(ucf_clips[:3], Sampling())]) for m in (fp32, bf16))
    cos = (a * b).sum(-1) / np.linalg.norm(a, axis=-1) / np.linalg.norm(b, axis=-1)
    assert cos.min() >= 0.99 and not np.array_equal(a, b)
