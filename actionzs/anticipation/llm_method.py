"""LLM-prompted anticipation. With decoding "rank" (the default) the LLM weighs candidate continuations (from
the observed history's structure, the pool and its n-gram) by their calibrated likelihood after the prompt, and
the K-set with the least expected best-of-K edit distance under those weights is the answer; with "generate" it
writes the sequences under a constraint that spells only vocabulary actions."""

from __future__ import annotations

import numpy as np
import torch

from ..config import read_yaml
from ..errors import InputError
from ..resources import data_dir
from .data import Action, Vocabulary, format_actions
from .scoring import ContinuationScorer, calibrated_scores
from .selection import choose_k
from ..options import LLMSettings

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
        self.scorer = ContinuationScorer(model, tokenizer)

    def prefix(self, examples) -> str:
        """The instruction and the in-context examples: the part of the prompt every query shares."""
        text = self.prompt["instruction"].strip() + "\n\n"
        for ex in reversed(list(examples)):  # the most relevant example ends up next to the query
            text += self.prompt["example"].format(observed=format_actions(ex.observed),
                                                  future=format_actions(ex.future[: self.settings.z]))
        return text

    def query(self, observed: list[Action], captions: list[str] | None = None) -> str:
        text = ""
        if captions and "captions" in self.prompt:
            text += self.prompt["captions"].format(captions="; ".join(c for c in captions if c))
        return text + self.prompt["query"].format(observed=format_actions(observed))

    def predict(self, observed: list[Action], examples, candidates=None, fallback=None,
                captions: list[str] | None = None) -> list[list[Action]]:
        """K sequences of Z actions. With ``candidates`` and decoding "rank": the K-set chosen under the LLM's
        weights; otherwise generated (greedy, then K-1 samples), an answer that parses to nothing falling back
        to ``fallback(observed)`` (e.g. the n-gram baseline) and short ones padded. ``captions`` of the observed
        segments go into the prompt when its template has a 'captions' line."""
        if candidates and self.settings.decoding == "rank":
            return choose_k(candidates, self.weights(observed, examples, candidates, captions), self.settings.k)
        return self.generate(self.prefix(examples) + self.query(observed, captions), observed, fallback)

    def weights(self, observed: list[Action], examples, candidates: list[list[Action]],
                captions: list[str] | None = None) -> np.ndarray:
        """Probabilities over the candidates: a softmax of their calibrated scores (first ``scored_actions``)."""
        s = self.settings
        queries = [self.query(observed, captions)] + ([self.query([])] if s.calibration == "history" else [])
        scored = self.scorer.action_logprobs(self.prefix(examples), queries,
                                             [c[: s.scored_actions] for c in candidates])
        scores = calibrated_scores(scored, s.calibration, self.scorer.token_counts(candidates, s.scored_actions))
        weights = np.exp(s.sharpness * (scores - scores.max()))
        return weights / weights.sum()

    @torch.no_grad()
    def generate(self, prompt: str, observed: list[Action], fallback=None) -> list[list[Action]]:
        s = self.settings
        inputs = self.tokenizer(prompt, return_tensors="pt").to(self.model.device)
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

