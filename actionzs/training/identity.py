"""What made a checkpoint or a stage's output: its settings and a digest of its data, recorded beside it and
compared before it is reused, so a run never resumes (or skips a stage) on the work of a different run.

A data digest names each file by its resolved path, size and modification time (cheap for thousands of clips;
any edit, move or replacement changes it) together with its label."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from ..errors import InputError

IDENTITY_FILE = "identity.json"


def data_digest(paths, labels=None) -> str:
    """sha256 over (path, size, mtime, label) of each file, in order."""
    hasher = hashlib.sha256()
    for i, path in enumerate(paths):
        st = os.stat(path)
        label = "" if labels is None else str(labels[i])
        hasher.update(f"{Path(path).resolve()}\t{st.st_size}\t{st.st_mtime_ns}\t{label}\n".encode())
    return hasher.hexdigest()


def canonical(identity: dict) -> dict:
    """The identity as JSON stores it (tuples become lists), so a saved one compares equal to a fresh one."""
    return json.loads(json.dumps(identity, sort_keys=True, default=str))


def differences(saved: dict, current: dict) -> list[str]:
    """One phrase per setting that differs, e.g. ``lr: 0.001 then, 0.01 now``."""
    saved, current = canonical(saved), canonical(current)
    out = []
    for key in sorted(set(saved) | set(current)):
        if saved.get(key) != current.get(key):
            then, now = saved.get(key, "(not recorded)"), current.get(key, "(not recorded)")
            short = lambda v: (json.dumps(v)[:60] + "...") if len(json.dumps(v)) > 63 else json.dumps(v)  # noqa: E731
            out.append(f"{key}: {short(then)} then, {short(now)} now")
    return out


def require_same(folder: Path, saved: dict | None, current: dict, what: str, way_out: str) -> None:
    """Refuse, in one line naming the first difference and the way out, to reuse ``folder``'s ``what`` made by
    another run (or by a run that recorded nothing)."""
    if saved is None:
        raise InputError(f"{folder}: its {what} records no settings (made by an older actionzs?); {way_out}")
    found = differences(saved, current)
    if found:
        more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
        raise InputError(f"{folder}: its {what} was made by another run ({found[0]}{more}); {way_out}")


def read_identity(folder: Path) -> dict | None:
    try:
        return json.loads((Path(folder) / IDENTITY_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def write_identity(folder: Path, identity: dict) -> None:
    from ..cache import atomic_write_text

    Path(folder).mkdir(parents=True, exist_ok=True)
    atomic_write_text(Path(folder) / IDENTITY_FILE, json.dumps(canonical(identity), indent=1, sort_keys=True))
