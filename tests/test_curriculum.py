"""Cross-domain curriculum few-shot (CDFSL-V): the objectives by hand, the stages on real clips with a tiny
VideoMAE (random:videomae-tiny, built in the code from a config: UNTRAINED, its outputs mean nothing), kill and
resume, two processes against one, episodes, and the bad inputs of `adapt --method curriculum`."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch
from click.testing import CliRunner
from safetensors.torch import load_file

from actionzs.cli import main
from actionzs.options import AdaptRequest, CurriculumOptions
from actionzs.runtime import Runtime
from actionzs.training.objectives import (WEIGHT_SCHEDULES, ema_update, sharpened_consistency, tube_mask,
                                          warmup_cosine)
from conftest import CURRICULUM_SUPPORT, curriculum_domains

TINY = "random:videomae-tiny"
# -- objectives, against hand computations --------------------------------------------------------------------

def test_schedules_by_hand():
    arctan = WEIGHT_SCHEDULES["arctan"]
    assert arctan(0.5) == pytest.approx(0.5)
    assert arctan(0.0) == pytest.approx(math.atan(-5) / math.pi + 0.5) == pytest.approx(0.06283, abs=1e-5)
    assert arctan(1.0) == pytest.approx(1 - 0.06283, abs=1e-5)
    assert all(arctan(a) < arctan(b) for a, b in zip(np.linspace(0, 0.9, 10), np.linspace(0.1, 1, 10)))
    assert WEIGHT_SCHEDULES["constant"](0.1) == WEIGHT_SCHEDULES["constant"](0.9) == 0.5
    assert WEIGHT_SCHEDULES["linear"](0.25) == 0.25
    assert warmup_cosine(0, 100, 10) == pytest.approx(0.1) and warmup_cosine(9, 100, 10) == pytest.approx(1.0)
    assert warmup_cosine(55, 100, 10) == pytest.approx(0.5) and warmup_cosine(100, 100, 10) == pytest.approx(0.0)


def test_sharpened_teacher_loss_by_hand():
    student = torch.tensor([[1.0, 0.0, -1.0], [0.2, 0.3, 0.1]])
    teacher = torch.tensor([[0.3, 0.1, 0.0], [0.0, 0.05, 0.1]])
    loss = sharpened_consistency(student, teacher, temperature=0.1).item()
    by_hand = 0.0
    for s, t in zip(student.tolist(), teacher.tolist()):
        p = [math.exp(v / 0.1) for v in t]
        p = [v / sum(p) for v in p]
        log_q = [v - math.log(sum(math.exp(u) for u in s)) for v in s]
        by_hand -= sum(a * b for a, b in zip(p, log_q)) / 2
    assert loss == pytest.approx(by_hand, rel=1e-6)
    # sharper than the plain softmax: temperature 1 gives a different (softer) target
    assert sharpened_consistency(student, teacher, 1.0).item() != pytest.approx(loss)


def test_ema_update_by_hand():
    teacher, student = torch.nn.Linear(2, 1), torch.nn.Linear(2, 1)
    with torch.no_grad():
        teacher.weight.copy_(torch.tensor([[1.0, 2.0]]))
        teacher.bias.fill_(0.5)
        student.weight.copy_(torch.tensor([[3.0, -2.0]]))
        student.bias.fill_(1.5)
    ema_update(teacher, student, 0.9)
    assert torch.allclose(teacher.weight, torch.tensor([[0.9 * 1 + 0.1 * 3, 0.9 * 2 + 0.1 * -2]]))
    assert teacher.bias.item() == pytest.approx(0.9 * 0.5 + 0.1 * 1.5)


def test_tube_masks_hide_the_same_patches_at_every_time_step():
    mask = tube_mask(4, 49, 0.9, torch.Generator().manual_seed(3)).reshape(4, 49)
    assert (mask == mask[0]).all() and mask[0].sum() == int(0.9 * 49)
    odd = tube_mask(2, 49, 0.75, torch.Generator().manual_seed(0)).reshape(2, 49)
    assert odd[0].sum() == 36  # VideoMAE counts int(0.75 * 49) = 36 hidden patches, not round() = 37
    again = tube_mask(4, 49, 0.9, torch.Generator().manual_seed(3))
    assert torch.equal(again.reshape(4, 49), mask)


# -- the stages on real clips ---------------------------------------------------------------------------------

@pytest.fixture
def domains(tmp_path, data_dir):
    return curriculum_domains(tmp_path / "data", data_dir)


def _request(domains, work, stage, steps=6, **settings) -> AdaptRequest:
    options = CurriculumOptions(source=domains["source"], target=domains["target"], stage=stage, work_dir=work,
                                backbone=settings.pop("backbone", TINY), max_steps=steps, batch_size=2,
                                save_every=settings.pop("save_every", 2), lr=settings.pop("lr", 1e-3), **settings)
    return AdaptRequest(method="curriculum", curriculum=options)


RUNTIME = Runtime("cpu", "fp32", workers=0)


def _train(request, on_step=None):
    from actionzs.adapters.curriculum import train_stages

    return train_stages(request, RUNTIME.resolve(), on_step)


def _log(work: Path, stage: str) -> list[dict]:
    return json.loads((work / stage / "log.json").read_text())["history"]


def test_masked_modelling_loss_decreases_on_real_clips(domains, tmp_path):
    done = _train(_request(domains, tmp_path / "w", "pretrain", steps=40, save_every=100, lr=2e-3))
    assert done.ran == ["pretrain"] and done.stages == ["pretrain"] and done.untrained  # a test model stays flagged
    losses = [r["loss"] for r in _log(tmp_path / "w", "pretrain")]
    assert len(losses) == 40 and np.mean(losses[-8:]) < 0.9 * np.mean(losses[:8])
    assert (tmp_path / "w" / "pretrain" / "loss.png").stat().st_size > 1000
    assert not (tmp_path / "w" / "pretrain" / "checkpoints").exists()  # the output replaces them


def test_curriculum_stage_learns_the_source_and_follows_the_schedule(domains, tmp_path):
    steps = 30
    _train(_request(domains, tmp_path / "w", "curriculum", steps=steps, save_every=100, lr=2e-3))
    log = _log(tmp_path / "w", "curriculum")
    source = [r["source_loss"] for r in log]
    assert np.mean(source[-6:]) < 0.8 * np.mean(source[:6])
    for record in log:
        assert record["target_weight"] == pytest.approx(WEIGHT_SCHEDULES["arctan"]((record["step"] - 1) / steps))
        assert record["loss"] == pytest.approx((1 - record["target_weight"]) * record["source_loss"]
                                               + record["target_weight"] * record["target_loss"], rel=1e-5)
    constant = _request(domains, tmp_path / "c", "curriculum", steps=3, schedule="constant")
    _train(constant)
    assert {r["target_weight"] for r in _log(tmp_path / "c", "curriculum")} == {0.5}


class _Killed(Exception):
    pass


@pytest.mark.parametrize("stage", ["pretrain", "curriculum"])
def test_a_stopped_stage_resumes_to_the_same_weights(stage, domains, tmp_path):
    start = {}
    if stage == "curriculum":  # from a pre-trained backbone, as in a real run
        _train(_request(domains, tmp_path / "p", "pretrain", steps=2))
        start = {"backbone": str(tmp_path / "p" / "pretrain" / "model")}
    _train(_request(domains, tmp_path / "whole", stage, **start))

    def kill_after_three(**status):
        if status["step"] == 4:
            raise _Killed

    stopped = _request(domains, tmp_path / "stopped", stage, **start)
    with pytest.raises(_Killed):
        _train(stopped, kill_after_three)
    assert not (tmp_path / "stopped" / stage / "model").exists()
    again = CliRunner().invoke(main, ["adapt", "--method", "curriculum", "--stage", stage, "-o", str(tmp_path / "o"),
                                      "--source", str(domains["source"]), "--target-unlabelled", str(domains["target"]),
                                      "--backbone", start.get("backbone", TINY), "--max-steps", "6",
                                      "--train-batch-size", "2", "--save-every", "2", "--lr", "1e-3",
                                      "--work-dir", str(tmp_path / "stopped"), "--workers", "0"])
    assert again.exit_code == 2 and "--resume" in again.stderr  # never restarted over a stopped run silently
    _train(replace(stopped, curriculum=replace(stopped.curriculum, resume=True)))
    whole = load_file(str(tmp_path / "whole" / stage / "model" / "model.safetensors"))
    resumed = load_file(str(tmp_path / "stopped" / stage / "model" / "model.safetensors"))
    assert whole.keys() == resumed.keys()
    for name in whole:
        assert torch.equal(whole[name], resumed[name]), name
    assert _log(tmp_path / "whole", stage) == _log(tmp_path / "stopped", stage)


# -- the adapter: predict, eval, bad inputs -------------------------------------------------------------------

def _adapt(domains, tmp_path, *extra):
    return CliRunner().invoke(main, ["adapt", str(domains["support"]), "--method", "curriculum", "-o",
                                     str(tmp_path / "adapter"), "--source", str(domains["source"]),
                                     "--target-unlabelled", str(domains["target"]), "--backbone", TINY,
                                     "--max-steps", "2", "--train-batch-size", "2", "--workers", "0", *extra])


@pytest.fixture(scope="module")
def trained(tmp_path_factory, data_dir):
    """One curriculum adapter (both stages, two steps each), made once and shared read-only by the tests that use
    one: (its domains, its folder, what `adapt --json` said)."""
    root = tmp_path_factory.mktemp("trained")
    domains = curriculum_domains(root / "data", data_dir)
    made = _adapt(domains, root, "--json")
    assert made.exit_code == 0, made.output
    return domains, root / "adapter", json.loads(made.stdout)


def test_curriculum_adapter_predicts_and_is_flagged(trained, tmp_path, data_dir):
    domains, adapter, info = trained
    assert info["method"] == "curriculum" and info["untrained_base"] is True
    assert info["training"]["stages"] == ["pretrain", "curriculum"] and info["training"]["ran"] == ["pretrain", "curriculum"]
    assert {"pretrain_loss.png", "curriculum_log.json", "weights.safetensors"} <= {p.name for p in adapter.iterdir()}
    clip = data_dir / "videos" / CURRICULUM_SUPPORT["dive"]
    result = CliRunner().invoke(main, ["predict", str(clip), "--adapter", str(adapter), "--json"])
    assert result.exit_code == 0, result.output
    ranked = json.loads(result.stdout)["predictions"][0]["top"]
    assert {r["label"] for r in ranked} == {"dive", "drink"}
    assert "NOT a prediction" in result.stderr
    # run again: both stages' outputs exist, so only the head is fitted
    again = _adapt(domains, tmp_path, "--json", "--work-dir", str(adapter.with_name("adapter-stages")))
    assert again.exit_code == 0 and json.loads(again.stdout)["training"]["skipped_stages"] == ["pretrain", "curriculum"]
    assert (tmp_path / "adapter" / "weights.safetensors").read_bytes() == (adapter / "weights.safetensors").read_bytes()


def test_cross_domain_episodes_with_a_logistic_head(trained, tmp_path, data_dir):
    """A protocol of the cdfsl shape (logistic head, distinct classes) on a small tree of real clips, once with
    the curriculum adapter's backbone and once with CLIP: the same episodes, two backbones."""
    root, splits = tmp_path / "UCF-101", tmp_path / "splits"
    clips = dict(zip(["ApplyEyeMakeup", "HeadMassage", "Shotput", "PlayingGuitar", "PushUps", "Basketball"],
                     sorted((data_dir / "videos" / "3DNet_Visualization").glob("*.mp4"))))
    lines = []
    for label, clip in clips.items():
        (root / label).mkdir(parents=True)
        for group in range(1, 4):  # copies share their content, so each clip is decoded once
            name = f"v_{label}_g0{group}_c01.avi"
            (root / label / name).symlink_to(clip)
            lines.append(f"{label}/{name}")
    splits.mkdir()
    (splits / "testlist03.txt").write_text("\n".join(lines) + "\n")
    protocol = tmp_path / "cdfsl.yaml"
    protocol.write_text("name: tiny-cdfsl\ndataset: ucf101\nkind: episodic\nsplit_files: [testlist03.txt]\n"
                        "ways: 5\nshots: 1\nqueries: 2\nepisodes: 30\nclassifier: logistic\n")
    reports = {}
    for name, extra in (("videomae", ["--adapter", str(trained[1])]), ("clip", ["-m", "random:openclip-tiny"])):
        result = CliRunner().invoke(main, ["eval", "-p", str(protocol), "--root", str(root), "--splits", str(splits),
                                           "--json", *extra])
        assert result.exit_code == 0, result.output
        reports[name] = json.loads(result.stdout)
    for report in reports.values():
        assert report["result"]["runs"][0]["episodes"] == 30
        assert 0 <= report["result"]["top1_mean"] <= 100 and report["result"]["ci95"] >= 0


