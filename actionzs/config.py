"""Reading the project's YAML files (prompts, protocols, adapters) with one clear error for bad input."""

from __future__ import annotations

from pathlib import Path

import yaml

from .errors import InputError


def read_yaml(path: str | Path) -> dict:
    """A YAML mapping from ``path``; a missing file, malformed YAML or a non-mapping is an InputError."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError:
        raise InputError(f"{path}: cannot be read") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark else ""
        raise InputError(f"{path}: malformed YAML{where}") from None
    if not isinstance(data, dict):
        raise InputError(f"{path}: expected a YAML mapping at the top level")
    return data
