"""Rendering and writing results: tables, JSON and CSV for the terminal or a file, evaluation reports
(report.json, report.md) and plots (confusion.png). Tasks return data; this module alone decides how it looks.

Files are written atomically (a temporary sibling renamed into place), so an interrupted run leaves none
half-written.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import click
import numpy as np

from .cache import atomic_write_text
from .console import clock
from .errors import InputError


def output_format(as_json: bool, as_csv: bool, out: str | None) -> str:
    """table, json or csv: from the flags, else from the --out file's extension."""
    if as_json and as_csv:
        raise InputError("choose one of --json and --csv")
    if as_json or (out and out.endswith(".json")):
        return "json"
    if as_csv or (out and out.endswith(".csv")):
        return "csv"
    return "table"


def emit(text: str, out: str | None = None) -> None:
    """Print, or write atomically to ``out`` (no half-written file if interrupted); under a launcher only the main
    process does."""
    from .launch import is_main_process

    if not is_main_process():
        return
    if out:
        path = Path(out).expanduser()
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(path, text)
        from .console import notice

        notice(f"wrote {out}")
    else:
        click.echo(text, nl=not text.endswith("\n"))


def to_json(data) -> str:
    """The one JSON path: plain data as is, a report model by its ``to_dict()`` (NaN written as NaN, as before)."""
    return json.dumps(data.to_dict() if hasattr(data, "to_dict") else data, indent=2) + "\n"


def data_warnings(report) -> list[str]:
    """One line per test split with videos missing under the dataset root (an ``EvalReport``)."""
    return [f"{d.split}: {d.missing} of {d.listed} videos missing under {getattr(report.setup, 'root', None)} "
            f"(e.g. {d.missing_examples[0]}); evaluated the {d.evaluated} found"
            for d in getattr(report.result, "data", []) if d.missing and d.role == "test"]


def warn(message: str) -> None:
    from .launch import is_main_process

    if is_main_process():  # under a launcher the main process alone speaks
        click.secho(f"warning: {message}", fg="yellow", err=True)


def error(message: str) -> None:
    """One line on stderr, whatever a user-supplied name in the message holds; under a launcher the other
    processes say which they are."""
    from .launch import is_main_process, process_label

    where = "" if is_main_process() else f"({process_label()}) "
    click.secho("error: " + where + message.strip().replace("\r", "\\r").replace("\n", "\\n"), fg="red", err=True)


# -- predict, caption, anticipate ---------------------------------------------------------------------------------

def render_predictions(report, fmt: str) -> str:
    if fmt == "json":
        return to_json(report.to_dict())
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow(["video", "rank", "label", "text", "score"])
        for pred in report.predictions:
            for i, ranked in enumerate(pred.top, 1):
                writer.writerow([pred.video, i, ranked.label, ranked.text, f"{ranked.score:.6f}"])
        return buf.getvalue()
    lines = []
    if report.untrained and report.predictions:
        lines.append("UNTRAINED TEST MODEL: the scores below are not predictions.")
    similarity = report.score == "similarity"
    if report.predictions:
        lines.append("scores: cosine similarity of captions to class descriptions (higher is closer; not a probability)"
                     if similarity else f"scores: probability over the {report.num_classes} labels")
    for pred in report.predictions:
        lines.append(pred.video)
        for i, ranked in enumerate(pred.top, 1):
            shown = f"{ranked.score:6.3f}" if similarity else f"{ranked.score:6.1%}"
            lines.append(f"  {i:>2}. {shown}  {ranked.text}")
    return "\n".join(lines) + "\n"


def render_captions(report, fmt: str) -> str:
    """A table, or ActivityNet-captions JSON keyed by video stem (what ``predict --captions`` reads)."""
    if fmt == "json":
        results = {Path(v).stem: [{"sentence": c.sentence, "timestamp": [c.start, c.end]} for c in caps]
                   for v, caps in report.observer.videos.items()}
        return to_json({"captioner": report.captioner, "untrained": report.untrained, "window": report.window,
                        "hop": report.hop, "provenance": report.provenance, "results": results})
    lines = ["UNTRAINED TEST MODEL: these captions are noise."] if report.untrained else []
    for video, caps in report.observer.videos.items():
        lines.append(video)
        lines.extend(f"  {clock(c.start):>9} - {clock(c.end):<9} {c.sentence}" for c in caps)
    return "\n".join(lines) + "\n"


