import multiprocessing as mp
import os

import numpy as np

from actionzs import api
from actionzs.cache import FeatureCache, file_digest
from actionzs.options import Sampling
from actionzs.models import clip as clip_module
from actionzs.video import reader


def test_second_run_does_no_decoding_and_no_image_encoding(ucf_clips, tmp_path):
    cache = FeatureCache(tmp_path / "c")
    clips = ucf_clips[:3]
    first = api.predict(clips, api.PredictRequest(labels="ucf101", model="random:openclip-tiny"), cache=cache)
    decodes = dict(reader.DECODE_CALLS)
    encodes = clip_module.ENCODE_CALLS["image"]
    second = api.predict(clips, api.PredictRequest(labels="ucf101", model="random:openclip-tiny"), cache=FeatureCache(tmp_path / "c"))
    assert reader.DECODE_CALLS == decodes  # no open, no read
    assert clip_module.ENCODE_CALLS["image"] == encodes
    assert [p.top for p in first.predictions] == [p.top for p in second.predictions]


def test_sampling_and_model_are_part_of_the_key(ucf_clips, tmp_path):
    cache = FeatureCache(tmp_path / "c")
    api.predict(ucf_clips[:1], api.PredictRequest(model="random:openclip-tiny"), cache=cache)
    api.predict(ucf_clips[:1], api.PredictRequest(model="random:openclip-tiny", sampling=Sampling(frames=4)), cache=cache)
    api.predict(ucf_clips[:1], api.PredictRequest(model="random:hf-clip-tiny"), cache=cache)
    entries = list((tmp_path / "c").rglob("*.safetensors"))
    videos = [p for p in entries if not p.parent.name.startswith("text-")]
    assert len(videos) == 3
    texts = {p.parent.parent for p in entries if p.parent.name.startswith("text-")}
    assert len(entries) - len(videos) == 2 * 101 and len(texts) == 2  # UCF101's label texts, once per model


def _die_mid_write(root, digest):
    from actionzs.cache import atomic_write

    target = FeatureCache(root).path(digest, "m", "s")
    target.parent.mkdir(parents=True, exist_ok=True)

    def write_then_die(fh):
        fh.write(b"\x93NUMPY partial")
        fh.flush()
        os._exit(1)  # killed while writing

    atomic_write(target, write_then_die)


def test_interrupted_write_leaves_a_readable_cache(tmp_path):
    cache = FeatureCache(tmp_path)
    good = np.arange(12, dtype=np.float32).reshape(3, 4)
    cache.put("aaa", "m", "s", good)
    proc = mp.get_context("fork").Process(target=_die_mid_write, args=(tmp_path, "bbb"))
    proc.start()
    proc.join()
    assert proc.exitcode == 1
    fresh = FeatureCache(tmp_path)
    assert fresh.get("bbb", "m", "s") is None  # the killed write never became an entry
    np.testing.assert_array_equal(fresh.get("aaa", "m", "s"), good)


def test_corrupt_entry_is_a_miss_and_is_removed(tmp_path):
    cache = FeatureCache(tmp_path)
    path = cache.path("ccc", "m", "s")
    path.parent.mkdir(parents=True)
    path.write_bytes(b"garbage")
    assert cache.get("ccc", "m", "s") is None and not path.exists()


def _writer(root, value, n):
    cache = FeatureCache(root)
    for _ in range(n):
        cache.put("same", "m", "s", value)


def test_two_processes_writing_the_same_entry(tmp_path):
    value = np.random.default_rng(0).standard_normal((64, 512)).astype(np.float32)
    ctx = mp.get_context("fork")
    procs = [ctx.Process(target=_writer, args=(tmp_path, value, 30)) for _ in range(2)]
    for p in procs:
        p.start()
    reads = 0
    while any(p.is_alive() for p in procs):
        got = FeatureCache(tmp_path).get("same", "m", "s")
        if got is not None:
            np.testing.assert_array_equal(got, value)  # never a torn read
            reads += 1
    for p in procs:
        p.join()
        assert p.exitcode == 0
    np.testing.assert_array_equal(FeatureCache(tmp_path).get("same", "m", "s"), value)
    assert not list(tmp_path.rglob("*.tmp"))


def test_content_hash_not_path_is_the_key(ucf_clips, tmp_path):
    copy = tmp_path / "renamed.avi"
    copy.write_bytes(ucf_clips[0].read_bytes())
    assert file_digest(copy) == file_digest(ucf_clips[0])


def test_outputs_get_the_users_umask_permissions(tmp_path):
    """mkstemp creates 0600 files; results and adapter folders must be readable as the umask allows."""
    import os

    from actionzs.cache import atomic_write_text, user_mode

    old = os.umask(0o022)
    try:
        atomic_write_text(tmp_path / "report.json", "{}")
        assert (tmp_path / "report.json").stat().st_mode & 0o777 == 0o644
        assert user_mode(directory=True) == 0o755
    finally:
        os.umask(old)
