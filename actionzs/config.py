"""Reading the project's YAML files (prompts, protocols, adapters) with one clear error for bad input: the file,
the field and the cause, from a pydantic schema of what the file must hold."""

from __future__ import annotations

from pathlib import Path

import yaml

from .errors import InputError


def read_text(path: str | Path, what: str = "text file") -> str:
    """A UTF-8 text file's content (a byte-order mark is dropped); unreadable or non-UTF-8 is one InputError
    naming the file."""
    path = Path(path)
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text (byte {exc.start}); save the {what} as UTF-8") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror or exc})") from None


def read_yaml(path: str | Path, empty_ok: bool = False) -> dict:
    """A YAML mapping from ``path``; a missing file, malformed YAML or a non-mapping is an InputError
    (``empty_ok``: a file with no content but comments is an empty mapping)."""
    path = Path(path)
    try:
        data = yaml.safe_load(read_text(path, "YAML file"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark else ""
        raise InputError(f"{path}: malformed YAML{where}") from None
    if data is None and empty_ok:
        return {}
    if not isinstance(data, dict):
        raise InputError(f"{path}: expected a YAML mapping at the top level")
    return data


def validated(schema, data, where):
    """``schema.model_validate(data)``; the first problem becomes ``InputError('<where>: <field>: <cause>')``."""
    return validated_adapter(schema, data, where)


def _field_name(part) -> str:
    """A location part as written in the file; a key with spaces or control characters is quoted."""
    text = str(part)
    return text if text.isprintable() and " " not in text and text else repr(text)


def validated_adapter(schema, data, where):
    """Like ``validated`` for a pydantic model class or a ``TypeAdapter``."""
    from pydantic import ValidationError

    try:
        return schema.validate_python(data) if hasattr(schema, "validate_python") else schema.model_validate(data)
    except ValidationError as exc:
        problem = exc.errors()[0]
        field = ".".join(_field_name(part) for part in problem["loc"]) or "(top level)"
        message = problem["msg"].removeprefix("Value error, ")
        raise InputError(f"{where}: {field}: {message}") from None
