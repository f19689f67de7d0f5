"""``adapt``: learn an adapter from a few labelled clips and write its directory."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError
from ..options import AdaptRequest
from ..runtime import Runtime


@dataclass
class AdaptResult:
    path: Path
    info: object  # adapters.base.AdapterInfo
    skipped: list[str]  # one line per unreadable support clip
    stages: object | None = None  # adapters.curriculum.StageResult, for the curriculum's training stages


def adapt(support: str | Path | None, out: str | Path, request: AdaptRequest = AdaptRequest(), *, labels=None,
          cache=None, runtime: Runtime = Runtime(), on_step=None):
    """Learn ``request.method`` from SUPPORT (class folders of clips, or a ``path label`` list) over ``labels``
    (default: the support's class names) and write it to ``out``. ``on_step(**status)`` reports progress.

    The curriculum's ``--stage pretrain|curriculum`` trains a backbone only and returns its ``StageResult``."""
    from ..adapters.base import adapter_target, fit_adapter, save_adapter
    from ..adapters.support import read_support, sample_shots
    from ..launch import is_main_process
    from ..text.labels import load_labels

    adapter_target(out)  # before any work
    if request.method == "curriculum":
        request = _with_work_dir(request, out)
        if request.curriculum.stage in ("pretrain", "curriculum"):
            from ..adapters.curriculum import train_stages

            return train_stages(request, runtime.resolve(), on_step)
    if support is None:
        raise InputError("SUPPORT: give the labelled clips to learn from (class folders or a 'path label' list)")
    support_set, classes = read_support(support, load_labels(labels) if labels else None)
    if request.shots:
        support_set = sample_shots(support_set, request.shots, request.seed)
    # under a launcher every process trains its part and embeds its share of the support; the main one writes
    adapter, skipped = fit_adapter(request, support_set, classes, cache=cache, runtime=runtime, on_step=on_step)
    written = save_adapter(adapter, out) if is_main_process() else Path(out)
    return AdaptResult(written, adapter.info, skipped, adapter.trained)


def _with_work_dir(request: AdaptRequest, out) -> AdaptRequest:
    """Stage outputs and checkpoints go beside the adapter (``<out>-stages``) unless a folder is named."""
    if request.curriculum.work_dir is not None:
        return request
    work = Path(out).expanduser().with_name(Path(out).name + "-stages")
    return dataclasses.replace(request, curriculum=dataclasses.replace(request.curriculum, work_dir=work))
