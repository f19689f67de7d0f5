"""The last step every benchmark with a target shares: its result written as JSON (the file README figures cite),
printed, and the exit status saying whether the target was met."""

from __future__ import annotations

import json
import sys
from pathlib import Path


def finish(result: dict, out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    sys.exit(0 if result["meets_target"] else 1)
