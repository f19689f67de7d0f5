"""Datasets, split files, protocols, episodes, metrics and reports of `actionzs eval`."""

import glob
import json
import shutil

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from actionzs.cli import main
from actionzs.errors import InputError
from actionzs.eval.datasets import class_counts, read_label_csv, read_split, scan_layout, validate
from actionzs.eval.episodes import prototype_accuracy, sample_episodes
from actionzs.eval.metrics import summarize, topk_accuracy
from actionzs.eval.protocols import available_protocols, load_protocol
from actionzs.eval.report import EvalReport
from actionzs.text.labels import load_labels
from tests.conftest import need_data

UCF, HMDB = load_labels("ucf101"), load_labels("hmdb51")


@pytest.mark.parametrize("n, size", [(1, 3783), (2, 3734), (3, 3696)])
def test_ucf101_official_test_splits(n, size):
    items = read_split(need_data(f"labels/ucf101/testlist0{n}.txt"), UCF)
    assert len(items) == size and len(class_counts(items)) == 101
    assert any(i.label == "HandstandPushups" and "HandStandPushups" in i.path for i in items)  # the official quirk


@pytest.mark.parametrize("n", [1, 2, 3])
def test_hmdb51_test_splits_in_three_formats_agree(n):
    official = [i for f in sorted(glob.glob(str(need_data("labels/hmdb51/splits_official_reconstructed")) +
                                            f"/*_test_split{n}.txt")) for i in read_split(f, HMDB)]
    mmaction = read_split(need_data(f"labels/hmdb51/splits_mmaction/hmdb51_val_split_{n}_videos.txt"), HMDB)
    vifi = read_split(need_data(f"protocols/hmdb51/val{n}.txt"), HMDB,
                      label_names=read_label_csv(need_data("protocols/hmdb_51_labels.csv")))
    assert len(official) == len(mmaction) == len(vifi) == 1530
    assert len(class_counts(official)) == 51
    key = lambda items: sorted((i.path.split("/")[-1], i.label) for i in items)  # noqa: E731
    assert key(official) == key(mmaction) == key(vifi)


def test_kinetics600_zero_shot_splits_have_160_classes():
    k600 = load_labels("kinetics600")
    for n in (1, 2, 3):
        names = read_label_csv(need_data(f"protocols/kinetics600/ZS_split{n}_K600.csv"))
        items = read_split(need_data(f"protocols/kinetics600/ZS_split{n}_K600_eval.txt"), k600, "kinetics600",
                           label_names=names)
        assert len(names) == 160 and len(class_counts(items)) == 160


def test_truze_and_few_shot_lists():
    assert len(load_protocol("ucf101-truze").splits(UCF)[0]) == 34
    assert len(load_protocol("hmdb51-truze").splits(HMDB)[0]) == 22
    for k in (2, 4, 8, 16):
        counts = class_counts(read_split(need_data(f"protocols/ucf101/train1_few_shot_{k}.txt"), UCF))
        assert len(counts) == 101 and set(counts.values()) == {k}
    test = class_counts(read_split(need_data("protocols/ucf101/episodic_arn/testlist03.txt"), UCF))
    assert len(test) == 21


