"""``actionzs labels`` and ``actionzs models``: what the product knows."""

from __future__ import annotations

import click

from .options import json_flag


@click.command()
@click.argument("name", required=False)
@json_flag
def labels(name, as_json):
    """List the built-in label sets, or the classes of one (NAME) or of a label file.

    \b
    Examples:
      actionzs labels
      actionzs labels hmdb51
    """
    from ..output import render_rows
    from ..text.labels import builtin_label_sets, load_labels

    if name is None:
        sets = {key: len(load_labels(key)) for key in builtin_label_sets()}
        rows = [{"set": key, "classes": count} for key, count in sets.items()]
        click.echo(render_rows(sets if as_json else rows, [("set", 14), ("classes", 0)], as_json), nl=False)
        return
    label_set = load_labels(name)
    rows = [{"id": i, "text": t} for i, t in zip(label_set.ids, label_set.texts)]
    if as_json:
        click.echo(render_rows(rows, [], True), nl=False)
    else:
        for row in rows:
            click.echo(f"{row['id']}\t{row['text']}")


@click.command()
@json_flag
def models(as_json):
    """List known model names, whether their weights are cached locally, and their size.

    Any open_clip ARCH:PRETRAINED, Hugging Face ORG/REPO or local path also works; this is a guide, not a limit.
    """
    from ..models import registry
    from ..output import render_rows

    cached = registry.cached_models()
    rows = []
    for name, task, repo, note in registry.KNOWN_MODELS:
        size = cached.get(repo) if repo else None
        local = name.startswith("random:") or registry.installed_offline(name)
        rows.append({"name": name, "task": task, "cached": bool(size) or local,
                     "size_mb": round(size / 2**20, 1) if size else None, "note": note})
    if not as_json:
        rows = [{**r, "cached": "yes" if r["cached"] else "no", "size": f"{r['size_mb']:.1f} MB" if r["size_mb"] else "-"}
                for r in rows]
    columns = [("name", 42), ("task", 10), ("cached", 7), ("size", 9), ("note", 0)]
    click.echo(render_rows(rows, columns, as_json), nl=False)
