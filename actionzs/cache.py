"""On-disk feature cache: each video is decoded and encoded once per (content, model, sampling).

A video is named by the sha256 of its content. The digest is kept beside the features (``digests/``, keyed by
the file's path, size and mtime), so a later run rehashes only files that changed.

Entries are ``.npy`` files written to a temporary name in the same folder and moved into place with an
atomic rename, so a killed process leaves no half-written entry, and two processes writing the same entry
race harmlessly (both write identical bytes; the last rename wins). An entry that fails to load is treated as
a miss and removed.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

import numpy as np

from .defaults import cache_dir
from .errors import InputError

_HASHES: dict[tuple[str, int, int], str] = {}
HASHED = {"files": 0}  # content hashes computed (not recalled), so tests can see what was recomputed


def _file_identity(path: str | os.PathLike) -> tuple[str, int, int]:
    p = Path(path)
    st = p.stat()
    return str(p.resolve()), st.st_size, st.st_mtime_ns


def file_digest(path: str | os.PathLike, index: Path | None = None) -> str:
    """sha256 of a file's content, recalled while its path, size and mtime are unchanged: for this process, and
    across runs when ``index`` (a folder) is given."""
    identity = _file_identity(path)
    record = index / f"{text_digest(repr(identity))[:32]}.txt" if index is not None else None
    digest = _HASHES.get(identity) or _read_digest(record)
    if digest is None:
        HASHED["files"] += 1
        hasher = hashlib.sha256()
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                hasher.update(block)
        digest = hasher.hexdigest()
    if record is not None and not record.exists():
        record.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(record, digest)
    _HASHES[identity] = digest
    return digest


def _read_digest(record: Path | None) -> str | None:
    try:
        text = record.read_text(encoding="ascii").strip() if record is not None else ""
    except (OSError, UnicodeDecodeError):
        return None
    return text if len(text) == 64 and all(c in "0123456789abcdef" for c in text) else None


def text_digest(text: str) -> str:
    """Names a text (a label, a template list) in cache keys."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _slug(text: str) -> str:
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in text)[:60]
    return f"{safe}-{hashlib.sha256(text.encode()).hexdigest()[:10]}"


class FeatureCache:
    """``get``/``put`` arrays keyed by (content digest, model key, sampling key)."""

    def __init__(self, root: str | os.PathLike | None = None, enabled: bool = True):
        self.root = Path(root) if root is not None else cache_dir()
        self.enabled = enabled

    def digest(self, video: str | os.PathLike) -> str:
        """A video's content digest, recalled from earlier runs while its size and mtime are unchanged."""
        return file_digest(video, self.root / "digests" if self.enabled else None)

    def has(self, digest: str, model_key: str, sampling_key: str) -> bool:
        return self.enabled and self.path(digest, model_key, sampling_key).exists()

    def path(self, digest: str, model_key: str, sampling_key: str) -> Path:
        return self.root / "features" / _slug(model_key) / _slug(sampling_key) / f"{digest}.npy"

    def get(self, digest: str, model_key: str, sampling_key: str) -> np.ndarray | None:
        if not self.enabled:
            return None
        path = self.path(digest, model_key, sampling_key)
        if not path.exists():
            return None
        try:
            return np.load(path, allow_pickle=False)
        except (OSError, ValueError, EOFError):
            path.unlink(missing_ok=True)
            return None

    def put(self, digest: str, model_key: str, sampling_key: str, value: np.ndarray) -> None:
        if not self.enabled:
            return
        path = self.path(digest, model_key, sampling_key)
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, lambda fh: np.save(fh, np.ascontiguousarray(value), allow_pickle=False))


def user_mode(directory: bool = False) -> int:
    """The permissions a plain ``open``/``mkdir`` would give under the user's umask (mkstemp gives 0600)."""
    mask = os.umask(0)
    os.umask(mask)
    return (0o777 if directory else 0o666) & ~mask


def require_writable(path: str | os.PathLike, option: str, directory: bool = False) -> Path:
    """Fail before any work, in one line, when ``path`` (a file, or with ``directory`` a folder) cannot be
    written: a folder where a file goes or the reverse, or no write permission on its nearest existing folder."""
    path = Path(path).expanduser()
    if path.exists() and path.is_dir() != directory:
        raise InputError(f"{option} {path}: {'not a folder' if directory else 'is a folder'}")
    parent = path if directory and path.exists() else path.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        raise InputError(f"{option} {path}: {parent} is not a folder")
    if not os.access(parent, os.W_OK | os.X_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise InputError(f"{option} {path}: permission denied")
    return path


def atomic_write(path: str | os.PathLike, write) -> None:
    """Call ``write(binary_file)`` on a temp file beside ``path``, then rename it over ``path`` (with the
    permissions the user's umask gives new files)."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, user_mode())
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    atomic_write(path, lambda fh: fh.write(text.encode("utf-8")))
