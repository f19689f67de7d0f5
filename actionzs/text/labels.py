"""Label sets: which actions to rank, by official id and readable text.

``--labels`` takes the name of a built-in set (``ucf101``, ``hmdb51``, ``kinetics400``, ``kinetics600``), a text
file (one label per line, or ``id<TAB>text``), or a comma-separated list.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from ..config import read_text
from ..errors import InputError
from ..resources import data_dir


@dataclass(frozen=True)
class LabelSet:
    """Class ids (official names) and the text a text encoder sees for each."""

    name: str
    ids: tuple[str, ...]
    texts: tuple[str, ...]

    def __post_init__(self):
        if not self.ids:
            raise InputError(f"label set '{self.name}' is empty")
        if len(self.ids) != len(self.texts):
            raise InputError(f"label set '{self.name}': {len(self.ids)} ids but {len(self.texts)} texts")
        seen = set()
        for label in self.ids:
            if label in seen:
                raise InputError(f"label set '{self.name}' lists '{label}' twice")
            seen.add(label)

    def __len__(self) -> int:
        return len(self.ids)

    @cached_property
    def _by_name(self) -> dict[str, str]:
        lookup = {normalise_name(label): label for label in self.ids}
        for label, text in zip(self.ids, self.texts):
            lookup.setdefault(normalise_name(text), label)
        return lookup

    def find(self, name: str) -> str | None:
        """The class id a name refers to, by id or text, ignoring case, spaces, '_' and '-' (None if none)."""
        return self._by_name.get(normalise_name(str(name)))

    def id_of(self, name: str) -> str:
        """Like ``find``, but a name that is no class of this set is an InputError."""
        label = self.find(name)
        if label is None:
            raise InputError(f"class {name!r} is not in label set '{self.name}'")
        return label

    def subset(self, ids) -> "LabelSet":
        index = {label: i for i, label in enumerate(self.ids)}
        missing = [label for label in ids if label not in index]
        if missing:
            raise InputError(f"label set '{self.name}' has no class {missing[0]!r}")
        return LabelSet(self.name, tuple(ids), tuple(self.texts[index[label]] for label in ids))


def normalise_name(name: str) -> str:
    """'Brush_Hair', 'brush hair' and 'BrushHair' are the same class."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


def builtin_label_sets() -> dict[str, Path]:
    return {p.stem: p for p in sorted((data_dir("corpora") / "labels").glob("*.tsv"))}


def _read_lines(path: Path) -> list[tuple[int, str]]:
    """(line number, line) of each label line: blank lines and # comments left out."""
    text = read_text(path, "label file")
    return [(number, line.rstrip("\r\n")) for number, line in enumerate(text.splitlines(), 1)
            if line.strip() and not line.startswith("#")]


def _from_lines(name: str, lines: list[tuple[int, str]], where: str = "") -> LabelSet:
    ids, texts = [], []
    for number, line in lines:
        if "\t" in line:
            label, text = line.split("\t", 1)
        else:
            label = text = line.strip()
        if not label.strip():
            raise InputError(f"{where or name}: line {number}: empty label id before the TAB ('id<TAB>text' "
                             f"or 'text')")
        ids.append(label.strip())
        texts.append(text.strip() or label.strip())
    return LabelSet(name, tuple(ids), tuple(texts))


def load_labels(spec: str) -> LabelSet:
    """Resolve ``--labels``: a built-in set name, a file, or a comma list."""
    if spec is None or not str(spec).strip():
        raise InputError("empty label list: give --labels a set name (ucf101, hmdb51, ...), a file, or 'a,b,c'")
    spec = str(spec)
    builtins = builtin_label_sets()
    if spec in builtins:
        return _from_lines(spec, _read_lines(builtins[spec]))
    path = Path(spec).expanduser()
    if path.is_file():
        return _from_lines(path.stem, _read_lines(path), str(path))
    if "," in spec:
        items = [item.strip() for item in spec.split(",") if item.strip()]
        if not items:
            raise InputError(f"empty label list: {spec!r}")
        if len(items) < 2:
            raise InputError(f"--labels {spec!r}: a list needs at least two labels, e.g. 'juggling,knitting'")
        return LabelSet("custom", tuple(items), tuple(items))
    close = difflib.get_close_matches(spec.lower(), list(builtins), n=1)
    hint = f" (did you mean {close[0]}?)" if close else ""
    raise InputError(f"--labels {spec!r}: not a built-in set{hint} ({', '.join(builtins)}), no such file, and not "
                     f"a comma list 'a,b,c'")
