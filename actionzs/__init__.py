"""actionzs: zero-shot and few-shot human action recognition in videos."""

__version__ = "0.1.0"