def render_anticipation(result) -> str:
    lines = []
    for segment in result.segments:
        seen = f"  ({segment.caption})" if segment.caption else ""
        lines.append(f"{segment.start:7.2f}-{segment.end:<7.2f} {segment.action}{seen}")
    lines.append("observed: " + ", ".join(" ".join(a) for a in result.observed))
    lines.extend(f"  {i}. " + ", ".join(" ".join(a) for a in sequence) for i, sequence in enumerate(result.future, 1))
    return "\n".join(lines) + "\n"


def render_stages(result, as_json: bool) -> str:
    """What ``adapt --method curriculum --stage pretrain|curriculum`` made."""
    data = {"backbone": result.backbone, "stages": result.stages, "ran": result.ran, "skipped": result.skipped}
    if as_json:
        return to_json(data)
    done = f"; skipped (output exists): {', '.join(result.skipped)}" if result.skipped else ""
    return f"wrote {result.backbone}: VideoMAE after {' + '.join(result.stages) or 'no training'}{done}\n"


def render_adapted(result, as_json: bool, provenance: dict | None = None) -> str:
    info = result.info.as_dict()
    stages = getattr(result, "stages", None)
    if stages is not None:
        info["training"] = {**info["training"], "ran": stages.ran, "skipped_stages": stages.skipped}
    if as_json:
        return to_json({**info, "provenance": provenance or {}})
    t = info["training"]
    detail = (f"support accuracy {t['support_accuracy']:.1%}" if "support_accuracy" in t
              else f"final loss {t['loss_per_epoch'][-1]:.3f}")
    return (f"wrote {result.path}: {info['method']} adapter over {len(info['classes'])} classes from "
            f"{t['support_clips']} clips ({detail})\n")


# -- listings --------------------------------------------------------------------------------------------------

def render_rows(rows: list[dict], columns: list[tuple[str, int]], header: bool = True) -> str:
    """A table of the given (key, width) columns, the last one unpadded."""

    def line(values):
        return " ".join(f"{v:<{w}}" if w else str(v) for v, (_, w) in zip(values, columns)).rstrip()

    lines = [line([k for k, _ in columns])] if header else []
    return "\n".join(lines + [line([r[k] for k, _ in columns]) for r in rows]) + "\n"


def render_label_sets(sizes: dict[str, int], as_json: bool) -> str:
    return to_json(sizes) if as_json else "".join(f"{name:<14} {n:>4} classes\n" for name, n in sizes.items())


def render_labels(labels, as_json: bool) -> str:
    if as_json:
        return to_json([{"id": i, "text": t} for i, t in zip(labels.ids, labels.texts)])
    return "".join(f"{i}\t{t}\n" for i, t in zip(labels.ids, labels.texts))


def render_models(rows: list[dict], as_json: bool) -> str:
    """rows: name, task, cached (bool), size_mb (or None), licence, note."""
    if as_json:
        return to_json(rows)
    shown = [{**r, "cached": "yes" if r["cached"] else "no", "size": f"{r['size_mb']:.1f} MB" if r["size_mb"] else "-"}
             for r in rows]
    return render_rows(shown, [("name", 42), ("task", 10), ("cached", 7), ("size", 9), ("licence", 13), ("note", 0)])


def render_protocols(protocols: dict, as_json: bool = False) -> str:
    """One line per protocol: name, kind and its description shortened at a word; JSON holds everything."""
    import textwrap

    if as_json:
        return to_json([{"name": name, "dataset": p.dataset, "kind": p.kind, "runs": p.runs,
                         "description": " ".join(p.description.split()), **p.extra} for name, p in protocols.items()])
    width = max(len(name) for name in protocols) + 1
    rows = [{"name": name, "kind": p.kind,
             "description": textwrap.shorten(" ".join(p.description.split()), 110 - width - 12, placeholder=" ...")}
            for name, p in protocols.items()]
    return render_rows(rows, [("name", width), ("kind", 12), ("description", 0)], header=False)


# -- evaluation reports --------------------------------------------------------------------------------------------

def eval_headline(report) -> str:
    """The one-line result: what the terminal prints and report.md leads with."""
    result, kind = report.result, report.protocol.kind
    if kind == "anticipation":
        return " ".join(f"{run.history}: {method} ED action {ed['action']:.3f};"
                        for run in result.histories for method, ed in run.results.items()).rstrip(";")
    if kind == "episodic":
        return f"accuracy {result.top1_mean:.2f} ± {result.ci95:.2f} (95% CI) over {result.runs[0].episodes} episodes"
    runs = len(result.runs)
    spread = f" ± {result.top1_std:.1f} (std) over {runs} runs" if runs > 1 else " (one run)"
    return f"top-1 {result.top1_mean:.1f}{spread}, {result.runs[0].num_videos} videos in run 0"


