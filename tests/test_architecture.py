"""The import graph flows one way (DESIGN: a module imports only what sits below it), the option types are leaves,
no module outgrows 300 lines, and every CLI option's default is the one stated on its option type."""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

import click
import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "actionzs"

#: bottom to top; a module may import its own layer's modules and any layer below, never one above
LAYERS = [
    ("actionzs.defaults", "actionzs.errors"),
    ("actionzs.options",),
    ("actionzs.config", "actionzs.resources", "actionzs.console", "actionzs.registry", "actionzs.runtime", "actionzs.launch",
     "actionzs.cache", "actionzs.index", "actionzs.provenance", "actionzs.user_config"),
    ("actionzs.video", "actionzs.text"),
    ("actionzs.models",),
    ("actionzs.features", "actionzs.ranking"),
    ("actionzs.methods",),
    ("actionzs.training",),
    ("actionzs.adapters",),
    ("actionzs.eval", "actionzs.anticipation", "actionzs.timeline"),
    ("actionzs.tasks",),
    ("actionzs.output", "actionzs.plots"),
    ("actionzs.api",),
    ("actionzs.cli", "actionzs.app", "actionzs.__main__"),
]


def _layer(module: str) -> int:
    if module == "actionzs":  # the package root: a lazy facade over api, at the top
        return len(LAYERS)
    for level, prefixes in enumerate(LAYERS):
        if any(module == p or module.startswith(p + ".") for p in prefixes):
            return level
    raise AssertionError(f"{module} is in no layer: add it to LAYERS (and to README's layout)")


def _name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """The package modules ``path`` imports (module level and inside functions; TYPE_CHECKING blocks excluded)."""
    name = _name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()

    def visit(node):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and getattr(child.test, "id", getattr(child.test, "attr", "")) == "TYPE_CHECKING":
                continue
            if isinstance(child, ast.ImportFrom) and child.level:
                anchor = package.split(".")[: len(package.split(".")) - (child.level - 1)]
                base = ".".join(anchor + ([child.module] if child.module else []))
                found.update(f"{base}.{a.name}" for a in child.names)
            elif isinstance(child, ast.ImportFrom) and (child.module or "").startswith("actionzs"):
                found.update(f"{child.module}.{a.name}" for a in child.names)
            elif isinstance(child, ast.Import):
                found.update(a.name for a in child.names if a.name.startswith("actionzs"))
            else:
                visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    resolved = set()
    for target in found:
        while target not in NAMES:  # 'from .. import __version__' names no module: its package
            target = target.rpartition(".")[0]
        resolved.add(target)
    return resolved - {"actionzs", name}  # the package root is the lazy facade (__version__)


MODULES = sorted(PACKAGE.rglob("*.py"))
NAMES = {_name(p) for p in MODULES}


@pytest.mark.parametrize("path", MODULES, ids=lambda p: _name(p))
def test_imports_flow_down(path):
    level = _layer(_name(path))
    upward = sorted(m for m in _imports(path) if _layer(m) > level)
    assert not upward, f"{_name(path)} imports from a layer above it: {upward}"


def test_options_are_leaves():
    for path in (PACKAGE / "options").glob("*.py"):
        outside = {m for m in _imports(path) if not m.startswith(("actionzs.options", "actionzs.defaults",
                                                                  "actionzs.errors"))}
        assert not outside, f"{path.name} imports {outside}: option types import only defaults and errors"


def test_no_module_over_300_lines():
    long = {_name(p): n for p in MODULES if (n := len(p.read_text(encoding="utf-8").splitlines())) > 300}
    assert not long, f"split these modules: {long}"


def _commands():
    from actionzs.cli import main

    stack = [main]
    while stack:
        command = stack.pop()
        yield command
        if isinstance(command, click.Group):
            stack.extend(command.commands.values())


def test_click_defaults_come_from_the_option_types():
    """Every option whose name is a field of an option type shows that field's default; a default that is not
    None/False names a field (the one place it is stated)."""
    from actionzs import options, runtime

    types = [getattr(options, n) for n in options.__all__ if dataclasses.is_dataclass(getattr(options, n))]
    types.append(runtime.Runtime)
    fields = {}
    for owner in types:
        for f in dataclasses.fields(owner):
            if f.default is not dataclasses.MISSING:
                fields.setdefault(f.name, set()).add(repr(f.default))
    aliases = {"train_batch_size": "batch_size", "mmr_lambda": "lam", "recognise": "method"}
    checked = 0
    for command in _commands():
        for param in command.params:
            if not isinstance(param, click.Option) or param.multiple or param.is_flag and not param.secondary_opts:
                continue
            default = param.default
            if default is None or callable(default):
                continue
            field_name = aliases.get(param.name, param.name)
            if field_name not in fields:
                continue
            value = int(default) if param.name == "crops" else default
            assert repr(value) in fields[field_name], (
                f"{command.name} --{param.name} defaults to {default!r}; the option types say {fields[field_name]}")
            checked += 1
    assert checked >= 25
