"""Video input: decoding (reader), frame-index sampling (sampling) and pixel transforms (transforms).

Names are imported from their module on first use: a process that only decodes (a subprocess reading one file,
``actionzs.video.reader`` as a library) never loads torch and torchvision, which only the pixel transforms need
(about 3 s of start-up on 2 cores)."""

import importlib as _importlib

_HOMES = {"Video": "reader", "VideoInfo": "reader", "open_video": "reader", "dense_indices": "sampling",
          "multiview_indices": "sampling", "segment_indices": "sampling", "PixelSpec": "transforms",
          "prepare": "transforms"}

__all__ = sorted(_HOMES)


def __getattr__(name: str):
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(_importlib.import_module(f".{_HOMES[name]}", __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_HOMES))