def test_malformed_split_files_fail_with_the_line(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text("ApplyEyeMakeup/v_ApplyEyeMakeup_g01_c01.avi\nNoSuchClass/v_x_g01_c01.avi\n")
    with pytest.raises(InputError, match="bad.txt:2"):
        read_split(bad, UCF)
    nolabel = tmp_path / "nolabel.txt"
    nolabel.write_text("something.mp4 7\n")
    with pytest.raises(InputError, match="cannot tell the class"):
        read_split(nolabel, load_labels("kinetics400"), "kinetics400")
    csvfile = tmp_path / "l.csv"
    csvfile.write_text("name\nfoo\n")
    with pytest.raises(InputError, match="id,name"):
        read_label_csv(csvfile)


def test_every_builtin_protocol_loads():
    for name in available_protocols():
        protocol = load_protocol(name)
        assert protocol.name == name and protocol.description


@pytest.fixture
def fake_ucf(tmp_path, data_dir):
    """A tiny UCF101 tree in the original layout, from the real clips in the shared data."""
    root = tmp_path / "UCF-101"
    for clip in sorted((data_dir / "videos").glob("*/v_*_g*_c*.avi")):
        label = clip.stem.split("_")[1]
        (root / label).mkdir(parents=True, exist_ok=True)
        shutil.copy(clip, root / label / clip.name)
    splits = tmp_path / "splits"
    splits.mkdir()
    shutil.copy(data_dir / "labels/ucf101/testlist01.txt", splits)
    lines = [f"{p.parent.name}/{p.name}" for p in sorted(root.glob("*/*.avi"))] + ["PushUps/v_PushUps_g99_c09.avi"]
    (splits / "testlist01.txt").write_text("\n".join(lines) + "\n")  # our five clips plus one missing
    return root, splits


def test_fake_ucf101_tree_evaluates_end_to_end(fake_ucf, tmp_path):
    root, splits = fake_ucf
    out = tmp_path / "report"
    result = CliRunner().invoke(main, ["eval", "-p", "ucf101-zs-split1", "--root", str(root), "--splits", str(splits),
                                       "-m", "random:openclip-tiny", "--frames", "4", "--clips", "2", "--crops", "3",
                                       "--out-dir", str(out)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "1 of 6 videos missing" in result.stderr and "untrained" in result.stderr
    report = json.loads((out / "report.json").read_text())
    typed = EvalReport.model_validate(report)  # report.json has the documented shape (EvalReport's schema) ...
    assert typed.to_dict() == report and typed.untrained  # ... and nothing outside it
    assert set(EvalReport.model_json_schema()["properties"]) == set(report)
    schema = CliRunner().invoke(main, ["eval", "--schema"])  # the schema users are pointed to, checked by a validator
    assert schema.exit_code == 0, schema.output
    jsonschema = pytest.importorskip("jsonschema", reason="jsonschema is missing: pip install -e '.[dev]'")
    jsonschema.validate(report, json.loads(schema.stdout))
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**report, "result": {"runs": "three"}}, json.loads(schema.stdout))
    pixels = report["setup"]["views"].pop("pixels")  # the model's own geometry is recorded with the views
    assert report["setup"]["views"] == {"frames": 4, "clips": 2, "crops": 3, "stride": None}
    assert (pixels["size"], pixels["resize_mode"]) == (64, "shortest")
    assert report["setup"]["untrained"] is True and report["setup"]["model"] == "random:openclip-tiny"
    run = report["result"]["runs"][0]
    assert run["num_videos"] == 5 and len(run["classes"]) == 101
    assert np.asarray(run["confusion"]).sum() == 5
    assert report["result"]["data"][0]["missing"] == 1
    assert "UNTRAINED" in (out / "report.md").read_text()
    assert (out / "confusion.png").read_bytes()[:4] == b"\x89PNG"
    # evaluated again: every feature comes from the cache
    from actionzs.video import reader

    before = dict(reader.DECODE_CALLS)
    CliRunner().invoke(main, ["eval", "-p", "ucf101-zs-split1", "--root", str(root), "--splits", str(splits),
                              "-m", "random:openclip-tiny", "--frames", "4", "--clips", "2", "--crops", "3"])
    assert reader.DECODE_CALLS == before


def test_layout_scan_and_validation(fake_ucf):
    root, splits = fake_ucf
    items = scan_layout(root, UCF)
    assert len(items) == 5 and {i.label for i in items} == {"ApplyEyeMakeup", "HeadMassage", "Shotput", "PlayingGuitar", "PushUps"}
    check = validate(root, read_split(splits / "testlist01.txt", UCF))
    assert len(check.present) == 5 and len(check.missing) == 1 and check.extra == []


def test_episodic_protocol_on_the_fake_tree(fake_ucf):
    root, splits = fake_ucf
    (splits / "testlist03.txt").write_text((splits / "testlist01.txt").read_text())
    result = CliRunner().invoke(main, ["eval", "-p", "ucf101-5way-1shot", "--root", str(root), "--splits", str(splits),
                                       "-m", "random:openclip-tiny", "--json"])
    assert result.exit_code == 2 and "need 5 classes with at least 6 videos" in result.stderr


@settings(max_examples=50, deadline=None)
@given(classes=st.integers(5, 12), per_class=st.integers(6, 15), shots=st.sampled_from([1, 5]), seed=st.integers(0, 99))
def test_episodes_never_repeat_a_class_and_keep_support_and_query_apart(classes, per_class, shots, seed):
    labels = [f"c{i}" for i in range(classes) for _ in range(per_class)] + ["held_out"] * 2
    queries = min(5, per_class - shots)
    for ep in sample_episodes(labels, 5, shots, queries, 20, seed):
        assert len(set(ep.classes)) == 5 and "held_out" not in ep.classes
        assert ep.support.shape == (5, shots) and ep.query.shape == (5, queries)
        assert not set(ep.support.ravel()) & set(ep.query.ravel())
        for row, cls in enumerate(ep.classes):
            assert all(labels[i] == cls for i in ep.support[row]) and all(labels[i] == cls for i in ep.query[row])


def test_episodes_are_reproducible_and_prototypes_separate_clusters():
    rng = np.random.default_rng(0)
    labels = [f"c{i}" for i in range(8) for _ in range(10)]
    centres = rng.standard_normal((8, 16)) * 5
    emb = np.stack([centres[int(l[1:])] + rng.standard_normal(16) * 0.1 for l in labels])
    a = list(sample_episodes(labels, 5, 1, 5, 30, seed=3))
    b = list(sample_episodes(labels, 5, 1, 5, 30, seed=3))
    assert all(x.classes == y.classes and (x.support == y.support).all() for x, y in zip(a, b))
    assert all(prototype_accuracy(emb, ep) == 1.0 for ep in a)


def test_metrics_on_a_hand_computed_case():
    scores = np.array([[0.9, 0.1, 0.0], [0.2, 0.7, 0.1], [0.5, 0.4, 0.1], [0.1, 0.2, 0.7]])
    targets = np.array([0, 1, 1, 0])
    m = summarize(scores, targets)
    assert m["top1"] == 0.5 and topk_accuracy(scores, targets, 2) == 0.75
    assert m["per_class"] == [0.5, 0.5, pytest.approx(np.nan, nan_ok=True)]
    assert m["mean_class_accuracy"] == 0.5
    assert m["confusion"] == [[1, 0, 1], [1, 1, 0], [0, 0, 0]]


def test_k_shot_protocol_adapts_on_the_support_list_then_tests(fake_ucf, data_dir, tmp_path):
    root, splits = fake_ucf
    clips = sorted(root.glob("*/*.avi"))
    (splits / "train1_few_shot_2.txt").write_text("".join(f"{c.name} 0\n" for c in clips))
    (splits / "val1.txt").write_text("".join(f"{c.name} 0\n" for c in clips))
    result = CliRunner().invoke(main, ["eval", "-p", "ucf101-kshot-2", "--root", str(root), "--splits", str(splits),
                                       "-m", "random:openclip-tiny", "--adapt-method", "linear", "--json"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    roles = {d["role"]: d for d in report["result"]["data"]}
    assert roles["support"]["evaluated"] == 5 and roles["test"]["evaluated"] == 5
    assert report["setup"]["method"] == "clip+linear"
    # the test clips are the support clips here: a fitted linear adapter must get them all right
    assert report["result"]["top1_mean"] == 100.0


def test_eval_with_an_adapter_scores_its_classes(fake_ucf, tmp_path):
    root, splits = fake_ucf
    adapter = tmp_path / "adapter"
    made = CliRunner().invoke(main, ["adapt", str(root), "-o", str(adapter), "--labels", "ucf101", "--method", "linear",
                                     "-m", "random:openclip-tiny"], catch_exceptions=False)
    assert made.exit_code == 0, made.output
    result = CliRunner().invoke(main, ["eval", "-p", "ucf101-zs-split1", "--root", str(root), "--splits", str(splits),
                                       "--adapter", str(adapter), "--json"], catch_exceptions=False)
    report = json.loads(result.stdout)
    assert report["setup"]["method"].startswith("adapter:") and report["setup"]["model"] == "random:openclip-tiny"
    assert report["result"]["top1_mean"] == 100.0  # its own support clips


def test_tlpk_fixed_splits_are_the_complements_of_the_published_seen_classes(data_dir):
    source = data_dir / "protocols/ucf101/p50_seen_class_splits.txt"
    class_ind = [line.split()[1] for line in (data_dir / "labels/ucf101/classInd.txt").read_text().splitlines() if line.strip()]
    seen = [{int(i) for i in line.split("[")[1].rstrip("]").split(",")} for line in source.read_text().splitlines() if "[" in line]
    protocol = load_protocol("ucf101-tlpk50")
    labels = load_labels("ucf101")
    runs = protocol.splits(labels)
    assert len(runs) == len(seen) == 30
    for test_classes, seen_ids in zip(runs, seen):
        assert test_classes == [c for i, c in enumerate(class_ind) if i not in seen_ids]  # 50 unseen, classInd order
    assert runs[6:9] == runs[0:3]  # repeated in the published file
    assert protocol.splits(labels, runs=2) == runs[:2]


def test_fixed_split_runs_on_the_fake_tree(fake_ucf, tmp_path):
    root, _ = fake_ucf
    protocol = tmp_path / "two.yaml"
    protocol.write_text("name: two\ndataset: ucf101\nkind: zero-shot\ndescription: two fixed runs\nruns: 2\n"
                        "test_class_runs:\n- [PushUps, Shotput, Typing]\n- [HeadMassage, ApplyEyeMakeup, PushUps, Rowing]\n")
    result = CliRunner().invoke(main, ["eval", "-p", str(protocol), "--root", str(root), "-m", "random:openclip-tiny",
                                       "--frames", "2", "--json"], catch_exceptions=False)
    runs = json.loads(result.stdout)["result"]["runs"]
    # classes in label-set order; each run evaluates exactly the clips of its classes (one clip per class here)
    assert [r["classes"] for r in runs] == [["PushUps", "Shotput", "Typing"], ["ApplyEyeMakeup", "HeadMassage", "PushUps", "Rowing"]]
    assert [r["num_videos"] for r in runs] == [2, 3]


def test_any_registered_method_evaluates_a_protocol(fake_ucf):
    root, splits = fake_ucf
    result = CliRunner().invoke(main, ["eval", "-p", "ucf101-zs-split1", "--root", str(root), "--splits", str(splits),
                                       "--method", "xclip", "-m", "random:xclip-tiny", "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["setup"]["method"] == "xclip" and report["setup"]["model"] == "random:xclip-tiny"
    assert report["setup"]["prompts"] == "classname" and report["setup"]["untrained"] is True
    run = report["result"]["runs"][0]
    assert run["num_videos"] == 5 and len(run["classes"]) == 101 and np.asarray(run["confusion"]).sum() == 5
