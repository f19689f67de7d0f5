"""Video arguments as people give them: files, folders (searched recursively), globs (expanded here when the shell
did not, as on Windows or when quoted) and list files (``@videos.txt``: one path per line, relative to the list,
``#`` comments). Every command that takes videos reads them through ``expand_videos``.

A path that does not exist is passed on unchanged, so it fails like any unreadable video: reported in one line,
skipped, exit code 1.
"""

from __future__ import annotations

import glob
import os
from dataclasses import dataclass, field
from pathlib import Path

from ..config import read_text
from ..errors import InputError

VIDEO_EXTENSIONS = (".avi", ".mp4", ".mkv", ".webm", ".mov", ".gif", ".m4v", ".mpg", ".mpeg", ".wmv", ".flv")
_GLOB_CHARS = set("*?[")


@dataclass
class VideoInputs:
    """The videos, in the order given (each once), and one error line per argument that named none."""

    paths: list[str] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)


def folder_videos(folder: Path) -> list[str]:
    """Video files under ``folder``, at any depth, by path."""
    return sorted(str(p) for p in folder.rglob("*") if p.suffix.lower() in VIDEO_EXTENSIONS and p.is_file())


def expand_videos(arguments, allow_lists: bool = True) -> VideoInputs:
    found = VideoInputs()
    seen = set()
    for argument in arguments:
        paths, problem = _expand(str(argument), allow_lists)
        if problem:
            found.errors.append({"video": str(argument), "error": f"{argument}: {problem}"})
        for path in paths:
            key = os.path.realpath(path)  # one file named twice (relative and absolute, or by a list) runs once
            if key not in seen:
                seen.add(key)
                found.paths.append(path)
    return found


def _expand(argument: str, allow_lists: bool) -> tuple[list[str], str | None]:
    if argument.startswith("@") and allow_lists:
        return _read_list(Path(argument[1:]).expanduser())
    path = Path(argument).expanduser()
    if path.is_dir():
        videos = folder_videos(path)
        return (videos, None) if videos else ([], f"no video files ({', '.join(VIDEO_EXTENSIONS[:4])}, ...) in this folder")
    if path.exists() or not _GLOB_CHARS & set(argument):
        return [argument], None
    matches = sorted(glob.glob(str(path), recursive=True))
    videos = [m for m in matches if Path(m).is_file()]
    for folder in (m for m in matches if Path(m).is_dir()):
        videos += folder_videos(Path(folder))
    return (videos, None) if videos else ([], "the pattern matches no file")


def _read_list(path: Path) -> tuple[list[str], str | None]:
    if not path.is_file():
        raise InputError(f"@{path}: no such list file")
    paths = []
    for line in read_text(path, "video list").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        entry = Path(line).expanduser()
        entry = entry if entry.is_absolute() else path.parent / entry
        more, _ = _expand(str(entry), allow_lists=False)
        paths += more or [str(entry)]  # a line naming nothing fails later as that video, in its own line
    return (paths, None) if paths else ([], "the list names no video")
