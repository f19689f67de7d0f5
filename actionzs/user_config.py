"""The user's own defaults, one resolution for every command and the Python API, lowest first: the built-in
default (``defaults.py``) < the config file (``$ACTIONZS_CONFIG``, else ``$XDG_CONFIG_HOME/actionzs/config.yaml``,
else ``~/.config/actionzs/config.yaml``) < the environment (``$ACTIONZS_MODEL``, ``$ACTIONZS_DEVICE``, ...) < an
option given (on the command line, or a value set in the API's option objects). ``actionzs config`` shows each
value in effect and where it comes from; every ``--help`` shows them beside the options they set.

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

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

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
    _sources: dict = PrivateAttr(default_factory=dict)  # key -> 'config file' or '$ACTIONZS_...'


def config_path() -> Path:
    env = os.environ.get("ACTIONZS_CONFIG")
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
    return Path(base) / "actionzs" / "config.yaml"


#: the environment variable of each setting: ACTIONZS_MODEL, ACTIONZS_DEVICE, ..., ACTIONZS_BATCH_SIZE
ENVIRONMENT = {key: f"ACTIONZS_{key.upper()}" for key in UserConfig.model_fields}


def load_user_config() -> UserConfig:
    """The settings in effect from the file and the environment (all None where neither sets one); a malformed
    file or variable is one InputError naming it. ``$ACTIONZS_CONFIG`` naming a missing file is an error too:
    the user asked for that file. ``sources(config)`` says where each value came from."""
    path = config_path()
    found = UserConfig()
    if path.exists() or "ACTIONZS_CONFIG" in os.environ:
        found = validated(UserConfig, read_yaml(path, empty_ok=True), path)  # a file of comments only sets nothing
    given = {key: found.model_dump()[key] for key in found.model_fields_set if getattr(found, key) is not None}
    origin = {key: "config file" for key in given}
    for key, variable in ENVIRONMENT.items():
        if os.environ.get(variable):
            validated(UserConfig, {key: os.environ[variable]}, f"${variable}")  # names the variable when it is wrong
            given[key], origin[key] = os.environ[variable], f"${variable}"
    merged = UserConfig.model_validate(given)
    merged._sources = origin
    return merged


def sources(config: UserConfig) -> dict[str, str]:
    """Where each set value of ``config`` came from: 'config file' or '$ACTIONZS_...'."""
    return dict(config._sources)


def configured(key: str):
    """The value in effect of setting ``key`` (environment over file), or None: the built-in default applies."""
    return getattr(load_user_config(), key)


def cache_root() -> Path:
    """The cache folder in effect when none is given: ``$ACTIONZS_CACHE``, else the file's ``cache``, else the
    built-in one."""
    return Path(configured("cache") or defaults.cache_dir()).expanduser()


def in_effect(config: UserConfig | None, key: str) -> str | None:
    """'VALUE (SOURCE)' for ``--help``, when the file or the environment sets ``key``."""
    value = getattr(config, key, None) if config is not None else None
    return None if value is None else f"{value} ({sources(config).get(key, 'config file')})"


def effective(config: UserConfig) -> list[dict]:
    """Each setting's value in effect and where it comes from (environment, file or built-in default)."""
    built_in = {"model": defaults.CLIP_MODEL, "device": "auto", "precision": "auto",
                "cache": str(defaults.cache_dir()), "labels": defaults.LABELS,
                "workers": "one per spare core, at most 4",
                "batch_size": f"{defaults.BATCH_SIZE['cpu']} on CPUs, {defaults.BATCH_SIZE['gpu']} on GPUs"}
    origin = sources(config)
    return [{"key": key, "value": fallback if getattr(config, key) is None else getattr(config, key),
             "source": origin.get(key, "default"), "meaning": UserConfig.model_fields[key].description or ""}
            for key, fallback in built_in.items()]
