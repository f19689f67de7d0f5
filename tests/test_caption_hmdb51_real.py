"""HMDB51 'tell me what you see' on the real shared captions: the CLI's figures equal the benchmark's.

Slow on a fresh machine (embeds ~27,000 captions with MiniLM on the CPU): `make test-slow` or `pytest -m slow`."""

import glob
import json

import pytest
from click.testing import CliRunner

from actionzs.cli import main
from tests.conftest import REPO, need_data

BENCH = REPO / "benchmarks/results/caption_hmdb51.json"


def _row(name):
    rows = json.loads(BENCH.read_text())["rows"]
    return next(r for r in rows if r["configuration"].startswith(name))


def _eval(protocol, *extra):
    captions = sorted(glob.glob(str(need_data("captions/hmdb51/observers") / "*/hmdb51.json")))
    args = ["eval", "-p", protocol, "--json", *[a for c in captions for a in ("--captions", c)], *extra]
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.mark.slow
@pytest.mark.parametrize("protocol", ["hmdb51-truze", "hmdb51-random50"])
def test_default_matches_benchmark_and_beats_the_paper(protocol, tmp_path):
    report = _eval(protocol, "--out-dir", str(tmp_path))
    expected = _row("actionzs default")["results"][protocol]
    assert report["result"]["top1_mean"] == pytest.approx(expected["top1_mean"], abs=1e-6)
    assert report["result"]["top1_std"] == pytest.approx(expected["top1_std"], abs=1e-6)
    paper = {"hmdb51-truze": 20.4, "hmdb51-random50": 28.3}[protocol]
    assert report["result"]["top1_mean"] > paper
    assert report["setup"]["num_videos"] == 6766
    assert json.loads((tmp_path / "report.json").read_text())["result"]["top1_mean"] == report["result"]["top1_mean"]
    assert (tmp_path / "report.md").read_text().startswith("# actionzs eval")
    assert (tmp_path / "confusion.png").read_bytes()[:4] == b"\x89PNG"


@pytest.mark.slow
def test_paper_procedure_matches_benchmark():
    web = str(need_data("captions/hmdb51/class_texts"))
    report = _eval("hmdb51-truze", "--corpus", web, "--no-own-descriptions", "--append-class-name",
                   "--combine", "concat", "--aggregate", "max", "--no-center")
    # the paper's procedure takes each observer's first caption only; ours every caption (observers give one each)
    expected = _row("paper procedure (web")["results"]["hmdb51-truze"]["top1_mean"]
    assert report["result"]["top1_mean"] == pytest.approx(expected, abs=0.05)


def test_truze_protocol_has_22_classes_and_random50_is_reproducible():
    from actionzs.eval.protocols import load_protocol
    from actionzs.text.labels import load_labels

    labels = load_labels("hmdb51")
    assert len(load_protocol("hmdb51-truze").splits(labels)[0]) == 22
    assert len(load_protocol("ucf101-truze").splits(load_labels("ucf101"))[0]) == 34
    r50 = load_protocol("hmdb51-random50")
    a, b = r50.splits(labels), r50.splits(labels)
    assert a == b and len(a) == 10 and all(len(s) == 25 for s in a)
    assert r50.splits(labels, seed=1) != a