def test_protocols_of_the_paper_load():
    from actionzs.eval.protocols import load_protocol

    for name in ("ucf101-cdfsl-5way-5shot", "ucf101-cdfsl-5way-1shot", "hmdb51-cdfsl-5way-5shot",
                 "hmdb51-cdfsl-5way-1shot"):
        protocol = load_protocol(name)
        assert protocol.kind == "episodic" and protocol.extra["classifier"] == "logistic"
        assert protocol.extra["episodes"] == 600 and protocol.extra["ways"] == 5


def test_episodes_draw_every_zero_based_class():
    """Integer labels 0..N-1: every class is drawn, 0 and N-1 included (the reference draws 1..N), never twice
    in one episode, and the 95% half-width is 1.96 x sample std / sqrt(n)."""
    from actionzs.eval.episodes import sample_episodes
    from actionzs.eval.metrics import confidence_interval_95

    labels = [c for c in range(7) for _ in range(4)]
    seen = set()
    for episode in sample_episodes(labels, 5, 1, 3, 200, seed=1):
        assert len(set(episode.classes)) == 5
        seen |= set(episode.classes)
    assert seen == set(range(7))
    accuracies = [60.0, 80.0, 70.0, 90.0]
    mean = sum(accuracies) / 4
    std = math.sqrt(sum((a - mean) ** 2 for a in accuracies) / 3)
    assert confidence_interval_95(accuracies) == pytest.approx(1.96 * std / 2)


