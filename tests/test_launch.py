"""Sharded inference under ``accelerate launch`` with 2 CPU processes (gloo) on the real clips: the same results
as one process, each process embedding its half, a killed launch resumed from the cache, one writer.
random:openclip-tiny has UNTRAINED random weights built in the process: these check the plumbing, not accuracy."""

import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from conftest import run

TINY = ["-m", "random:openclip-tiny", "--device", "cpu", "--precision", "fp32", "--frames", "4"]
LAUNCH = [str(Path(sys.executable).with_name("accelerate")), "launch", "--multi_gpu", "--num_processes", "2",
          "--num_machines", "1", "--mixed_precision", "no", "--dynamo_backend", "no"]


def launch(*args, cache: Path, wait=True):
    env = {**os.environ, "OMP_NUM_THREADS": "1", "ACTIONZS_CACHE": str(cache)}
    command = [*LAUNCH, "-m", "actionzs", *map(str, args)]
    if not wait:
        return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                start_new_session=True)
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)


def embedded_by_process(stderr: str) -> dict[int, int]:
    return {int(r): int(n) for r, n in re.findall(r"process (\d) of 2: embedded (\d+) of", stderr)}


def same_results(one: dict, two: dict) -> None:
    drop = ("runtime", "provenance")
    assert {k: v for k, v in one.items() if k not in drop} == {k: v for k, v in two.items() if k not in drop}


def kill_tree(process: subprocess.Popen) -> None:
    """SIGKILL the launcher and every process under it (torchrun may start its workers in sessions of their own)."""
    import psutil

    tree = [psutil.Process(process.pid)]
    tree += tree[0].children(recursive=True)
    for one in tree:
        with contextlib.suppress(psutil.NoSuchProcess):
            one.kill()
    psutil.wait_procs(tree, timeout=60)
    process.wait()


@pytest.fixture(scope="module")
def clips(data_dir) -> list[Path]:
    return sorted((data_dir / "videos" / "3DNet_Visualization").glob("*.avi"))


def test_predict_on_two_processes_equals_one_and_a_killed_launch_resumes(clips, tmp_path):
    folder = clips[0].parent
    single = run("predict", folder, *TINY, "--labels", "ucf101", "--json", "--out", tmp_path / "one.json")
    assert single.exit_code == 0, single.output
    one = json.loads((tmp_path / "one.json").read_text())
    total = len(one["predictions"]) + len(one["errors"])

    cache = tmp_path / "shared-cache"
    killed = launch("predict", folder, *TINY, "--labels", "ucf101", "--json", "--workers", "0", cache=cache, wait=False)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and not list((cache / "features").rglob("*.safetensors")):
        time.sleep(0.1)
    kill_tree(killed)  # the whole launch, mid-run
    present = len(list((cache / "features").rglob("*.safetensors")))
    assert 0 < present and not (tmp_path / "two.json").exists()

    again = launch("-v", "predict", folder, *TINY, "--labels", "ucf101", "--json", "--out", tmp_path / "two.json",
                   cache=cache)
    assert again.returncode == 0, again.stderr[-3000:]
    two = json.loads((tmp_path / "two.json").read_text())
    same_results(one, two)
    assert two["runtime"]["processes"] == 2 and two["runtime"]["devices"] == ["cpu", "cpu"]
    counts = embedded_by_process(again.stderr)
    assert set(counts) == {1, 2} and sum(counts.values()) == total - present  # only what the killed run lacked
    assert again.stderr.count("wrote ") == 1 and again.stderr.count("warning: untrained") == 1  # one voice
    assert not list(cache.glob("launch/*"))


def test_eval_on_two_processes_gives_the_report_of_one(data_dir, tmp_path):
    root = tmp_path / "UCF-101"
    for clip in sorted((data_dir / "videos").glob("*/v_*_g*_c*.avi")):
        (root / clip.stem.split("_")[1]).mkdir(parents=True, exist_ok=True)
        shutil.copy(clip, root / clip.stem.split("_")[1] / clip.name)
    splits = tmp_path / "splits"
    splits.mkdir()
    (splits / "testlist01.txt").write_text("\n".join(f"{p.parent.name}/{p.name}" for p in sorted(root.glob("*/*.avi"))))
    args = ["eval", "-p", "ucf101-zs-split1", "--root", root, "--splits", splits, *TINY]
    single = run(*args, "--out-dir", tmp_path / "one")
    assert single.exit_code == 0, single.output
    two = launch("-v", *args, "--out-dir", tmp_path / "two", cache=tmp_path / "launch-cache")
    assert two.returncode == 0, two.stderr[-3000:]
    one_report = json.loads((tmp_path / "one" / "report.json").read_text())
    two_report = json.loads((tmp_path / "two" / "report.json").read_text())
    assert two_report["result"] == one_report["result"] and one_report["result"]["runs"][0]["num_videos"] >= 5
    counts = embedded_by_process(two.stderr)  # a fresh cache: every video embedded once, each process about half
    assert sum(counts.values()) == one_report["result"]["data"][0]["evaluated"] and abs(counts[1] - counts[2]) <= 1
    assert sorted(p.name for p in (tmp_path / "two").iterdir()) == sorted(p.name for p in (tmp_path / "one").iterdir())


