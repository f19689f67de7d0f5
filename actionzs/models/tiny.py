"""Tiny models with random, UNTRAINED weights, for tests and for trying the pipeline offline.

They exercise every code path (tokenisers, encoders, shapes, caching) in seconds on a CPU, and are seeded so
the same name always gives the same weights. Their outputs are meaningless: everything made with them is
flagged ``untrained`` and the CLI prints a warning.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

import torch

from ..errors import ModelUnavailableError
from ..video.transforms import PixelSpec

UNTRAINED_WARNING = "untrained random weights: this output is NOT a prediction (test model)"

CONFIGS = Path(__file__).with_name("test_models")  # one JSON file per test model, as open_clip keeps its configs


def config(name: str) -> dict:
    """The architecture of test model ``name`` (a file in ``test_models/``), without its comment."""
    path = CONFIGS / f"{name}.json"
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in CONFIGS.glob("*.json")))
        raise ModelUnavailableError(f"unknown test model '{name}' (known: {known})")
    return {k: v for k, v in json.loads(path.read_text()).items() if k != "_comment"}


TINY_OPENCLIP = config("openclip-tiny")
TINY_HF_CLIP = config("hf-clip-tiny")

SEED = 0


def openclip_from_config(config: dict, seed: int = SEED):
    """An open_clip CLIP with random weights from a config dict (same keys as open_clip's JSON configs)."""
    import open_clip
    from open_clip.model import CLIPTextCfg, CLIPVisionCfg

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = open_clip.CLIP(
            embed_dim=config["embed_dim"],
            vision_cfg=CLIPVisionCfg(**config["vision_cfg"]),
            text_cfg=CLIPTextCfg(**config["text_cfg"]),
        )
    return model.eval()


def hf_clip_from_config(config: dict, seed: int = SEED):
    """A transformers CLIPModel with random weights from a CLIPConfig dict."""
    from transformers import CLIPConfig, CLIPModel

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = CLIPModel(CLIPConfig(**config))
    return model.eval()


def xclip(seed: int = SEED):
    """A transformers XCLIPModel with random weights (``test_models/xclip-tiny.json``)."""
    from transformers import XCLIPConfig, XCLIPModel

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return XCLIPModel(XCLIPConfig(**config("xclip-tiny"))).eval()


def blip(seed: int = SEED):
    """(model, processor) of a BLIP captioner with random weights and a word-level vocabulary
    (``test_models/blip-tiny.json``); its captions are noise."""
    from transformers import BertTokenizer, BlipConfig, BlipForConditionalGeneration, BlipImageProcessor, BlipProcessor

    spec = config("blip-tiny")
    vocab = {t: i for i, t in enumerate(["[PAD]", "[UNK]", "[SEP]", "[DEC]", "[CLS]", "[MASK]", *spec["words"]])}
    tokenizer = BertTokenizer(vocab=vocab, bos_token="[DEC]")
    image_processor = BlipImageProcessor(size={"height": spec["image_size"], "width": spec["image_size"]})
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = BlipForConditionalGeneration(BlipConfig(**spec["config"])).eval()
    return model, BlipProcessor(image_processor=image_processor, tokenizer=tokenizer)


def llama(vocab_size: int, seed: int = SEED, **overrides):
    """A transformers LlamaForCausalLM with random weights (``test_models/llama-tiny.json``) for a tokenizer of
    ``vocab_size`` tokens."""
    from transformers import LlamaConfig, LlamaForCausalLM

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return LlamaForCausalLM(LlamaConfig(vocab_size=vocab_size, **{**config("llama-tiny"), **overrides})).eval()


@functools.lru_cache(maxsize=1)
def openclip_tokenizer():
    """open_clip's CLIP BPE tokenizer, read once per process: reading its vocabulary took ~0.1 s on every test-model
    load, and the tokenizer keeps no state of a model (only a memo of the words it has split)."""
    import open_clip

    return open_clip.get_tokenizer("ViT-B-32")


def hf_clip_tokenizer():
    """A transformers CLIPTokenizer built from the BPE vocabulary that open_clip ships (no download)."""
    from transformers import CLIPTokenizer

    bpe = openclip_tokenizer()
    merges = [tuple(pair) for pair, _ in sorted(bpe.bpe_ranks.items(), key=lambda item: item[1])]
    # open_clip spells the special tokens differently from the original CLIP vocabulary
    rename = {"<start_of_text>": "<|startoftext|>", "<end_of_text>": "<|endoftext|>"}
    vocab = {rename.get(token, token): index for token, index in bpe.encoder.items()}
    return CLIPTokenizer(vocab=vocab, merges=merges)


def build_clip(spec: str):
    """(model, tokenizer, backend, pixel spec) for a ``random:<spec>`` name."""
    if spec == "openclip-tiny":
        size = TINY_OPENCLIP["vision_cfg"]["image_size"]
        return openclip_from_config(TINY_OPENCLIP), openclip_tokenizer(), "open_clip", PixelSpec(size)
    if spec == "hf-clip-tiny":
        size = TINY_HF_CLIP["vision_config"]["image_size"]
        return hf_clip_from_config(TINY_HF_CLIP), hf_clip_tokenizer(), "hf", PixelSpec(size)
    raise ModelUnavailableError(f"unknown test model 'random:{spec}' (known: random:openclip-tiny, random:hf-clip-tiny)")
