"""The user's own defaults: ``$ACTIONZS_CONFIG``, else ``$XDG_CONFIG_HOME/actionzs/config.yaml``, else
``~/.config/actionzs/config.yaml``. Read by the command line only (the Python API takes its options as given),
shown by ``actionzs config``.

Precedence, highest first: an option on the command line, an environment variable ($ACTIONZS_CACHE), this
file, the built-in default (``defaults.py``).

    # ~/.config/actionzs/config.yaml
    model: ViT-B-32:laion2b_s34b_b79k   # the CLIP model of --method clip
    device: cuda:1
    cache: /scratch/actionzs-cache
    labels: kinetics400
    workers: 4
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from . import defaults
from .config import read_yaml, validated


class UserConfig(BaseModel):
    """What the file may hold; an unknown key is an error naming it (a typo must not be silently ignored)."""

    model_config = ConfigDict(extra="forbid", protected_namespaces=())

    model: str | None = Field(default=None, min_length=1, description="the CLIP model of --method clip")
    device: str | None = Field(default=None, min_length=1, description="auto, cpu, cuda[:N] or mps")
    precision: Literal["auto", "fp32", "bf16", "fp16"] | None = None
    cache: str | None = Field(default=None, min_length=1, description="folder of features and embeddings")
    labels: str | None = Field(default=None, min_length=1, description="label set of predict")
    workers: int | None = Field(default=None, ge=0, description="video-decoding processes")
    batch_size: int | None = Field(default=None, ge=1, description="frames per encoder call")


def config_path() -> Path:
    env = os.environ.get("ACTIONZS_CONFIG")
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
    return Path(base) / "actionzs" / "config.yaml"


def load_user_config() -> UserConfig:
    """The file's settings (all None when there is no file); a malformed file is one InputError naming it.
    ``$ACTIONZS_CONFIG`` naming a missing file is an error too: the user asked for that file."""
    path = config_path()
    if not path.exists() and "ACTIONZS_CONFIG" not in os.environ:
        return UserConfig()
    return validated(UserConfig, read_yaml(path, empty_ok=True), path)  # a file of comments only sets nothing


def option_defaults(config: UserConfig) -> dict:
    """click's ``default_map``: the file's values as the defaults of every command's options of those names."""
    shared = {key: value for key, value in (("device", config.device), ("precision", config.precision),
                                             ("workers", config.workers), ("batch_size", config.batch_size))
              if value is not None}
    commands = ("predict", "eval", "adapt", "caption", "anticipate")
    mapping = {name: dict(shared) for name in commands}
    if config.labels is not None:
        mapping["predict"]["labels"] = config.labels
    return mapping


def effective(config: UserConfig) -> list[dict]:
    """Each setting's value in effect and where it comes from (file, environment or built-in default)."""
    built_in = {"model": defaults.CLIP_MODEL, "device": "auto", "precision": "auto",
                "cache": str(defaults.cache_dir()), "labels": defaults.LABELS,
                "workers": "one per spare core, at most 4",
                "batch_size": f"{defaults.BATCH_SIZE['cpu']} on CPUs, {defaults.BATCH_SIZE['gpu']} on GPUs"}
    rows = []
    for key, fallback in built_in.items():
        value = getattr(config, key)
        source = "config file" if value is not None else "default"
        if key == "cache" and os.environ.get("ACTIONZS_CACHE") and os.environ.get("ACTIONZS_CACHE") != value:
            value, source = os.environ["ACTIONZS_CACHE"], "$ACTIONZS_CACHE"
        rows.append({"key": key, "value": fallback if value is None else value, "source": source,
                     "meaning": UserConfig.model_fields[key].description or ""})
    return rows