def test_bad_inputs_are_one_line(domains, tmp_path, data_dir):
    empty = tmp_path / "empty"
    empty.mkdir()
    broken = tmp_path / "broken"
    (broken / "dive").mkdir(parents=True)
    (broken / "dive" / "bad.mp4").symlink_to(data_dir / "videos" / "decord" / "corrupted.mp4")
    (broken / "drink").mkdir()
    (broken / "drink" / "ok.mp4").symlink_to(data_dir / "videos" / CURRICULUM_SUPPORT["drink"])
    unreadable = tmp_path / "unreadable"
    (unreadable / "x").mkdir(parents=True)
    (unreadable / "x" / "bad.mp4").symlink_to(data_dir / "videos" / "decord" / "corrupted.mp4")
    base = ["adapt", str(domains["support"]), "--method", "curriculum", "--backbone", TINY, "--max-steps", "2",
            "--train-batch-size", "2", "--workers", "0"]
    cases = [
        (["--target-unlabelled", str(domains["target"])], "--source"),
        (["--source", str(domains["source"])], "--target-unlabelled"),
        (["--source", str(unreadable), "--target-unlabelled", str(domains["target"])], "--source: none of its 1 clip(s) could be decoded"),
        (["--source", str(domains["source"]), "--target-unlabelled", str(empty)], "holds no videos"),
        (["--stage", "fit", "--source", str(domains["source"])], None),  # fit alone needs no domains
        (["--backbone", "MCG-NJU/videomae-base", "--stage", "fit"], "MCG-NJU/videomae-base"),
        (["--epochs", "2", "--stage", "fit"], "--epochs"),
    ]
    for number, (extra, message) in enumerate(cases):
        out = tmp_path / f"o{number}"
        result = CliRunner().invoke(main, base + extra + ["-o", str(out)])
        if message is None:
            assert result.exit_code == 0, (extra, result.output)
            continue
        assert result.exit_code == 2, (extra, result.output)
        lines = result.stderr.strip().splitlines()
        assert lines[-1].startswith("error:") and message in lines[-1] and "Traceback" not in result.output, extra
        assert not out.exists()
    no_class = CliRunner().invoke(main, ["adapt", str(broken), "--method", "curriculum", "--stage", "fit",
                                         "--backbone", TINY, "-o", str(tmp_path / "nc"), "--workers", "0"])
    assert no_class.exit_code == 2 and "class 'dive' has no readable support clip" in no_class.stderr
    other = CliRunner().invoke(main, ["adapt", "--method", "linear", str(domains["support"]), "-o", str(tmp_path / "l"),
                                      "--source", str(domains["source"])])
    assert other.exit_code == 2 and "--method curriculum option" in other.stderr


