"""Shared fixtures. Real data is read from ../shared/data beside the checkout; tests that need it skip
with a clear reason where it is absent (a user's clone has no ../shared).

``make test`` runs the suite on pytest-xdist workers, one test file per worker at a time: each worker gets its share
of the cores for torch's threads (threads of two workers fighting over the same cores made the run slower than one
worker), and the workers share the one de-quantised LLM (the product's lock lets one of them convert it)."""

from __future__ import annotations

import csv
import os
import socket
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("ACTIONZS_TEST_DATA", REPO.parent / "shared" / "data"))
NO_DATA = f"real test data not found at {DATA} (set ACTIONZS_TEST_DATA or clone beside ../shared/data)"


def pytest_configure(config):
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    if workers > 1:  # before torch is imported by any test; subprocesses and launches inherit it
        threads = str(max(1, (os.cpu_count() or 1) // workers))
        for variable in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[variable] = threads
        if "torch" in sys.modules:
            sys.modules["torch"].set_num_threads(int(threads))


# the longest files, measured (`pytest --durations`), go first: xdist hands each worker the next file in collection
# order, so the workers finish together instead of one waiting on a long file that came last
LONGEST_FIRST = ("test_anticipation.py", "test_launch.py", "test_adapters.py", "test_video_reader.py",
                 "test_decoders.py", "test_everyday.py", "test_curriculum.py", "test_app.py", "test_eval_protocols.py",
                 "test_llm_lock.py", "test_predict_cli.py", "test_reference_parity.py", "test_decoding_workers.py",
                 "test_readme.py", "test_pipeline.py", "test_xclip.py", "test_fuzz_parsers.py",
                 "test_imports_by_need.py", "test_timeline.py", "test_outputs_and_inputs.py", "test_bad_inputs.py")


def pytest_collection_modifyitems(items):
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # stable: the rest keep their order


def accelerate_launch(processes: int = 2) -> list[str]:
    """``accelerate-launch`` (accelerate's alias of ``accelerate launch``, which starts ~6 s sooner on 2 cores: the
    ``accelerate`` command imports transformers and timm for its other subcommands) of ``processes`` CPU processes
    (gloo) on a free port: launches of two test workers running at once never meet on the default one."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return [str(Path(sys.executable).with_name("accelerate-launch")), "--multi_gpu", "--num_processes",
            str(processes), "--num_machines", "1", "--main_process_port", str(port), "--mixed_precision", "no",
            "--dynamo_backend", "no"]


def run(*args, env=None):
    """``actionzs ARGS...`` in this process (click's runner: stdout and stderr apart); exceptions propagate."""
    from click.testing import CliRunner

    from actionzs.cli import main

    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False, env=env)


def one_error_line(result) -> str:
    """The single ``error: ...`` line a refused command prints (and no traceback)."""
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.output
    return lines[0]


def need_data(*parts: str) -> Path:
    path = DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(NO_DATA if not DATA.exists() else f"{path} is missing from the shared data")
    return path


CURRICULUM_SOURCE = {"PushUps": "real_time_video_action_recognition/v_PushUps_g02_c03.avi",
                     "Shotput": "3DNet_Visualization/v_Shotput_g05_c02.avi",
                     "PlayingGuitar": "real_time_video_action_recognition/v_PlayingGuitar_g16_c02.avi"}
CURRICULUM_SUPPORT = {"dive": "3DNet_Visualization/BASE_Jumping_Compilation_-_Brilliant_dive_f_cm_np1_le_bad_3.mp4",
                      "drink": "3DNet_Visualization/50_FIRST_DATES_drink_u_nm_np1_fr_goo_29.mp4"}


def curriculum_domains(root: Path, data_dir: Path) -> dict[str, Path]:
    """Real clips as the curriculum's labelled source, unlabelled target and few-shot support (symlinked)."""
    videos = data_dir / "videos"
    source, target, support = root / "source", root / "target", root / "support"
    for folder, clips in ((source, CURRICULUM_SOURCE), (support, CURRICULUM_SUPPORT)):
        for name, clip in clips.items():
            (folder / name).mkdir(parents=True)
            (folder / name / Path(clip).name).symlink_to(videos / clip)
    target.mkdir()
    for clip in sorted((videos / "3DNet_Visualization").glob("*.mp4")):
        (target / clip.name).symlink_to(clip)
    return {"source": source, "target": target, "support": support}


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return need_data()


@pytest.fixture(scope="session")
def manifest(data_dir) -> list[dict]:
    with open(data_dir / "videos" / "MANIFEST.tsv", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


@pytest.fixture(scope="session")
def ucf_clips(data_dir) -> list[Path]:
    """A few real UCF101 clips (label = class folder name in the original layout)."""
    return sorted((data_dir / "videos").glob("*/v_*_g*_c*.avi"))


@pytest.fixture(scope="session")
def _shared_llm_cache(tmp_path_factory) -> Path:
    """One folder for the whole run: under xdist, the workers' base folders share a parent."""
    base = tmp_path_factory.getbasetemp()
    shared = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "llm-cache"
    shared.mkdir(exist_ok=True)
    return shared


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path, monkeypatch, _shared_llm_cache):
    """Every test gets its own feature cache and never touches the user's. The embedded LLM, de-quantised
    by the first test that loads it, is shared by the session (converting it takes ~10 s)."""
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "llm").symlink_to(_shared_llm_cache, target_is_directory=True)
    monkeypatch.setenv("ACTIONZS_CACHE", str(cache))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    for variable in ("CONFIG", "MODEL", "DEVICE", "PRECISION", "LABELS", "WORKERS", "BATCH_SIZE"):
        monkeypatch.delenv(f"ACTIONZS_{variable}", raising=False)  # the user's own settings never reach a test
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))  # never the user's own defaults
