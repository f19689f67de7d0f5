"""Shell completion of the names the product knows (bash, zsh and fish, through click): label sets, protocols,
model names (built-in, and Hugging Face repos in the local cache), adapters' methods come from their Choice."""

from __future__ import annotations

from click.shell_completion import CompletionItem


def _items(names, incomplete: str) -> list[CompletionItem]:
    return [CompletionItem(name) for name in sorted(set(names)) if name.startswith(incomplete)]


def label_sets(ctx, param, incomplete: str) -> list[CompletionItem]:
    from ..text.labels import builtin_label_sets

    return _items(builtin_label_sets(), incomplete)


def protocols(ctx, param, incomplete: str) -> list[CompletionItem]:
    from ..eval.protocols import available_protocols

    return _items(available_protocols(), incomplete)


def models(ctx, param, incomplete: str) -> list[CompletionItem]:
    from ..models.registry import KNOWN_MODELS, cached_models

    return _items([row[0] for row in KNOWN_MODELS] + list(cached_models()), incomplete)
