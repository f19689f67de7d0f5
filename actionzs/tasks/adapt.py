"""``adapt``: learn an adapter from a few labelled clips and write its directory."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..options import AdaptRequest
from ..runtime import Runtime


@dataclass
class AdaptResult:
    path: Path
    info: object  # adapters.base.AdapterInfo
    skipped: list[str]  # one line per unreadable support clip


def adapt(support: str | Path, out: str | Path, request: AdaptRequest = AdaptRequest(), *, labels=None, cache=None,
          runtime: Runtime = Runtime(), on_step=None) -> AdaptResult:
    """Learn ``request.method`` from SUPPORT (class folders of clips, or a ``path label`` list) over ``labels``
    (default: the support's class names) and write it to ``out``. ``on_step(**status)`` reports progress."""
    from ..adapters.base import adapter_target, fit_adapter, save_adapter
    from ..adapters.support import read_support, sample_shots
    from ..text.labels import load_labels

    adapter_target(out)  # before any work
    support_set, classes = read_support(support, load_labels(labels) if labels else None)
    if request.shots:
        support_set = sample_shots(support_set, request.shots, request.seed)
    adapter, skipped = fit_adapter(request, support_set, classes, cache=cache, runtime=runtime, on_step=on_step)
    return AdaptResult(save_adapter(adapter, out), adapter.info, skipped)
