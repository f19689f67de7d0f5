import os
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import run

from actionzs import __version__

REPO = Path(__file__).resolve().parents[1]
COMMANDS = ["predict", "adapt", "eval", "anticipate", "caption", "app", "models", "labels"]



def test_version():
    assert run("--version").stdout.strip().endswith(__version__)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command):
    result = run(command, "--help")
    assert result.exit_code == 0
    assert f"Usage: main {command}" in result.stdout and len(result.stdout.splitlines()) >= 3


def test_top_level_help_lists_all_commands_and_teaches():
    out = run("--help").stdout
    for command in COMMANDS:
        assert command in out
    assert "actionzs predict clip.mp4 --labels ucf101" in out


def test_predict_help_shows_examples_and_sampling():
    out = run("predict", "--help").stdout
    assert "Examples:" in out and "--clips" in out and "TSN" in out


def test_ci_script_fails_when_a_test_fails(tmp_path):
    """.ci/run runs `make test`; a failing test must make it exit non-zero."""
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    work = tmp_path / "repo"
    shutil.copytree(REPO, work, ignore=shutil.ignore_patterns(".venv", ".git", "__pycache__", "*.egg-info"))
    (work / "tests" / "test_must_fail.py").write_text("def test_fails():\n    assert 1 == 2\n")
    if not (REPO / ".venv" / ".actionzs-installed").exists():
        pytest.skip("the project venv was not made by `make test`")
    os.utime(work / "pyproject.toml", (0, 0))  # reuse the installed venv; never reinstall it from the copy
    env = {"PATH": "/usr/bin:/bin", "VENV": str(REPO / ".venv"), "PYTEST_ARGS": "tests/test_must_fail.py -p no:cacheprovider"}
    proc = subprocess.run(["bash", ".ci/run"], cwd=work, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode != 0
    assert "1 failed" in proc.stdout


def test_app_without_gradio_says_how_to_install_it(monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "gradio" else real(name, *a))
    result = run("app", "--port", "7999")
    assert result.exit_code == 2 and "pip install 'actionzs[app]'" in result.stderr
