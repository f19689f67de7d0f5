"""Prompt templates, kept as data in prompts/*.yaml."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field, model_validator

from ..config import read_yaml, validated
from ..errors import InputError
from ..resources import data_dir


def _one_slot(template: str) -> str:
    if template.count("{}") != 1:
        raise ValueError(f"template {template!r} must contain '{{}}' exactly once")
    return template


class PromptFile(BaseModel):
    """What a prompt YAML must hold: named ensembles of templates, each with one ``{}`` for the class text."""

    ensembles: dict[str, list[Annotated[str, AfterValidator(_one_slot)]]] = Field(min_length=1)
    default: str | None = None

    @model_validator(mode="after")
    def _usable(self):
        for name, templates in self.ensembles.items():
            if not templates:
                raise ValueError(f"ensemble {name!r} is empty")
        if self.default is not None and self.default not in self.ensembles:
            raise ValueError(f"default {self.default!r} is not one of the ensembles")
        return self


def clip_ensembles(path: str | Path | None = None) -> tuple[dict[str, list[str]], str]:
    """(ensembles, default name) from prompts/clip.yaml or a user file of the same shape."""
    source = Path(path) if path else data_dir("prompts") / "clip.yaml"
    checked = validated(PromptFile, read_yaml(source), source)
    return checked.ensembles, checked.default or next(iter(checked.ensembles))


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
