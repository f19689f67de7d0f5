"""LLM-prompted anticipation: in-context examples chosen by MMR, generation constrained to the vocabulary."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch

from ..config import read_yaml
from ..errors import InputError
from ..resources import data_dir
from .data import Action, Vocabulary, format_actions

_END = -1


def _trie(words, tokenizer) -> dict:
    root: dict = {}
    for word in words:
        node = root
        for token in tokenizer(" " + word.replace("_", " "), add_special_tokens=False)["input_ids"]:
            node = node.setdefault(token, {})
        node[_END] = word
    return root


class VocabularyConstraint:
    """Allowed next tokens so that the text is exactly ``z`` comma-separated '<verb> <noun>' actions."""

    def __init__(self, vocab: Vocabulary, tokenizer, z: int):
        self.verbs, self.nouns = _trie(vocab.verbs, tokenizer), _trie(vocab.nouns, tokenizer)
        self.comma = tokenizer(",", add_special_tokens=False)["input_ids"][0]
        self.eos = tokenizer.eos_token_id
        self.z = z

    def allowed(self, generated: list[int]) -> list[int]:
        kind, node, count = "verb", self.verbs, 0
        for token in generated:
            if token == self.eos:  # finished (later steps pad a finished sequence of a batch)
                return [self.eos]
            if token in node:
                node = node[token]
            elif kind == "verb" and token in self.nouns:  # the verb ended; this token starts the noun
                kind, node = "noun", self.nouns[token]
            elif kind == "verb":
                return [self.eos]
            else:  # the noun ended with a comma
                count += 1
                kind, node = "verb", self.verbs
        options = [t for t in node if t != _END]
        if _END in node:
            if kind == "verb":
                options += list(self.nouns)
            else:
                options.append(self.eos if count + 1 >= self.z else self.comma)
        return options


@dataclass
class LLMSettings:
    examples: int = 8
    fetch: int = 40
    lam: float = 0.7
    k: int = 5
    z: int = 20
    temperature: float = 0.6
    seed: int = 0

    def as_dict(self) -> dict:
        return asdict(self)


def load_prompt(path=None) -> dict:
    source = path or data_dir("prompts") / "anticipation.yaml"
    data = read_yaml(source)
    if not {"instruction", "example", "query"} <= set(data):
        raise InputError(f"{source}: needs 'instruction', 'example' and 'query'")
    return data


class LLMAnticipator:
    def __init__(self, model, tokenizer, vocab: Vocabulary, settings: LLMSettings = LLMSettings(), prompt=None):
        self.model, self.tokenizer, self.vocab, self.settings = model, tokenizer, vocab, settings
        self.prompt = prompt or load_prompt()
        self.constraint = VocabularyConstraint(vocab, tokenizer, settings.z)

    def build_prompt(self, observed: list[Action], examples) -> str:
        p = self.prompt
        text = p["instruction"].strip() + "\n\n"
        for ex in reversed(list(examples)):  # the most relevant example ends up next to the query
            text += p["example"].format(observed=format_actions(ex.observed), future=format_actions(ex.future[: self.settings.z]))
        return text + p["query"].format(observed=format_actions(observed))

    @torch.no_grad()
    def predict(self, observed: list[Action], examples, fallback=None) -> list[list[Action]]:
        """K sequences of Z actions: the greedy one, then K-1 samples. An answer that parses to nothing in the
        vocabulary falls back to ``fallback(observed)`` (e.g. the n-gram baseline); short ones are padded."""
        s = self.settings
        inputs = self.tokenizer(self.build_prompt(observed, examples), return_tensors="pt")
        start = inputs["input_ids"].shape[1]
        allowed = lambda _, ids: self.constraint.allowed(ids[start:].tolist())  # noqa: E731
        budget = s.z * 8
        outputs = [self.model.generate(**inputs, max_new_tokens=budget, do_sample=False,
                                       prefix_allowed_tokens_fn=allowed, pad_token_id=self.tokenizer.eos_token_id)]
        if s.k > 1:
            torch.manual_seed(s.seed)
            outputs.append(self.model.generate(**inputs, max_new_tokens=budget, do_sample=True, temperature=s.temperature,
                                               num_return_sequences=s.k - 1, prefix_allowed_tokens_fn=allowed,
                                               pad_token_id=self.tokenizer.eos_token_id))
        sequences = []
        for batch in outputs:
            for ids in batch:
                text = self.tokenizer.decode(ids[start:], skip_special_tokens=True)
                sequences.append(self.complete(self.vocab.parse(text, limit=s.z), observed, fallback))
        return sequences

    def complete(self, actions: list[Action], observed, fallback) -> list[Action]:
        z = self.settings.z
        if not actions:
            return fallback(observed)[0] if fallback else [observed[-1]] * z
        return (actions + [actions[-1]] * z)[:z]