def anticipation_table(report) -> str:
    """ED per method with the action ED's 95% interval (bootstrap over clips) and, paired, the reference
    method's difference to each other method."""
    lines = [f"{'history':<8} {'method':<16} {'ED verb':>8} {'ED noun':>8} {'ED action':>10} {'95% CI':>15} "
             f"{'ref - method (95% CI)':>28}  (lower is better)"]
    for run in report.result.histories:
        for method, ed in run.results.items():
            low, high = ed.get("action_ci95", [float("nan")] * 2)
            delta = run.paired.get(method)
            versus = (f"{delta.mean:+.3f} [{delta.ci95[0]:+.3f}, {delta.ci95[1]:+.3f}]" if delta
                      else ("(reference)" if method == run.reference else ""))
            lines.append(f"{run.history:<8} {method:<16} {ed['verb']:8.3f} {ed['noun']:8.3f} {ed['action']:10.3f} "
                         f"[{low:.3f}, {high:.3f}] {versus:>28}")
        timing = f", LLM {run.llm_seconds_per_window:.2f} s/window" if run.llm_seconds_per_window else ""
        lines.append(f"{'':<8} ({run.windows} windows of {run.clips} clips, Z={run.z}, K={run.k}{timing})")
    return "\n".join(lines) + "\n"


def render_eval(report, as_json: bool) -> str:
    if as_json:
        return to_json(report)
    if report.protocol.kind == "anticipation":
        return anticipation_table(report)
    return f"{report.protocol.name}: {eval_headline(report)}\n"


def markdown_report(report) -> str:
    protocol = report.protocol
    lines = [f"# actionzs eval: {protocol.name}", "", protocol.description.strip(), "",
             f"**{eval_headline(report)}**", ""]
    if report.untrained:
        lines += ["**UNTRAINED TEST MODEL: these figures are not results.**", ""]
    runs = getattr(report.result, "runs", [])
    if protocol.kind == "anticipation":
        lines += ["```", anticipation_table(report).rstrip(), "```", ""]
    else:
        if protocol.kind != "episodic":
            lines += ["| metric | mean over runs | std over runs |", "|---|---|---|"]
            for key, name in (("top1", "top-1"), ("top5", "top-5"), ("mean_class_accuracy", "mean class accuracy")):
                values = [100 * getattr(r, key) for r in runs]
                spread = f"{np.std(values):.1f}" if len(values) > 1 else "(one run)"
                lines.append(f"| {name} | {np.mean(values):.1f} | {spread} |")
            lines.append("")
    lines += ["## Setup", "", "```json", json.dumps(report.setup.to_dict(), indent=2), "```", ""]
    for entry in getattr(report.result, "data", []):
        lines.append(f"- {entry.split}: {entry.listed} listed, {entry.found} found, {entry.missing} missing, "
                     f"{entry.evaluated} evaluated")
    lines.append("")
    if protocol.kind in ("zero-shot", "few-shot") and len(runs) > 1:
        lines += ["## Runs", "", "| run | top-1 | classes |", "|---|---|---|"]
        lines += [f"| {i} | {100 * r.top1:.1f} | {', '.join(r.classes)} |" for i, r in enumerate(runs)]
    elif protocol.kind in ("zero-shot", "few-shot"):
        lines += ["## Per-class accuracy", "", "| class | accuracy |", "|---|---|"]
        lines += [f"| {c} | {100 * acc:.1f} |" for c, acc in zip(runs[0].classes, runs[0].per_class)]
    return "\n".join(lines) + "\n"


def write_report(out_dir: str | Path, report) -> list[Path]:
    """report.json, report.md and, when the first run has them, confusion.png and per_class.png in out_dir; each
    written atomically (under a launcher by the main process alone)."""
    from .launch import is_main_process

    if not is_main_process():
        return []
    out = Path(out_dir).expanduser()
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_text(out / "report.json", to_json(report))
    atomic_write_text(out / "report.md", markdown_report(report))
    written = [out / "report.json", out / "report.md"]
    from .plots import confusion_png, per_class_png

    first = (getattr(report.result, "runs", None) or [None])[0]
    if first is not None and first.confusion:
        confusion_png(out / "confusion.png", first.confusion, first.classes)
        written.append(out / "confusion.png")
    if first is not None and first.per_class:
        per_class_png(out / "per_class.png", first.per_class, first.classes)
        written.append(out / "per_class.png")
    return written
