"""What every JSON report records so that a number can be traced and rerun: the command line, the versions of
the packages that computed it, the sha256 of each input file and the seeds.

Content digests come from ``cache.file_digest``: a video whose features were cached is not read again.
"""

from __future__ import annotations

import hashlib
import shlex
import sys
from importlib import metadata
from pathlib import Path
from typing import Iterable

from . import __version__

PACKAGES = ("torch", "torchvision", "open_clip_torch", "transformers", "sentence-transformers", "faiss-cpu", "numpy",
            "scikit-learn", "accelerate", "av", "decord")


def command_line() -> str:
    """The command as typed (``actionzs ...`` for the console script), shell-quoted so it can be pasted back."""
    argv = list(sys.argv)
    if argv and Path(argv[0]).name in ("actionzs", "__main__.py"):
        argv[0] = "actionzs"
    return shlex.join(argv)


def versions() -> dict[str, str]:
    found = {"actionzs": __version__, "python": sys.version.split()[0]}
    for name in PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return found


def input_digests(paths: Iterable[str | Path | None]) -> dict[str, str]:
    """``{path: sha256}`` of each existing file; a folder gets one digest over its files' names and digests."""
    from .cache import file_digest

    out = {}
    for path in paths:
        if path is None:
            continue
        p = Path(path).expanduser()
        if p.is_file():
            out[str(path)] = file_digest(p)
        elif p.is_dir():
            files = sorted(f for f in p.rglob("*") if f.is_file())
            out[str(path)] = files_digest({str(f.relative_to(p)): f for f in files})
    return out


def files_digest(files: dict[str, str | Path]) -> str:
    """One sha256 over many files: their names (as given) and contents, in name order."""
    from .cache import file_digest

    hasher = hashlib.sha256()
    for name in sorted(files):
        hasher.update(f"{name}\t{file_digest(files[name])}\n".encode())
    return hasher.hexdigest()


def provenance(inputs: Iterable[str | Path | None] = (), seeds: dict | None = None, **more_inputs: str) -> dict:
    """The block every JSON report carries under ``provenance``; ``more_inputs`` adds ready digests (a dataset's
    videos as one ``files_digest``)."""
    return {"command": command_line(), "versions": versions(), "inputs": {**input_digests(inputs), **more_inputs},
            "seeds": seeds or {}}
