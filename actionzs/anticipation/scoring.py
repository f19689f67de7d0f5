"""How likely a language model finds each candidate continuation, per action, in one forward pass.

The candidates are laid out as a prefix tree after the prompt: a token shared by several candidates' prefixes is
computed once, and a custom attention mask lets each token see the prompt and its own ancestors only, with the
positions it would have in a plain ``prompt + continuation`` sequence. So the log-probabilities are those of
scoring each continuation alone, without copying a key/value cache per candidate.

A raw log-probability favours continuations of few, common tokens; ``calibrated_scores`` divides it by the token
count, or subtracts the same continuation's log-probability without the observed history."""

from __future__ import annotations

import numpy as np
import torch

from .data import Action


class ContinuationScorer:
    def __init__(self, model, tokenizer):
        self.model, self.tokenizer = model, tokenizer
        self._comma = self._ids(",")
        self._action_ids: dict[Action, list[int]] = {}

    def _ids(self, text: str) -> list[int]:
        return self.tokenizer(text, add_special_tokens=False)["input_ids"]

    def action_tokens(self, actions: list[Action]) -> list[list[int]]:
        """Token ids per action of ' verb noun, verb noun, ...' (each group after the first starts with the comma)."""
        groups = []
        for i, action in enumerate(actions):
            if action not in self._action_ids:
                self._action_ids[action] = self._ids(" " + " ".join(action).replace("_", " "))
            groups.append((self._comma if i else []) + self._action_ids[action])
        return groups

    def token_counts(self, continuations: list[list[Action]], actions: int) -> np.ndarray:
        """Tokens in the first ``actions`` actions of each continuation, as scored."""
        return np.array([sum(map(len, self.action_tokens(c[:actions]))) for c in continuations])

    @torch.no_grad()
    def action_logprobs(self, prefix: str, queries: list[str], continuations: list[list[Action]]) -> list[list[np.ndarray]]:
        """``[query][continuation]``: the log-probability of each action of the continuation (its tokens summed)
        after ``prefix + query``. The prefix (instruction and examples) is computed once for all queries."""
        prefix_ids = self.tokenizer(prefix)["input_ids"]
        if not prefix_ids:
            raise ValueError("the prompt prefix must not be empty")
        groups = [self.action_tokens(c) for c in continuations]
        query_ids = [self._ids(q) for q in queries]
        sequences = [q + sum(g, []) for q in query_ids for g in groups]
        tokens, parents, paths = _prefix_tree(sequences)
        n = len(prefix_ids)
        device = self.model.device
        ids = torch.tensor([prefix_ids + tokens], device=device)
        positions = torch.tensor([list(range(n)) + [n + d for d in _depths(parents)]], device=device)
        mask = _tree_mask(n, parents, self.model.dtype).to(device)
        logits = self.model(input_ids=ids, attention_mask=mask, position_ids=positions,
                            logits_to_keep=len(tokens) + 1).logits[0].float().log_softmax(-1)
        # row 0 predicts the first token after the prefix; row 1 + node predicts that node's children
        rows = torch.tensor([0 if parent < 0 else 1 + parent for parent in parents], device=device)
        node_logprob = logits[rows, torch.tensor(tokens, device=device)].cpu().numpy()
        out, index = [], 0
        for q in query_ids:
            scored = []
            for group in groups:
                per_token = node_logprob[paths[index][len(q):]]
                bounds = np.cumsum([0] + [len(g) for g in group])
                scored.append(np.array([per_token[a:b].sum() for a, b in zip(bounds[:-1], bounds[1:])]))
                index += 1
            out.append(scored)
        return out


def calibrated_scores(scored: list[list[np.ndarray]], calibration: str, tokens: np.ndarray) -> np.ndarray:
    """One score per continuation from ``action_logprobs`` output (query 0: after the observed history, query
    1: without it). token: log-probability per token (long words are not penalised); history: log-probability
    minus that without the history (pointwise mutual information); none: the summed log-probability."""
    with_history = np.array([float(a.sum()) for a in scored[0]])
    if calibration == "token":
        return with_history / tokens
    if calibration == "history":
        return with_history - np.array([float(a.sum()) for a in scored[1]])
    return with_history


def _prefix_tree(sequences: list[list[int]]) -> tuple[list[int], list[int], list[list[int]]]:
    """(token per node, parent node or -1, node path per sequence); equal prefixes share nodes."""
    tokens: list[int] = []
    parents: list[int] = []
    children: dict[tuple[int, int], int] = {}
    paths = []
    for sequence in sequences:
        node, path = -1, []
        for token in sequence:
            key = (node, token)
            if key not in children:
                children[key] = len(tokens)
                tokens.append(token)
                parents.append(node)
            node = children[key]
            path.append(node)
        paths.append(path)
    return tokens, parents, paths


def _depths(parents: list[int]) -> list[int]:
    depth: list[int] = []
    for parent in parents:  # a parent always comes before its children
        depth.append(0 if parent < 0 else depth[parent] + 1)
    return depth


def _tree_mask(n_prompt: int, parents: list[int], dtype) -> torch.Tensor:
    """Additive [1, 1, L, L] mask: the prompt is causal; a node sees the whole prompt, its ancestors and itself."""
    size = n_prompt + len(parents)
    allowed = torch.zeros(size, size, dtype=torch.bool)
    allowed[n_prompt:, :n_prompt] = True
    allowed[:n_prompt, :n_prompt] = torch.ones(n_prompt, n_prompt, dtype=torch.bool).tril()
    for node, parent in enumerate(parents):
        row = n_prompt + node
        if parent >= 0:
            allowed[row, n_prompt:] = allowed[n_prompt + parent, n_prompt:]
        allowed[row, row] = True
    mask = torch.zeros(size, size, dtype=dtype)
    mask.masked_fill_(~allowed, torch.finfo(dtype).min)
    return mask[None, None]
