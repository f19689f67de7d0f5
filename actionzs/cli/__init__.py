"""The ``actionzs`` command line: each command declares its options (shared ones in ``options``), calls one task
of the API and hands the result to ``output``. Any ActionzsError ends as one line and its exit code."""

from __future__ import annotations

import sys

import click

from .. import __version__
from ..errors import ActionzsError


class _Group(click.Group):
    """Turns every ActionzsError into one line on stderr and its exit code."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except ActionzsError as exc:
            from ..output import error

            error(str(exc))
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


def _register() -> None:
    from .adapt import adapt
    from .anticipate import anticipate
    from .caption import caption
    from .evaluate import eval_
    from .listings import labels, models
    from .predict import predict

    for command in (predict, adapt, eval_, anticipate, caption, models, labels):
        main.add_command(command)


_register()
