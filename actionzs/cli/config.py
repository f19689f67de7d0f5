"""``actionzs config``."""

from __future__ import annotations

import click

from .options import json_flag


@click.command()
@json_flag
def config(as_json):
    """Show your defaults: each setting, its value in effect and where it comes from.

    \b
    The file is $ACTIONZS_CONFIG, else ~/.config/actionzs/config.yaml (XDG_CONFIG_HOME is honoured):
      model: ViT-B-32:laion2b_s34b_b79k   # the CLIP model of --method clip
      device: cuda:1                      # auto, cpu, cuda[:N] or mps
      precision: bf16                     # auto, fp32, bf16 or fp16
      cache: /scratch/actionzs-cache      # features and embeddings
      labels: kinetics400                 # predict's label set
      workers: 4                          # video-decoding processes
      batch_size: 64                      # frames per encoder call

    \b
    Each setting can also come from the environment, which wins over the file:
      ACTIONZS_MODEL, ACTIONZS_DEVICE, ACTIONZS_PRECISION, ACTIONZS_CACHE, ACTIONZS_LABELS,
      ACTIONZS_WORKERS, ACTIONZS_BATCH_SIZE
    An option given on the command line (or a value set in the Python API) wins over both; every
    --help shows the value in effect beside the option it sets.
    """
    from ..output import render_rows, to_json
    from ..user_config import config_path, effective

    path = config_path()
    rows = effective(click.get_current_context().find_root().obj)
    if as_json:
        click.echo(to_json({"file": str(path), "exists": path.is_file(), "settings": rows}), nl=False)
        return
    state = "" if path.is_file() else "  (not there: built-in defaults)"
    click.echo(f"config file: {path}{state}")
    click.echo(render_rows(rows, [("key", 11), ("value", 38), ("source", 12), ("meaning", 0)]), nl=False)
