"""Dataset naming conventions: which class a video id belongs to."""

from __future__ import annotations

import re

from ..errors import InputError

# HMDB51 file names: <title>_<class>_<body part>_<camera motion>_<people>_<viewpoint>_<quality>_<n>
_HMDB_META = re.compile(r"^(.*)_[a-z]_(?:cm|nm)_np\d+_[a-z]+_[a-z]+_\d+$")


def hmdb51_class_of(video_id: str, classes) -> str:
    """The HMDB51 class encoded in a file name or caption id (the longest class name that ends the title)."""
    match = _HMDB_META.match(video_id)
    if not match:
        raise InputError(f"'{video_id}' does not follow the HMDB51 naming scheme")
    head = match.group(1)
    found = [c for c in classes if head == c or head.endswith("_" + c)]
    if not found:
        raise InputError(f"'{video_id}' names no HMDB51 class")
    return max(found, key=len)
