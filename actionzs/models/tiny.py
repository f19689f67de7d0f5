"""Tiny models with random, UNTRAINED weights, for tests and for trying the pipeline offline.

They exercise every code path (tokenisers, encoders, shapes, caching) in seconds on a CPU, and are seeded so
the same name always gives the same weights. Their outputs are meaningless: everything made with them is
flagged ``untrained`` and the CLI prints a warning.
"""

from __future__ import annotations

import torch

from ..errors import ModelUnavailableError
from ..video.transforms import PixelSpec

UNTRAINED_WARNING = "untrained random weights: this output is NOT a prediction (test model)"

TINY_OPENCLIP = {
    "embed_dim": 32,
    "vision_cfg": {"layers": 2, "width": 64, "head_width": 32, "patch_size": 16, "image_size": 64},
    "text_cfg": {"context_length": 77, "vocab_size": 49408, "width": 64, "heads": 2, "layers": 2},
}

TINY_HF_CLIP = {
    "projection_dim": 32,
    "text_config": {
        "vocab_size": 49408, "hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2,
        "num_attention_heads": 2, "max_position_embeddings": 77,
    },
    "vision_config": {
        "hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2, "num_attention_heads": 2,
        "image_size": 64, "patch_size": 16,
    },
}

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


def hf_clip_tokenizer():
    """A transformers CLIPTokenizer built from the BPE vocabulary that open_clip ships (no download)."""
    import open_clip
    from transformers import CLIPTokenizer

    bpe = open_clip.get_tokenizer("ViT-B-32")
    merges = [tuple(pair) for pair, _ in sorted(bpe.bpe_ranks.items(), key=lambda item: item[1])]
    # open_clip spells the special tokens differently from the original CLIP vocabulary
    rename = {"<start_of_text>": "<|startoftext|>", "<end_of_text>": "<|endoftext|>"}
    vocab = {rename.get(token, token): index for token, index in bpe.encoder.items()}
    return CLIPTokenizer(vocab=vocab, merges=merges)


def build_clip(spec: str):
    """(model, tokenizer, backend, pixel spec) for a ``random:<spec>`` name."""
    if spec == "openclip-tiny":
        import open_clip

        size = TINY_OPENCLIP["vision_cfg"]["image_size"]
        return openclip_from_config(TINY_OPENCLIP), open_clip.get_tokenizer("ViT-B-32"), "open_clip", PixelSpec(size)
    if spec == "hf-clip-tiny":
        size = TINY_HF_CLIP["vision_config"]["image_size"]
        return hf_clip_from_config(TINY_HF_CLIP), hf_clip_tokenizer(), "hf", PixelSpec(size)
    raise ModelUnavailableError(f"unknown test model 'random:{spec}' (known: random:openclip-tiny, random:hf-clip-tiny)")
