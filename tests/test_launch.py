"""Sharded inference under ``accelerate launch`` with 2 CPU processes (gloo) on the real clips: the same results
as one process, each process embedding its half, a killed launch resumed from the cache, one writer. After the
killed launch, one launch runs every job of the module (``launch_jobs.py``), each in a cache of its own.
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
from types import SimpleNamespace

import numpy as np
import pytest

from conftest import accelerate_launch, curriculum_domains, run

TINY = ["-m", "random:openclip-tiny", "--device", "cpu", "--precision", "fp32", "--frames", "4"]
CURRICULUM = ["--method", "curriculum", "--backbone", "random:videomae-tiny", "--max-steps", "4", "--train-batch-size",
              "4", "--lr", "1e-3", "--device", "cpu", "--workers", "0"]
TEXTS = [f"a person number {i} does action {i % 7}" for i in range(150)]


def launch_env(cache: Path) -> dict:
    return {**os.environ, "OMP_NUM_THREADS": "1", "ACTIONZS_CACHE": str(cache)}


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


@pytest.fixture(scope="module")
def ucf_tree(data_dir, tmp_path_factory) -> SimpleNamespace:
    """The real UCF101 clips in their class folders (an eval root and a support set), and a split listing them."""
    root = tmp_path_factory.mktemp("UCF-101")
    for clip in sorted((data_dir / "videos").glob("*/v_*_g*_c*.avi")):
        (root / clip.stem.split("_")[1]).mkdir(exist_ok=True)
        shutil.copy(clip, root / clip.stem.split("_")[1] / clip.name)
    splits = tmp_path_factory.mktemp("splits")
    (splits / "testlist01.txt").write_text("\n".join(f"{p.parent.name}/{p.name}" for p in sorted(root.glob("*/*.avi"))))
    return SimpleNamespace(root=root, splits=splits, eval=["eval", "-p", "ucf101-zs-split1", "--root", root,
                                                            "--splits", splits, *TINY])


@pytest.fixture(scope="module")
def domains(data_dir, tmp_path_factory) -> dict[str, Path]:
    return curriculum_domains(tmp_path_factory.mktemp("domains"), data_dir)


def curriculum_args(domains) -> list:
    return ["adapt", domains["support"], "--source", domains["source"], "--target-unlabelled", domains["target"],
            *CURRICULUM]


@pytest.fixture(scope="module")
def launched(clips, ucf_tree, domains, tmp_path_factory) -> SimpleNamespace:
    """A predict launch killed mid-run, then ONE launch of 2 processes that runs every job of this module one after
    another (``launch_jobs.py``: each process starts once; a launch per job spent most of its time starting). Each
    job has its own fresh cache, except the predict job, which resumes the killed launch's."""
    work = tmp_path_factory.mktemp("launched")
    resumed = work / "shared-cache"
    killed = subprocess.Popen([*accelerate_launch(), "-m", "actionzs", "predict", str(clips[0].parent), *TINY,
                               "--labels", "ucf101", "--json", "--workers", "0"], env=launch_env(resumed),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and not list((resumed / "features").rglob("*.safetensors")):
        time.sleep(0.1)
    kill_tree(killed)  # the whole launch, mid-run
    present = len(list((resumed / "features").rglob("*.safetensors")))

    jobs = [
        {"name": "predict", "cache": resumed, "args": ["-v", "predict", clips[0].parent, *TINY, "--labels", "ucf101",
                                                       "--json", "--out", work / "two.json"]},
        {"name": "eval", "cache": work / "eval-cache", "args": ["-v", *ucf_tree.eval, "--out-dir", work / "eval"]},
        {"name": "no-cache", "cache": work / "c", "args": ["predict", clips[0], clips[1], *TINY, "--labels", "a,b",
                                                          "--no-cache"]},
        {"name": "windows", "cache": work / "windows-cache", "args": [
            "predict", *clips[:3], *TINY, "--labels", "ucf101", "--window", "2", "--json"]},
        {"name": "adapt", "cache": work / "adapt-cache", "args": ["-v", "adapt", ucf_tree.root, "--method",
                                                                  "prototype", *TINY, "-o", work / "adapter"]},
        {"name": "sentences", "cache": work / "text-cache", "texts": TEXTS, "save": work / "two.npy"},
        {"name": "curriculum", "cache": work / "curriculum-cache", "args": [*curriculum_args(domains), "-o",
                                                                          work / "curriculum"]},
    ]
    listing = work / "jobs.json"
    listing.write_text(json.dumps([{k: (list(map(str, v)) if k == "args" else v if k == "texts" else str(v))
                                    for k, v in job.items()} for job in jobs]))
    done = subprocess.run([*accelerate_launch(), str(Path(__file__).with_name("launch_jobs.py")), str(listing)],
                          env=launch_env(work / "unused-cache"), capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-6000:]
    results = {}
    for job in jobs:
        ranks = [json.loads((work / f"{job['name']}.{rank}.json").read_text()) for rank in (0, 1)]
        results[job["name"]] = SimpleNamespace(exit_codes=[r["exit_code"] for r in ranks],
                                               stdout="".join(r["stdout"] for r in ranks),
                                               stderr="".join(r["stderr"] for r in ranks))
    return SimpleNamespace(work=work, present=present, resumed=resumed, **results)


def test_predict_on_two_processes_equals_one_and_a_killed_launch_resumes(clips, launched, tmp_path):
    single = run("predict", clips[0].parent, *TINY, "--labels", "ucf101", "--json", "--out", tmp_path / "one.json")
    assert single.exit_code == 0, single.output
    one = json.loads((tmp_path / "one.json").read_text())
    total = len(one["predictions"]) + len(one["errors"])
    assert 0 < launched.present  # the killed launch had embedded some

    again = launched.predict
    assert again.exit_codes == [0, 0], again.stderr[-3000:]
    two = json.loads((launched.work / "two.json").read_text())
    same_results(one, two)
    assert two["runtime"]["processes"] == 2 and two["runtime"]["devices"] == ["cpu", "cpu"]
    counts = embedded_by_process(again.stderr)
    assert set(counts) == {1, 2} and sum(counts.values()) == total - launched.present  # only what the killed run lacked
    assert again.stderr.count("wrote ") == 1 and again.stderr.count("warning: untrained") == 1  # one voice
    assert not list(launched.resumed.glob("launch/*"))


def test_eval_on_two_processes_gives_the_report_of_one(ucf_tree, launched, tmp_path):
    single = run(*ucf_tree.eval, "--out-dir", tmp_path / "one")
    assert single.exit_code == 0, single.output
    two = launched.eval
    assert two.exit_codes == [0, 0], two.stderr[-3000:]
    one_report = json.loads((tmp_path / "one" / "report.json").read_text())
    two_report = json.loads((launched.work / "eval" / "report.json").read_text())
    assert two_report["result"] == one_report["result"] and one_report["result"]["runs"][0]["num_videos"] >= 5
    counts = embedded_by_process(two.stderr)  # a fresh cache: every video embedded once, each process about half
    assert sum(counts.values()) == one_report["result"]["data"][0]["evaluated"] and abs(counts[1] - counts[2]) <= 1
    assert sorted(p.name for p in (launched.work / "eval").iterdir()) == sorted(p.name for p in (tmp_path / "one").iterdir())


def test_no_cache_under_a_launch_is_one_error(launched):
    done = launched.__dict__["no-cache"]
    assert done.exit_codes == [2, 2]  # both processes refuse it (the launcher then fails too)
    said = "--no-cache: the 2 processes of this launch meet in the feature cache; drop --no-cache"
    ours = sorted(line for line in done.stderr.splitlines() if line.startswith("error: "))
    assert [line.split("; drop")[0] for line in ours] == [f"error: {head}" for head in (
        "(process 2 of 2) " + said.split("; drop")[0], said.split("; drop")[0])]  # the main's, and the helper's named


def test_sentence_embeddings_are_shared_between_processes(launched, tmp_path):
    from actionzs.cache import FeatureCache
    from actionzs.models.embedder import load_embedder

    single = load_embedder(cache=FeatureCache(tmp_path / "single")).encode(TEXTS)
    np.testing.assert_allclose(np.load(launched.work / "two.npy"), single, atol=1e-5)
    stored = list((launched.work / "text-cache" / "text").glob("*.safetensors"))
    assert len(stored) == 1  # the whole list, its parts removed
    np.testing.assert_allclose(load_embedder(cache=FeatureCache(launched.work / "text-cache")).encode(TEXTS), single,
                               atol=1e-5)


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


def test_long_video_windows_are_shared_too(clips, launched):
    single = run("predict", *clips[:3], *TINY, "--labels", "ucf101", "--window", "2", "--json")
    assert single.exit_code == 0, single.output
    two = launched.windows  # its own cache, not the in-process run's
    assert two.exit_codes == [0, 0], two.stderr[-3000:]
    same_results(json.loads(single.stdout), json.loads(two.stdout))


def test_adapt_on_two_processes_writes_the_adapter_of_one(ucf_tree, launched, tmp_path):
    from safetensors.numpy import load_file

    single = run("adapt", ucf_tree.root, "--method", "prototype", *TINY, "-o", tmp_path / "one")
    assert single.exit_code == 0, single.output
    two = launched.adapt  # its own cache, not the in-process run's
    assert two.exit_codes == [0, 0], two.stderr[-3000:]
    counts = embedded_by_process(two.stderr)
    assert sum(counts.values()) == len(list(ucf_tree.root.glob("*/*.avi"))) and abs(counts[1] - counts[2]) <= 1
    one_weights = load_file(tmp_path / "one" / "weights.safetensors")
    two_weights = load_file(launched.work / "adapter" / "weights.safetensors")
    assert one_weights.keys() == two_weights.keys()
    for name in one_weights:
        np.testing.assert_allclose(two_weights[name], one_weights[name], atol=1e-6)
    assert two.stdout.count("wrote") + two.stderr.count("wrote") <= 1


def test_curriculum_on_two_processes_gives_the_loss_curve_of_one(domains, launched, tmp_path):
    """2 CPU processes (gloo), each taking half of the same global batch of 4, through both training stages and
    the head (written once, by the main process)."""
    one = run(*curriculum_args(domains), "-o", tmp_path / "one")  # the reference: one process, this one
    assert one.exit_code == 0, one.output[-2000:]
    two = launched.curriculum
    assert two.exit_codes == [0, 0], two.stderr[-2000:]
    for stage in ("pretrain", "curriculum"):
        single = json.loads((tmp_path / "one-stages" / stage / "log.json").read_text())
        double = json.loads((launched.work / "curriculum-stages" / stage / "log.json").read_text())
        assert single["settings"]["processes"] == 1 and double["settings"]["processes"] == 2
        for key in ("loss", "source_loss", "target_loss"):
            if key in single["history"][0]:
                np.testing.assert_allclose([r[key] for r in double["history"]], [r[key] for r in single["history"]],
                                           rtol=1e-4)
    assert two.stdout.count("wrote ") == 1 and (launched.work / "curriculum" / "adapter.yaml").is_file()
