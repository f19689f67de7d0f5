"""LLM-prompted anticipation: in-context examples chosen by MMR; the LLM either ranks candidate continuations
by their likelihood after the prompt, or generates under a constraint that spells only vocabulary actions."""

from __future__ import annotations

import copy
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
    decoding: str = "rank"  # "rank" candidate continuations (needs a pool) or "generate" under the constraint
    candidates: int = 20  # nearest pool futures offered to the ranker (plus the n-gram's and repeat-last)

    def __post_init__(self):
        if self.decoding not in ("rank", "generate"):
            raise InputError(f"decoding must be 'rank' or 'generate', got {self.decoding!r}")

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

    def build_prompt(self, observed: list[Action], examples, captions: list[str] | None = None) -> str:
        p = self.prompt
        text = p["instruction"].strip() + "\n\n"
        for ex in reversed(list(examples)):  # the most relevant example ends up next to the query
            text += p["example"].format(observed=format_actions(ex.observed), future=format_actions(ex.future[: self.settings.z]))
        if captions and "captions" in p:
            text += p["captions"].format(captions="; ".join(c for c in captions if c))
        return text + p["query"].format(observed=format_actions(observed))

    def predict(self, observed: list[Action], examples, candidates=None, fallback=None,
                captions: list[str] | None = None) -> list[list[Action]]:
        """K sequences of Z actions. With ``candidates`` and decoding "rank": the K the LLM finds likeliest
        after the prompt; otherwise generated (greedy, then K-1 samples), an answer that parses to nothing
        falling back to ``fallback(observed)`` (e.g. the n-gram baseline) and short ones padded. ``captions``
        of the observed segments go into the prompt when its template has a 'captions' line."""
        prompt = self.build_prompt(observed, examples, captions)
        if candidates and self.settings.decoding == "rank":
            return self.rank(prompt, candidates)
        return self.generate(prompt, observed, fallback)

    def rank(self, prompt: str, candidates: list[list[Action]]) -> list[list[Action]]:
        scores = continuation_logprobs(self.model, self.tokenizer, prompt, [" " + format_actions(c) for c in candidates])
        order = sorted(range(len(candidates)), key=lambda i: -scores[i])
        return [candidates[i] for i in order[: self.settings.k]]

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


@torch.no_grad()
def continuation_logprobs(model, tokenizer, prompt: str, continuations: list[str], batch: int = 8) -> list[float]:
    """Mean log-probability per token of each continuation after ``prompt``. The prompt is run once and its
    key/value cache shared by every continuation (batches of ``batch`` bound the memory)."""
    prompt_ids = tokenizer(prompt, return_tensors="pt")["input_ids"].to(model.device)
    out = model(prompt_ids, use_cache=True)
    first = out.logits[0, -1].log_softmax(-1)
    scores = []
    for start in range(0, len(continuations), batch):
        ids = [tokenizer(c, add_special_tokens=False)["input_ids"] for c in continuations[start:start + batch]]
        tokens = torch.full((len(ids), max(map(len, ids))), tokenizer.eos_token_id or 0)
        for i, t in enumerate(ids):  # right padding: a causal model never lets padding change earlier tokens
            tokens[i, : len(t)] = torch.tensor(t)
        cache = copy.deepcopy(out.past_key_values)
        cache.batch_repeat_interleave(len(ids))
        logits = model(tokens.to(model.device), past_key_values=cache, use_cache=True).logits.log_softmax(-1)
        for i, t in enumerate(ids):
            after = logits[i, : len(t) - 1].gather(1, tokens[i, 1 : len(t), None].to(logits.device))[:, 0]
            scores.append(float((first[t[0]] + after.sum()) / len(t)))
    return scores
