"""``actionzs labels`` and ``actionzs models``: what the product knows."""

from __future__ import annotations

import click

from . import completion
from .options import json_flag


@click.command()
@click.argument("name", required=False, shell_complete=completion.label_sets)
@json_flag
def labels(name, as_json):
    """List the built-in label sets, or the classes of one (NAME) or of a label file.

    \b
    Examples:
      actionzs labels
      actionzs labels hmdb51
    """
    from ..output import render_label_sets, render_labels
    from ..text.labels import builtin_label_sets, load_labels

    if name is None:
        sizes = {key: len(load_labels(key)) for key in builtin_label_sets()}
        click.echo(render_label_sets(sizes, as_json), nl=False)
    else:
        click.echo(render_labels(load_labels(name), as_json), nl=False)


@click.command()
@json_flag
def models(as_json):
    """List known model names, whether their weights are cached locally, and their size.

    Any open_clip ARCH:PRETRAINED, Hugging Face ORG/REPO or local path also works; this is a guide, not a limit.
    """
    from ..models import registry
    from ..output import render_models

    click.echo(render_models(registry.known_models(), as_json), nl=False)
