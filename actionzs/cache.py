"""On-disk feature cache: each video is decoded and encoded once per (content, model, sampling).

A video is named by the sha256 of its content. The digest is kept beside the features (``digests/``: a record
per file that holds the path, size and mtime it was made for, compared on every read), so a later run rehashes
only files that changed.

Nothing is served unless it is checked to be what was stored for this key: an entry is a safetensors file
whose metadata holds its key (video digest, model, sampling) and the sha256 of its values; a read that fails,
or an entry made for another key, with other bytes or with non-finite values, is one warning line, a miss,
and is recomputed. Entries are written to a temporary name in the same folder and moved into place with an
atomic rename, so a killed process leaves no half-written entry (its temporary file is swept by the next writer
in that folder once it is an hour old), and two processes writing one entry race harmlessly.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import time
from pathlib import Path

import numpy as np

from .console import warning
from .errors import InputError
from .user_config import cache_root

STALE_TMP_S = 3600  # a temporary file this old belongs to a writer that died
_SWEPT: set[Path] = set()  # folders swept by this process

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
    on_disk = _read_digest(record, identity)
    digest = _HASHES.get(identity) or on_disk
    if digest is None:
        HASHED["files"] += 1
        hasher = hashlib.sha256()
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                hasher.update(block)
        digest = hasher.hexdigest()
    if record is not None and on_disk is None:
        record.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(record, _record_text(identity, digest))
    _HASHES[identity] = digest
    return digest


def _record_text(identity: tuple[str, int, int], digest: str) -> str:
    return "\t".join([*map(str, identity), digest]) + "\n"


def _read_digest(record: Path | None, identity: tuple[str, int, int]) -> str | None:
    """The digest a record holds, only when the record was made for this file (path, size and mtime inside)."""
    try:
        text = record.read_text(encoding="utf-8") if record is not None else ""
    except (OSError, UnicodeDecodeError):
        return None
    *fields, digest = text.rstrip("\n").split("\t") if text else [""]
    if fields != [*map(str, identity)] or len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        return None  # another file's record, an old-format one, or damaged: hashed anew and rewritten
    return digest


def text_digest(text: str) -> str:
    """Names a text (a label, a template list) in cache keys."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _slug(text: str) -> str:
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in text)[:60]
    return f"{safe}-{hashlib.sha256(text.encode()).hexdigest()[:10]}"


class FeatureCache:
    """``get``/``put`` arrays keyed by (content digest, model key, sampling key)."""

    def __init__(self, root: str | os.PathLike | None = None, enabled: bool = True):
        self.root = Path(root).expanduser() if root is not None else cache_root()  # the configured one
        self.enabled = enabled

    def digest(self, video: str | os.PathLike) -> str:
        """A video's content digest, recalled from earlier runs while its size and mtime are unchanged."""
        return file_digest(video, self.root / "digests" if self.enabled else None)

    def has(self, digest: str, model_key: str, sampling_key: str) -> bool:
        return self.enabled and self.path(digest, model_key, sampling_key).exists()

    def path(self, digest: str, model_key: str, sampling_key: str) -> Path:
        return self.root / "features" / _slug(model_key) / _slug(sampling_key) / f"{digest}.safetensors"

    def get(self, digest: str, model_key: str, sampling_key: str) -> np.ndarray | None:
        """The stored array, once checked to be what was stored for this key; else None (a miss)."""
        if not self.enabled:
            return None
        path = self.path(digest, model_key, sampling_key)
        if not path.exists():
            return None
        return read_checked(path, {"digest": digest, "model": model_key, "sampling": sampling_key})

    def put(self, digest: str, model_key: str, sampling_key: str, value: np.ndarray) -> None:
        if not self.enabled:
            return
        path = self.path(digest, model_key, sampling_key)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_checked(path, value, {"digest": digest, "model": model_key, "sampling": sampling_key})


def write_checked(path: Path, value: np.ndarray, key: dict[str, str]) -> None:
    """An entry that carries its key and the sha256 of its values (safetensors metadata), written atomically."""
    from safetensors.numpy import save

    value = np.ascontiguousarray(value)
    data = save({"value": value}, metadata={**key, "sha256": hashlib.sha256(value.tobytes()).hexdigest()})
    atomic_write(path, lambda fh: fh.write(data))


def read_checked(path: Path, key: dict[str, str]) -> np.ndarray | None:
    """The entry's values when they are what ``write_checked`` stored for ``key``; else one warning, the entry
    removed, and None (the caller recomputes)."""
    from safetensors import safe_open

    try:
        with safe_open(str(path), framework="numpy") as entry:
            stored, value = entry.metadata() or {}, entry.get_tensor("value")
    except Exception as exc:  # noqa: BLE001 - truncated, damaged or foreign files all mean: recompute
        return _rejected(path, f"unreadable ({type(exc).__name__})")
    if any(stored.get(k) != v for k, v in key.items()):
        return _rejected(path, "made for another video, model or sampling")
    if stored.get("sha256") != hashlib.sha256(np.ascontiguousarray(value).tobytes()).hexdigest():
        return _rejected(path, "its values do not match their checksum")
    if value.dtype.kind == "f" and not np.isfinite(value).all():
        return _rejected(path, "non-finite values")
    return value


def _rejected(path: Path, why: str) -> None:
    warning(f"cache entry {path}: {why}; recomputed")
    path.unlink(missing_ok=True)
    return None


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
    try:  # os.access says yes to root everywhere: a real file created and removed says what the disk allows
        fd, probe = tempfile.mkstemp(prefix=".actionzs-probe-", dir=parent)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise InputError(f"{option} {path}: cannot write in {parent} ({exc.strerror or exc})") from None
    return path


def atomic_write(path: str | os.PathLike, write) -> None:
    """Call ``write(binary_file)`` on a temp file beside ``path``, then rename it over ``path`` (with the
    permissions the user's umask gives new files)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)  # every output kind alike: missing folders are made
    _sweep(path.parent)
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


def _sweep(folder: Path) -> None:
    """Remove the temporary files of writers that died (older than ``STALE_TMP_S``), once per folder and process."""
    if folder in _SWEPT:
        return
    _SWEPT.add(folder)
    stale = time.time() - STALE_TMP_S
    for tmp in folder.glob(".*.tmp"):
        try:
            if tmp.stat().st_mtime < stale:
                tmp.unlink()
        except OSError:
            pass  # another process swept it first


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    atomic_write(path, lambda fh: fh.write(text.encode("utf-8")))
