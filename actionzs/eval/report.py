"""Evaluation reports: a JSON with everything needed to reproduce the run, a Markdown summary, plots."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ..cache import atomic_write, atomic_write_text


def markdown_summary(report: dict) -> str:
    lines = [f"# actionzs eval: {report['protocol']['name']}", ""]
    lines.append(report["protocol"].get("description", "").strip())
    lines += ["", "| metric | value |", "|---|---|"]
    runs = report["result"]["runs"]
    if report["protocol"]["kind"] == "episodic":
        lines.append(f"| accuracy over {runs[0]['episodes']} episodes (± 95% CI) | "
                     f"{report['result']['top1_mean']:.2f} ± {report['result']['ci95']:.2f} |")
    else:
        lines.append(f"| top-1 (mean ± std over {len(runs)} run(s)) | "
                     f"{report['result']['top1_mean']:.1f} ± {report['result']['top1_std']:.1f} |")
        for key, name in (("top5", "top-5"), ("mean_class_accuracy", "mean class accuracy")):
            values = [100 * r[key] for r in runs]
            lines.append(f"| {name} (mean) | {np.mean(values):.1f} |")
    if report.get("setup", {}).get("untrained"):
        lines += ["", "**UNTRAINED TEST MODEL: these figures are not results.**"]
    lines += ["", "## Setup", "", "```json", json.dumps(report["setup"], indent=2), "```", ""]
    for entry in report["result"].get("data", []):
        lines.append(f"- {entry['split']}: {entry['listed']} listed, {entry['found']} found, {entry['missing']} missing, "
                     f"{entry['evaluated']} evaluated")
    lines.append("")
    if report["protocol"]["kind"] != "episodic" and len(runs) > 1:
        lines += ["## Runs", "", "| run | top-1 | classes |", "|---|---|---|"]
        for i, r in enumerate(runs):
            lines.append(f"| {i} | {100 * r['top1']:.1f} | {', '.join(r['classes'])} |")
    elif report["protocol"]["kind"] != "episodic":
        lines += ["## Per-class accuracy", "", "| class | accuracy |", "|---|---|"]
        for c, acc in zip(runs[0]["classes"], runs[0]["per_class"]):
            lines.append(f"| {c} | {100 * acc:.1f} |")
    return "\n".join(lines) + "\n"


def confusion_png(path: Path, matrix, classes) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    matrix = np.asarray(matrix, dtype=float)
    rows = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)
    size = max(6, 0.28 * len(classes))
    fig, ax = plt.subplots(figsize=(size, size))
    ax.imshow(rows, cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(len(classes)), classes, rotation=90, fontsize=7)
    ax.set_yticks(range(len(classes)), classes, fontsize=7)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title("confusion (row-normalised)")
    fig.tight_layout()
    atomic_write(path, lambda fh: fig.savefig(fh, format="png", dpi=110))
    plt.close(fig)


def write_report(out_dir: str | Path, report: dict) -> list[Path]:
    """report.json, report.md and confusion.png (first run) in out_dir; each written atomically."""
    out = Path(out_dir).expanduser()
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_text(out / "report.json", json.dumps(report, indent=2))
    atomic_write_text(out / "report.md", markdown_summary(report))
    written = [out / "report.json", out / "report.md"]
    first = report["result"]["runs"][0]
    if first.get("confusion"):
        confusion_png(out / "confusion.png", first["confusion"], first["classes"])
        written.append(out / "confusion.png")
    return written
