"""Prompt templates, kept as data in prompts/*.yaml."""

from __future__ import annotations

from pathlib import Path

from ..config import read_yaml
from ..errors import InputError
from ..resources import data_dir


def clip_ensembles(path: str | Path | None = None) -> tuple[dict[str, list[str]], str]:
    """(ensembles, default name) from prompts/clip.yaml or a user file of the same shape."""
    source = Path(path) if path else data_dir("prompts") / "clip.yaml"
    data = read_yaml(source)
    ensembles = data.get("ensembles")
    if not isinstance(ensembles, dict) or not ensembles:
        raise InputError(f"{source}: needs an 'ensembles' mapping of name -> list of templates")
    for name, templates in ensembles.items():
        if not isinstance(templates, list) or not templates:
            raise InputError(f"{source}: ensemble '{name}' must be a non-empty list of templates")
        for template in templates:
            if not isinstance(template, str) or template.count("{}") != 1:
                raise InputError(f"{source}: template {template!r} in '{name}' must contain '{{}}' exactly once")
    default = data.get("default", next(iter(ensembles)))
    return ensembles, default


def clip_templates(choice: str | None = None) -> tuple[str, list[str]]:
    """Resolve ``--prompts``: an ensemble name from prompts/clip.yaml, or a YAML file (its default ensemble)."""
    if choice and Path(choice).expanduser().is_file():
        ensembles, default = clip_ensembles(Path(choice).expanduser())
        return default, ensembles[default]
    ensembles, default = clip_ensembles()
    name = choice or default
    if name not in ensembles:
        raise InputError(f"unknown prompt ensemble '{name}' (known: {', '.join(ensembles)})")
    return name, ensembles[name]
