"""Named plug-ins (methods, adapters) imported only when used, so the CLI lists its choices without loading torch.

Adding a method or an adapter is one file and one line in its registry.
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import NamedTuple

from .errors import InputError


class Entry(NamedTuple):
    target: str  # "package.module:Class"
    summary: str  # one line for --help
    ranks_labels: bool = True  # a method with a text side, which predict can run; False: features only
    needs: tuple[tuple[str, str], ...] = ()  # (module, pip package) of optional libraries it cannot run without


class Registry(dict):
    """name -> Entry; ``load(name)`` imports the class, or fails in one line naming the choices."""

    def __init__(self, kind: str, entries: dict[str, Entry]):
        super().__init__(entries)
        self.kind = kind

    def load(self, name: str) -> type:
        self.require(name)
        module, _, attribute = self[name].target.partition(":")
        return getattr(importlib.import_module(module), attribute)

    def require(self, name: str) -> None:
        """Fail in one line, before anything slow is imported or loaded, when ``name`` is unknown or a library it
        needs is not installed (looked up, not imported)."""
        if name not in self:
            raise InputError(f"unknown {self.kind} '{name}' (available: {', '.join(self)})")
        for module, package in self[name].needs:
            if importlib.util.find_spec(module) is None:
                raise InputError(f"the {name} {self.kind} needs {module}, which is not installed: pip install {package}")

    def help(self, names=None) -> str:
        return " ".join(f"{name}: {entry.summary}." for name, entry in self.items() if names is None or name in names)

    def ranking(self) -> list[str]:
        """The names whose entries rank labels (what ``predict`` offers)."""
        return [name for name, entry in self.items() if entry.ranks_labels]