def test_no_cache_under_a_launch_is_one_error(clips, tmp_path):
    done = launch("predict", clips[0], clips[1], *TINY, "--labels", "a,b", "--no-cache", cache=tmp_path / "c")
    assert done.returncode != 0  # the launcher's own code for a failed process (the processes exit with 2)
    said = "--no-cache: the 2 processes of this launch meet in the feature cache; drop --no-cache"
    ours = sorted(line for line in done.stderr.splitlines() if line.startswith("error: "))
    assert [line.split("; drop")[0] for line in ours] == [f"error: {head}" for head in (
        "(process 2 of 2) " + said.split("; drop")[0], said.split("; drop")[0])]  # the main's, and the helper's named


SENTENCES = """
import sys
import numpy as np
from actionzs.cache import FeatureCache
from actionzs.launch import current
from actionzs.models.embedder import load_embedder
texts = [f"a person number {i} does action {i % 7}" for i in range(150)]
out = load_embedder(cache=FeatureCache()).encode(texts)
if current().is_main:
    np.save(sys.argv[1], out)
"""


def test_sentence_embeddings_are_shared_between_processes(tmp_path):
    from actionzs.cache import FeatureCache
    from actionzs.models.embedder import load_embedder

    script = tmp_path / "embed.py"
    script.write_text(SENTENCES)
    env = {**os.environ, "OMP_NUM_THREADS": "1", "ACTIONZS_CACHE": str(tmp_path / "cache")}
    done = subprocess.run([*LAUNCH, str(script), str(tmp_path / "two.npy")], env=env, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    texts = [f"a person number {i} does action {i % 7}" for i in range(150)]
    single = load_embedder(cache=FeatureCache(tmp_path / "single")).encode(texts)
    np.testing.assert_allclose(np.load(tmp_path / "two.npy"), single, atol=1e-5)
    stored = list((tmp_path / "cache" / "text").glob("*.safetensors"))
    assert len(stored) == 1  # the whole list, its parts removed
    np.testing.assert_allclose(load_embedder(cache=FeatureCache(tmp_path / "cache")).encode(texts), single, atol=1e-5)


def test_the_main_process_counts_every_process_share(tmp_path):
    """ShareProgress on the main process of a (pretend) 2-process launch adds the other process's count."""
    from actionzs.launch import Launch, ShareProgress

    seen = []
    progress = ShareProgress(Launch(1, 0), tmp_path, seen.append)
    progress.launch = Launch(2, 0)  # the main process of two
    progress.add(3)
    (progress.folder / "1.json").write_text("4")
    progress.wait(7)
    assert sum(seen) == 7 and progress.show() == 7


def test_a_new_launch_sweeps_the_progress_of_killed_launches_on_its_machine_only(tmp_path):
    import socket

    from actionzs.launch import Launch, ShareProgress

    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    host = socket.gethostname()
    killed, running, elsewhere = (tmp_path / "launch" / name for name in (
        f"{host}-{gone.stdout.strip()}-1", f"{host}-{os.getpid()}-2", f"another-host-{gone.stdout.strip()}-3"))
    for folder in (killed, running, elsewhere):
        folder.mkdir(parents=True)
        (folder / "0.json").write_text("5")
    progress = ShareProgress(Launch(1, 0), tmp_path, None)
    assert not killed.exists() and running.exists() and elsewhere.exists() and progress.folder.is_dir()
    progress.close()
    assert not progress.folder.exists() and running.exists()


def test_long_video_windows_are_shared_too(clips, tmp_path):
    args = ["predict", clips[0], clips[1], clips[2], *TINY, "--labels", "ucf101", "--window", "2", "--json"]
    single = run(*args)
    assert single.exit_code == 0, single.output
    two = launch(*args, cache=tmp_path / "launch-cache")  # not the in-process run's cache
    assert two.returncode == 0, two.stderr[-3000:]
    same_results(json.loads(single.stdout), json.loads(two.stdout))


@pytest.mark.parametrize("method", ["prototype"])
def test_adapt_on_two_processes_writes_the_adapter_of_one(method, data_dir, tmp_path):
    from safetensors.numpy import load_file

    support = tmp_path / "support"
    for clip in sorted((data_dir / "videos").glob("*/v_*_g*_c*.avi")):
        (support / clip.stem.split("_")[1]).mkdir(parents=True, exist_ok=True)
        shutil.copy(clip, support / clip.stem.split("_")[1] / clip.name)
    args = ["adapt", support, "--method", method, *TINY]
    single = run(*args, "-o", tmp_path / "one")
    assert single.exit_code == 0, single.output
    two = launch("-v", *args, "-o", tmp_path / "two", cache=tmp_path / "launch-cache")  # not the in-process one's
    assert two.returncode == 0, two.stderr[-3000:]
    counts = embedded_by_process(two.stderr)
    assert sum(counts.values()) == len(list(support.glob("*/*.avi"))) and abs(counts[1] - counts[2]) <= 1
    one_weights, two_weights = load_file(tmp_path / "one" / "weights.safetensors"), load_file(tmp_path / "two" / "weights.safetensors")
    assert one_weights.keys() == two_weights.keys()
    for name in one_weights:
        np.testing.assert_allclose(two_weights[name], one_weights[name], atol=1e-6)
    assert two.stdout.count("wrote") + two.stderr.count("wrote") <= 1
