"""Nothing is served from the cache unless it is what was stored for that key: damaged, truncated or swapped
entries of every kind (features, window features, label and sentence embeddings, digest records) are recomputed
to the reference values with one warning line, never served as different numbers; writers that died leave no
stray file behind the next writer. Models are tiny and UNTRAINED; nothing here is a prediction."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from actionzs import cache as cache_module
from actionzs.cache import FeatureCache, file_digest
from actionzs.methods.clip_zeroshot import ClipMethod
from actionzs.options import Sampling
from actionzs.runtime import Runtime

SAMPLING = Sampling(frames=2)


@pytest.fixture(scope="module")
def method():
    return ClipMethod.load("random:openclip-tiny", Runtime("cpu", "fp32", 32, 0, decoder="pyav"))


@pytest.fixture(scope="module")
def reference(method, ucf_clips):
    """Features of three clips computed with no cache at all."""
    return {str(c): f for c, f in zip(ucf_clips[:3], (f for _, f, _ in method.features(ucf_clips[:3], SAMPLING)))}


def _features(method, clips, cache):
    return {path: f for path, f, _ in method.features(clips, SAMPLING, cache)}


def _entries(root: Path) -> list[Path]:
    return sorted((root / "features").rglob("*.safetensors"))


def _flip(path: Path, offset_from_end: int) -> None:
    data = bytearray(path.read_bytes())
    data[-1 - offset_from_end] ^= 0xFF  # the values sit at the end; the safetensors header stays intact
    path.write_bytes(bytes(data))


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(offset=st.integers(min_value=0, max_value=63), which=st.integers(min_value=0, max_value=2))
def test_flipped_bytes_in_a_feature_entry_are_recomputed(method, reference, ucf_clips, tmp_path_factory, offset,
                                                         which, caplog):
    caplog.clear()
    clips = [str(c) for c in ucf_clips[:3]]
    cache = FeatureCache(tmp_path_factory.mktemp("c"))
    _features(method, clips, cache)
    entry = cache.path(cache.digest(clips[which]), method.feature_key, SAMPLING.key)
    _flip(entry, offset)
    again = _features(method, clips, cache)
    for clip in clips:
        np.testing.assert_allclose(again[clip], reference[clip], rtol=1e-5, atol=1e-6)
    assert "do not match their checksum" in caplog.text


@pytest.mark.parametrize("damage", ["truncate", "swap", "garbage", "nan"])
def test_truncated_swapped_or_foreign_entries_are_recomputed(method, reference, ucf_clips, tmp_path, damage, caplog):
    clips = [str(c) for c in ucf_clips[:3]]
    cache = FeatureCache(tmp_path / "c")
    _features(method, clips, cache)
    first, second = (cache.path(cache.digest(c), method.feature_key, SAMPLING.key) for c in clips[:2])
    if damage == "truncate":
        first.write_bytes(first.read_bytes()[:-7])
    elif damage == "swap":
        a, b = first.read_bytes(), second.read_bytes()
        first.write_bytes(b)
        second.write_bytes(a)
    elif damage == "garbage":
        first.write_bytes(b"\x00garbage" * 30)
    else:  # values replaced by NaN with a matching checksum: still refused
        cache_module.write_checked(first, np.full_like(reference[clips[0]], np.nan),
                                   {"digest": cache.digest(clips[0]), "model": method.feature_key,
                                    "sampling": SAMPLING.key})
    again = _features(method, clips, cache)
    for clip in clips:
        np.testing.assert_allclose(again[clip], reference[clip], rtol=1e-5, atol=1e-6)
    assert caplog.text.count("warning: cache entry") >= 1 and "recomputed" in caplog.text


def test_swapped_digest_records_are_not_trusted(method, reference, ucf_clips, tmp_path):
    clips = [str(c) for c in ucf_clips[:2]]
    cache = FeatureCache(tmp_path / "c")
    _features(method, clips, cache)
    records = sorted((tmp_path / "c" / "digests").glob("*.txt"))
    assert len(records) == 2
    a, b = records[0].read_text(), records[1].read_text()
    records[0].write_text(b)
    records[1].write_text(a)
    cache_module._HASHES.clear()  # a new process: only the records on disk remain
    hashed = cache_module.HASHED["files"]
    again = _features(method, clips, cache)
    assert cache_module.HASHED["files"] == hashed + 2  # both rehashed, not recalled from the wrong record
    for clip in clips:
        np.testing.assert_allclose(again[clip], reference[clip], rtol=1e-5, atol=1e-6)
    for clip in clips:  # the records are rewritten for their own files
        cache_module._HASHES.clear()
        assert file_digest(clip, tmp_path / "c" / "digests") == cache.digest(clip)


def test_damaged_label_and_sentence_embeddings_are_recomputed(method, reference, tmp_path, caplog):
    from actionzs.models.embedder import load_embedder
    from actionzs.text.labels import load_labels

    cache = FeatureCache(tmp_path / "c")
    labels = load_labels("ucf101")
    features = next(iter(reference.values()))[None]
    first = method.classifier(labels, ["a video of {}."], cache).scores(features)
    label_entries = [p for p in (tmp_path / "c" / "features").rglob("*.safetensors")]
    assert len(label_entries) >= 101
    for entry in label_entries[:5]:
        _flip(entry, 3)
    again = method.classifier(labels, ["a video of {}."], cache).scores(features)
    np.testing.assert_allclose(again, first, rtol=1e-5)
    embedder = load_embedder(cache=cache)
    texts = [f"a person doing action number {i}" for i in range(70)]
    reference = embedder.encode(texts)
    (entry,) = (tmp_path / "c" / "text").glob("*.safetensors")
    _flip(entry, 5)
    np.testing.assert_allclose(embedder.encode(texts), reference, rtol=1e-5, atol=1e-6)
    assert caplog.text.count("warning: cache entry") >= 6


_WRITER = textwrap.dedent("""
    import sys, numpy as np
    from actionzs.cache import FeatureCache
    cache = FeatureCache(sys.argv[1])
    print("ready", flush=True)
    for i in range(100000):
        cache.put(f"{i % 50:064x}", "m", "s", np.random.default_rng(i).standard_normal((64, 512)).astype(np.float32))
