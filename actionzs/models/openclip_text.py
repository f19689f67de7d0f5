"""open_clip text encoding at the batch's real token length.

Prompts are padded to the model's context (77 tokens for CLIP) but class prompts hold about 15. A causal text
tower that pools at the end-of-text token never lets a later position change an earlier one, so running the
library's own ``encode_text`` on the tokens cut to the longest prompt gives the same embeddings several times
faster. Towers that are not causal or pool elsewhere (SigLIP pools the last position) run at full length.
"""

from __future__ import annotations

from contextlib import contextmanager

import torch

PAD_ID = 0  # open_clip's tokenizers pad with 0
EOT_POOLING = ("argmax", "eos")


def _text_tower(model):
    """The module that holds the text's positional embedding and causal mask (CLIP keeps them on itself)."""
    return model.text if hasattr(model, "text") and hasattr(model.text, "positional_embedding") else model


def truncatable(model) -> bool:
    tower = _text_tower(model)
    pool = getattr(tower, "text_pool_type", None) or getattr(tower, "pool_type", "argmax")
    return getattr(tower, "attn_mask", None) is not None and pool in EOT_POOLING and \
        getattr(tower, "cls_emb", None) is None


@contextmanager
def _context(tower, length: int):
    """The tower's positional embedding and causal mask cut to ``length`` for the duration of the block."""
    positional, mask = tower.positional_embedding, tower.attn_mask
    try:
        tower.positional_embedding = torch.nn.Parameter(positional[:length], requires_grad=False)
        tower.attn_mask = mask[:length, :length]
        yield
    finally:
        tower.positional_embedding, tower.attn_mask = positional, mask


def encode_text(model, tokens: torch.Tensor) -> torch.Tensor:
    """``model.encode_text(tokens)``, at the longest prompt's length where that gives the same result."""
    if not truncatable(model):
        return model.encode_text(tokens)
    length = max(int((tokens != PAD_ID).sum(dim=1).max()), 1)
    if length >= tokens.shape[1]:
        return model.encode_text(tokens)
    with _context(_text_tower(model), length):
        return model.encode_text(tokens[:, :length])
