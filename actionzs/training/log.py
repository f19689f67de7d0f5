"""What a training stage leaves for people to read: ``log.json`` (settings and one record per step) and
``loss.png`` (every loss against the step, and the curriculum's target weight when there is one)."""

from __future__ import annotations

import json
from pathlib import Path


def write_log(folder: Path, stage: str, settings: dict, history: list[dict]) -> None:
    from ..cache import atomic_write_text

    folder.mkdir(parents=True, exist_ok=True)
    text = json.dumps({"stage": stage, "settings": settings, "history": history}, indent=1)
    atomic_write_text(folder / "log.json", text)
    plot_losses(folder / "loss.png", stage, history)


def plot_losses(path: Path, title: str, history: list[dict]) -> None:
    import matplotlib

    from ..cache import atomic_write

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    steps = [r["step"] for r in history]
    losses = [k for k in (history[0] if history else {}) if k.endswith("loss")]
    fig, ax = plt.subplots(figsize=(7, 3.6), dpi=110)
    for name in losses:
        ax.plot(steps, [r[name] for r in history], label=name.replace("_", " "))
    ax.set_xlabel("optimiser step")
    ax.set_ylabel("loss")
    ax.set_title(title)
    handles, labels = ax.get_legend_handles_labels()
    if history and "target_weight" in history[0]:
        twin = ax.twinx()
        line, = twin.plot(steps, [r["target_weight"] for r in history], color="grey", linestyle="--")
        twin.set_ylabel("target-term weight")
        twin.set_ylim(0, 1)
        handles, labels = handles + [line], labels + ["target weight"]
    if handles:
        ax.legend(handles, labels, fontsize=8)
    fig.tight_layout()
    atomic_write(path, lambda fh: fig.savefig(fh, format="png"))  # never a half-written picture
    plt.close(fig)