def _stopped_after_two_steps(domains, work: Path) -> AdaptRequest:
    """A pre-training run killed after its checkpoint at step 2."""
    stopped = _request(domains, work, "pretrain")

    def stop(**status):
        if status["step"] == 2:
            raise _Killed

    with pytest.raises(_Killed):
        _train(stopped, stop)
    return stopped


def test_a_checkpoint_of_another_backbone_is_refused(domains, tmp_path):
    _stopped_after_two_steps(domains, tmp_path / "w")
    bigger = _request(domains, tmp_path / "w", "pretrain", backbone="videomae-small", frames=4, size=64, resume=True)
    from actionzs.errors import InputError

    with pytest.raises(InputError, match=r"made by another run \(backbone: \"random:videomae-tiny\" then"):
        _train(bigger)


class _Marker:
    """Unpickling it would create a file: code execution."""

    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return (open, (self.path, "w"))


def test_a_crafted_pickle_in_a_checkpoint_runs_no_code(domains, tmp_path):
    import pickle

    from actionzs.errors import InputError

    stopped = _stopped_after_two_steps(domains, tmp_path / "w")
    (checkpoint,) = (tmp_path / "w" / "pretrain" / "checkpoints").glob("step-*")
    marker = tmp_path / "MARKER"
    for name in ("optimizer.bin", "random_states_0.pkl"):
        original = (checkpoint / name).read_bytes()
        (checkpoint / name).write_bytes(pickle.dumps({"state": _Marker(marker)}))
        with pytest.raises(InputError, match="pickle that would run code"):
            _train(replace(stopped, curriculum=replace(stopped.curriculum, resume=True)))
        assert not marker.exists()
        (checkpoint / name).write_bytes(original)
