"""The documented shape of ``anticipate``'s result (``anticipate --json``): a pydantic model, so the JSON
validates against ``AnticipationReport.model_json_schema()`` and the schema is the documentation."""

from __future__ import annotations

from pydantic import Field

from ..eval.report import Part


class SegmentAction(Part):
    """One observed segment of the video and the action named for it."""

    start: float = Field(description="seconds from the video's first frame")
    end: float
    action: str | None = Field(description="'verb noun' of the vocabulary")
    caption: str | None = Field(None, description="what the captioner said of it (--recognise caption, --describe)")


class AnticipationReport(Part):
    video: str | None = Field(description="the video, or null for --observed actions given as text")
    observed: list[list[str]] = Field(description="the observed (verb, noun) actions, in order")
    segments: list[SegmentAction]
    recognised_by: str | None = Field(description="'clip' or 'caption'; null for --observed")
    examples: int = Field(description="in-context examples taken from --pool")
    llm: str
    decoding: str = Field(description="'rank' (candidate futures weighed) or 'generate'")
    untrained_recognition: bool = Field(description="random test weights named the segments: not a prediction")
    warnings: list[str]
    settings: dict
    provenance: dict
    future: list[list[list[str]]] = Field(description="K sequences of Z (verb, noun) actions")
