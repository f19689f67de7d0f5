"""actionzs: zero-shot and few-shot human action recognition in videos."""

__version__ = "0.1.0"

_API = ("ZeroShotClassifier", "AdaptedClassifier", "Runtime", "Sampling", "FeatureCache", "predict", "evaluate",
        "adapt", "anticipate", "caption")


def __getattr__(name: str):
    """``actionzs.ZeroShotClassifier`` and the other public names of ``actionzs.api``, imported on first use so
    that ``import actionzs`` (and ``actionzs --help``) stays light."""
    if name in _API:
        from . import api

        return getattr(api, name)
    raise AttributeError(f"module 'actionzs' has no attribute {name!r}")