""")


def test_writers_killed_mid_write_leave_no_stray_file_after_the_next_run(tmp_path):
    root = tmp_path / "c"
    folder = root / "features" / cache_module._slug("m") / cache_module._slug("s")
    for attempt in range(12):  # kill writers at varied moments until one died inside a write
        writer = subprocess.Popen([sys.executable, "-c", _WRITER, str(root)], stdout=subprocess.PIPE,
                                  env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])})
        assert writer.stdout.readline().strip() == b"ready"
        time.sleep(0.2 + 0.13 * attempt)
        writer.send_signal(signal.SIGKILL)
        writer.wait()
        stray = list(folder.glob(".*.tmp"))
        if stray:
            break
    assert stray, "no writer died mid-write in 12 tries"
    old = time.time() - cache_module.STALE_TMP_S - 60
    for tmp in stray:  # as if they had been left there an hour ago
        os.utime(tmp, (old, old))
    cache_module._SWEPT.discard(folder)
    FeatureCache(root).put("f" * 64, "m", "s", np.zeros((2, 2), np.float32))  # the next run's writer
    assert not list(folder.glob(".*.tmp"))
    for entry in folder.glob("*.safetensors"):  # what the killed writers did finish is whole
        assert FeatureCache(root).get(entry.stem, "m", "s") is not None


def test_damaged_window_features_are_recomputed(ucf_clips, tmp_path, caplog):
    from actionzs import api

    cache = FeatureCache(tmp_path / "c")
    request = api.PredictRequest(labels="a,b,c", model="random:openclip-tiny", sampling=SAMPLING,
                                 windowing=api.Windowing(window=1.0))
    runtime = Runtime("cpu", "fp32", 32, 0)
    first = api.predict([ucf_clips[0]], request, cache=cache, runtime=runtime)
    entries = [p for p in _entries(tmp_path / "c") if "|w1h0.5|" in p.parent.name or "w1h0.5" in p.parent.name]
    assert entries, "window features are cached"
    for entry in entries:
        _flip(entry, 2)
    again = api.predict([ucf_clips[0]], request, cache=cache, runtime=runtime)
    np.testing.assert_allclose(again.videos[0].scores, first.videos[0].scores, rtol=1e-5, atol=1e-7)
    assert "do not match their checksum" in caplog.text
