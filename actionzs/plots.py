"""The pictures of an evaluation report: the confusion matrix and per-class accuracy (matplotlib, scikit-learn's
confusion display), each written atomically; imported only when a report is written."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .cache import atomic_write


def confusion_png(path: Path, matrix, classes) -> None:
    """scikit-learn's ConfusionMatrixDisplay: counts in the cells (up to 30 classes), colour by the row's share,
    with its colour bar."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.metrics import ConfusionMatrixDisplay

    counts = np.asarray(matrix, dtype=int)
    size = max(6, 0.28 * len(classes))
    fig, ax = plt.subplots(figsize=(size + 1.2, size))
    display = ConfusionMatrixDisplay(counts, display_labels=list(classes))
    display.plot(ax=ax, cmap="Blues", xticks_rotation="vertical", colorbar=True, include_values=len(classes) <= 30,
                 values_format="d")
    ax.tick_params(labelsize=7)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title("confusion (videos per cell)")
    fig.tight_layout()
    atomic_write(path, lambda fh: fig.savefig(fh, format="png", dpi=110))
    plt.close(fig)


def per_class_png(path: Path, accuracy, classes) -> None:
    """Per-class accuracy as horizontal bars, worst first."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    order = np.argsort(np.asarray(accuracy, dtype=float), kind="stable")
    fig, ax = plt.subplots(figsize=(7, max(3, 0.22 * len(classes))))
    ax.barh(range(len(order)), [100 * accuracy[i] for i in order], color="tab:blue")
    ax.set_yticks(range(len(order)), [classes[i] for i in order], fontsize=7)
    ax.set_xlim(0, 100)
    ax.set_xlabel("accuracy (%)")
    ax.set_title("per-class accuracy")
    fig.tight_layout()
    atomic_write(path, lambda fh: fig.savefig(fh, format="png", dpi=110))
    plt.close(fig)
