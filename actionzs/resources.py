"""Locate the project's own data (prompts/, corpora/, protocol YAMLs) in a wheel and in a source checkout."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """`prompts` or `corpora`: inside the wheel they live under actionzs/_data, in a checkout at the repo root."""
    for candidate in (_PACKAGE / "_data" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"actionzs data folder '{name}' is missing from this installation")


def package_file(*parts: str) -> Path:
    return _PACKAGE.joinpath(*parts)
