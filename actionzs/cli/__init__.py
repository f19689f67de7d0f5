"""The ``actionzs`` command line: each command declares its options (shared ones in ``options``), calls one task
of the API and hands the result to ``output``.

Exit codes: 0 all done; 1 some inputs failed (each reported in one line); 2 bad input or usage; 3 an internal
error (a bug). Every failure is one ``error: ...`` line on stderr; ``--debug`` adds the traceback."""

from __future__ import annotations

import sys
import traceback

import click

from .. import __version__
from ..errors import ActionzsError


INTERNAL_ERROR = 3


class _Group(click.Group):
    """Turns every failure into one line on stderr and its exit code (the traceback only with --debug)."""

    def invoke(self, ctx):
        from ..output import error

        debug = bool(ctx.params.get("debug"))
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.Abort, SystemExit):
            raise
        except click.ClickException as exc:  # a bad option value or usage of a command: one line, its exit code
            where = getattr(exc, "ctx", None)
            error(exc.format_message() + (f" (see: {where.command_path} --help)" if where else ""))
            sys.exit(exc.exit_code)
        except ActionzsError as exc:
            if debug:
                traceback.print_exc()
            error(str(exc))
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            error("interrupted; nothing half-written was left behind")
            sys.exit(130)
        except OSError as exc:  # a disk full, a permission denied: the user's environment, not a bug
            if debug:
                traceback.print_exc()
            where = f"{exc.filename}: " if getattr(exc, "filename", None) else ""
            error(f"{where}{exc.strerror or exc}")
            sys.exit(2)
        except Exception as exc:  # noqa: BLE001 - a bug: still one line, unless asked for the traceback
            if debug:
                traceback.print_exc()
            first = str(exc).splitlines()[0] if str(exc) else ""
            error(f"internal error: {type(exc).__name__}: {first} (rerun with --debug and report the traceback)")
            sys.exit(INTERNAL_ERROR)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
@click.version_option(__version__, prog_name="actionzs")
@click.option("--debug", is_flag=True, help="Show the full traceback of an error.")
@click.option("-v", "--verbose", count=True, help="Say what is loaded from where; -vv: the libraries' own bars and warnings too.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bars or info lines: results, warnings and errors only.")
@click.pass_context
def main(ctx, debug, verbose, quiet):
    """Zero-shot and few-shot human action recognition in videos.

    \b
    Rank actions in a video, with no training:
      actionzs predict clip.mp4 --labels ucf101
      actionzs predict videos/ --labels "juggling,knitting,surfing" --json --out preds.json
    \b
    Models are named as in open_clip (ViT-B-16:openai) or Hugging Face (openai/clip-vit-base-patch16),
    or given as local paths; `actionzs models` lists them and what is cached. Label sets: `actionzs labels`.
    Your own defaults (model, device, cache, labels, workers): `actionzs config`.
    \b
    Shell completion (bash; zsh and fish alike, see README):
      eval "$(_ACTIONZS_COMPLETE=bash_source actionzs)"
    """
    from ..console import setup
    from ..user_config import load_user_config

    if quiet and verbose:
        raise click.UsageError("choose one of -q and -v")
    setup(-1 if quiet else verbose)
    ctx.obj = load_user_config()  # the settings in effect (file, environment): checked now, shown in every --help


def _register() -> None:
    from .adapt import adapt
    from .anticipate import anticipate
    from .app import app
    from .config import config
    from .caption import caption
    from .evaluate import eval_
    from .listings import labels, models
    from .predict import predict

    for command in (predict, adapt, eval_, anticipate, caption, app, models, labels, config):
        main.add_command(command)


_register()
