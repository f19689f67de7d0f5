"""Ranking labels and the reports that carry rankings: one home for the softmax, the top-k and the header
fields that every ranking report shares (``predict`` and ``predict --window`` alike). Pydantic models, so each
report's JSON validates against ``Model.model_json_schema()`` and the schema is the documentation."""

from __future__ import annotations

import numpy as np
from pydantic import BaseModel, Field

from . import __version__



class Ranked(BaseModel):
    label: str
    text: str
    score: float = Field(description="a probability (softmax over the label set) or a similarity, as the "
                                     "report's 'score' says")


class ReportHeader(BaseModel):
    """What produced a ranking report: method, model, labels, sampling, runtime, and what went wrong."""

    method: str
    model: str
    labels: str
    num_classes: int
    score: str = Field("probability", description="what the scores are: 'probability' (a softmax over the labels) "
                                                  "or 'similarity' (a cosine, for methods without a learned scale)")
    sampling: dict
    prompts: str | None
    untrained: bool
    runtime: dict = Field(default_factory=dict, description="device, precision, batch size, decoding workers")
    errors: list[dict] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    version: str = __version__
    provenance: dict = Field(default_factory=dict, description="command line, package versions, input sha256s")

    def to_dict(self) -> dict:
        return self.model_dump()


def softmax(logits: np.ndarray) -> np.ndarray:
    z = logits - logits.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def top_k(values: np.ndarray, ids, texts, k: int) -> list[Ranked]:
    """The ``k`` best of one row of ``values`` (ties in label order)."""
    order = np.argsort(-values, kind="stable")[: max(1, min(k, len(ids)))]
    return [Ranked(label=ids[i], text=texts[i], score=float(values[i])) for i in order]
