"""Checkpoints and stage outputs are reused only when they were made by the same run: same settings, base model,
classes and clips. Otherwise one line names the difference and the way out (--restart, or another folder);
--restart trains anew; a matching run resumes or reuses, and says so. Models are tiny and UNTRAINED."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from actionzs.cli import main


def _support(root: Path, clips, classes) -> Path:
    for clip, name in zip(clips, classes):
        (root / name).mkdir(parents=True, exist_ok=True)
        shutil.copy(clip, root / name / clip.name)
    return root


def _adapt(*argv):
    return CliRunner().invoke(main, ["adapt", *map(str, argv)])


def _error(result) -> str:
    return "\n".join(line for line in result.stderr.splitlines() if line.startswith("error:"))


@pytest.fixture(scope="module")
def xclip_run(tmp_path_factory, ucf_clips):
    """One finished 1-epoch X-CLIP run with its checkpoint folder, and the folders to vary it with."""
    root = tmp_path_factory.mktemp("xclip_reuse")
    support = _support(root / "support", ucf_clips[:2], ["a", "b"])
    other_clips = _support(root / "other_clips", ucf_clips[2:4], ["a", "b"])
    other_classes = _support(root / "other_classes", ucf_clips[:2], ["c", "d"])
    checkpoint = root / "ckpt"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ACTIONZS_CACHE", str(root / "cache"))
        done = _adapt(support, "-o", root / "first", "--method", "xclip", "-m", "random:xclip-tiny", "--epochs", "1",
                      "--train-batch-size", "2", "--checkpoint", checkpoint, "--workers", "0")
    assert done.exit_code == 0, done.output
    return {"root": root, "support": support, "other_clips": other_clips, "other_classes": other_classes,
            "checkpoint": checkpoint}


def _xclip_again(run, support, out, *extra):
    return _adapt(support, "-o", run["root"] / out, "--method", "xclip", "-m", "random:xclip-tiny", "--epochs", "1",
                  "--train-batch-size", "2", "--checkpoint", run["checkpoint"], "--workers", "0",
                  *extra)


@pytest.mark.parametrize("change,named", [("other_clips", "support:"), ("other_classes", "classes:"),
                                          ("lr", "lr:")])
def test_an_xclip_checkpoint_of_another_run_is_refused_naming_the_difference(xclip_run, change, named):
    support = xclip_run[change] if change != "lr" else xclip_run["support"]
    extra = ("--lr", "0.01") if change == "lr" else ()
    result = _xclip_again(xclip_run, support, f"refused_{change}", *extra)
    assert result.exit_code == 2, result.output
    error = _error(result)
    assert "made by another run" in error and named in error and "--restart" in error
    assert not (xclip_run["root"] / f"refused_{change}").exists()


def test_the_same_xclip_run_resumes_and_says_so_and_restart_trains_anew(xclip_run):
    same = _xclip_again(xclip_run, xclip_run["support"], "same")
    assert same.exit_code == 0, same.output
    assert "resuming from" in same.stderr and "same settings and data" in same.stderr
    fresh = _xclip_again(xclip_run, xclip_run["other_clips"], "restarted", "--restart")
    assert fresh.exit_code == 0, fresh.output
    assert "resuming" not in fresh.stderr
    again = _xclip_again(xclip_run, xclip_run["other_clips"], "after_restart")  # the folder is now that run's
    assert again.exit_code == 0 and "resuming from" in again.stderr


def test_curriculum_stages_of_another_run_are_refused_and_matching_ones_reused(tmp_path, ucf_clips):
    support = _support(tmp_path / "support", ucf_clips[:2], ["a", "b"])
    source = _support(tmp_path / "source", ucf_clips[2:4], ["c", "d"])
    target = tmp_path / "target"
    target.mkdir()
    for clip in ucf_clips[:3]:
        shutil.copy(clip, target / clip.name)
    common = ["--method", "curriculum", "--source", source, "--target-unlabelled", target, "--backbone",
              "random:videomae-tiny", "--train-batch-size", "2", "--lr", "1e-3", "--workers", "0", "--stage",
              "pretrain", "--work-dir", tmp_path / "work"]
    first = _adapt(support, "-o", tmp_path / "a", *common, "--max-steps", "2")
    assert first.exit_code == 0, first.output
    longer = _adapt(support, "-o", tmp_path / "b", *common, "--max-steps", "3")
    assert longer.exit_code == 2 and "max_steps: 2 then, 3 now" in _error(longer) and "--restart" in _error(longer)
    same = _adapt(support, "-o", tmp_path / "c", *common, "--max-steps", "2")
    assert same.exit_code == 0 and "reusing the pretrain stage" in same.stderr
    restarted = _adapt(support, "-o", tmp_path / "d", *common, "--max-steps", "3", "--restart")
    assert restarted.exit_code == 0, restarted.output
    log = (tmp_path / "work" / "pretrain" / "log.json").read_text()
    assert '"max_steps": 3' in log


def test_damaged_checkpoints_and_adapter_folders_are_one_line(xclip_run, tmp_path, ucf_clips):
    checkpoint = tmp_path / "ckpt"
    shutil.copytree(xclip_run["checkpoint"], checkpoint)
    (weights,) = checkpoint.rglob("model.safetensors")
    weights.write_bytes(weights.read_bytes()[: len(weights.read_bytes()) // 2])  # truncated mid-file
    result = _adapt(xclip_run["support"], "-o", tmp_path / "o", "--method", "xclip", "-m", "random:xclip-tiny",
                    "--epochs", "1", "--train-batch-size", "2", "--checkpoint", checkpoint, "--workers", "0")
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert len(_error(result).splitlines()) == 1 and str(checkpoint) in _error(result)
    adapter = xclip_run["root"] / "first"
    no_tokenizer = tmp_path / "no_tokenizer"
    shutil.copytree(adapter, no_tokenizer)
    shutil.rmtree(no_tokenizer / "tokenizer")
    result = CliRunner().invoke(main, ["predict", str(ucf_clips[0]), "--adapter", str(no_tokenizer)])
    assert result.exit_code == 2 and "tokenizer/ folder is missing" in _error(result)


def test_garbled_stage_records_and_videomae_configs_are_one_line(tmp_path, ucf_clips):
    support = _support(tmp_path / "support", ucf_clips[:2], ["a", "b"])
    target = tmp_path / "target"
    target.mkdir()
    for clip in ucf_clips[2:4]:
        shutil.copy(clip, target / clip.name)
    made = _adapt(support, "-o", tmp_path / "adapter", "--method", "curriculum", "--source", support,
                  "--target-unlabelled", target, "--backbone", "random:videomae-tiny", "--max-steps", "1",
                  "--train-batch-size", "2", "--workers", "0", "--stage", "pretrain")
    assert made.exit_code == 0, made.output
    stage = tmp_path / "adapter-stages" / "pretrain" / "model"
    (stage / "actionzs_stages.json").write_text("{not json")
    result = _adapt(support, "-o", tmp_path / "adapter2", "--method", "curriculum", "--backbone", stage, "--stage",
                    "fit", "--workers", "0")
    assert result.exit_code == 2 and "garbled record of the stages" in _error(result)
    fitted = _adapt(support, "-o", tmp_path / "fitted", "--method", "curriculum", "--backbone",
                    "random:videomae-tiny", "--stage", "fit", "--workers", "0")
    assert fitted.exit_code == 0, fitted.output
    (tmp_path / "fitted" / "videomae_config.json").write_text("[1, 2")
    result = CliRunner().invoke(main, ["predict", str(ucf_clips[0]), "--adapter", str(tmp_path / "fitted")])
    assert result.exit_code == 2 and "videomae_config.json: not a readable VideoMAE configuration" in _error(result)
