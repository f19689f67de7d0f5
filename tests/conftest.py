"""Shared fixtures. Real data is read from ../shared/data beside the checkout; tests that need it skip
with a clear reason where it is absent (a user's clone has no ../shared)."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("ACTIONZS_TEST_DATA", REPO.parent / "shared" / "data"))
NO_DATA = f"real test data not found at {DATA} (set ACTIONZS_TEST_DATA or clone beside ../shared/data)"


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
    return tmp_path_factory.mktemp("llm-cache")


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path, monkeypatch, _shared_llm_cache):
    """Every test gets its own feature cache and never touches the user's. The embedded LLM, de-quantised
    by the first test that loads it, is shared by the session (converting it takes ~15 s)."""
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "llm").symlink_to(_shared_llm_cache, target_is_directory=True)
    monkeypatch.setenv("ACTIONZS_CACHE", str(cache))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    for variable in ("CONFIG", "MODEL", "DEVICE", "PRECISION", "LABELS", "WORKERS", "BATCH_SIZE"):
        monkeypatch.delenv(f"ACTIONZS_{variable}", raising=False)  # the user's own settings never reach a test
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))  # never the user's own defaults
