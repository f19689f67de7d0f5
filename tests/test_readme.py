"""README checked by running it: every command of a ```` ```bash offline ```` block runs as written, from a
folder holding the repo's examples/ (with the example clips made), with the UNTRAINED test model
random:openclip-tiny as the configured default CLIP model, since no real weights can be downloaded here.
The first command runs in bash through the installed ``actionzs`` script; the others are split as a shell splits
them and run in this process (a fresh interpreter per command would only add its start-up)."""

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import run

REPO = Path(__file__).resolve().parents[1]


def offline_commands() -> list[str]:
    blocks = re.findall(r"^```bash offline\n(.*?)^```", (REPO / "README.md").read_text(), re.M | re.S)
    return [line for block in blocks for line in block.splitlines() if line.strip() and not line.startswith("#")]


def test_readme_has_offline_blocks_of_actionzs_commands():
    commands = offline_commands()
    assert len(commands) >= 10 and all(c.startswith("actionzs ") for c in commands)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    """A folder with examples/ as in the repo (links) and the example clips rendered."""
    sys.path.insert(0, str(REPO / "examples"))
    from make_clips import main as make_clips

    root = tmp_path_factory.mktemp("readme")
    (root / "examples").mkdir()
    for item in (REPO / "examples").iterdir():
        if item.name != "clips":
            (root / "examples" / item.name).symlink_to(item)
    make_clips(root / "examples" / "clips")
    (root / "config.yaml").write_text("model: random:openclip-tiny  # untrained: plumbing, not predictions\n")
    return root


@pytest.mark.parametrize("command", offline_commands())
def test_readme_command_runs(workdir, command, monkeypatch):
    config = {"ACTIONZS_CONFIG": str(workdir / "config.yaml")}
    if command == offline_commands()[0]:
        env = {**os.environ, **config, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
        done = subprocess.run(["bash", "-c", command], cwd=workdir, env=env, capture_output=True, text=True,
                              timeout=600)
        code, stdout, stderr = done.returncode, done.stdout, done.stderr
    else:
        monkeypatch.chdir(workdir)
        words = shlex.split(command, comments=True)
        assert words[0] == "actionzs"
        done = run(*words[1:], env=config)  # an exception fails the test with its traceback
        code, stdout, stderr = done.exit_code, done.stdout, done.stderr
    assert code == 0, f"{command}\n{stderr}"
    assert "Traceback" not in stderr
    assert stdout.strip() or " --out " in command  # results on stdout, or in the file named
