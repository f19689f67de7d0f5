"""The documented shape of ``predict --window --json``: pydantic models (on ``ranking.ReportHeader``), so the
JSON validates against ``TimelineReport.model_json_schema()`` and the schema is the documentation."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from ..ranking import Ranked, ReportHeader


class WindowResult(BaseModel):
    start: float = Field(description="seconds from the first frame")
    end: float
    top: list[Ranked]


class Segment(BaseModel):
    """A stretch of time given one label; scores are that label's smoothed per-window scores (probabilities, or
    similarities where the report's ``score`` says so)."""

    label: str
    text: str
    start: float
    end: float
    mean_score: float = Field(description="the label's smoothed score, averaged over the segment's windows")
    max_score: float
    windows: int


class VideoTimeline(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    video: str
    duration: float = Field(description="seconds")
    windows: list[WindowResult]
    segments: list[Segment]
    scores: list[list[float]] | None = Field(default=None, exclude=True)  # [W, C] smoothed, for plots


class TimelineReport(ReportHeader):
    """``predict --window``: the header every ranking report has, the windowing, and per video its windows and
    segments."""

    window: float = Field(description="window length, seconds")
    hop: float = Field(description="seconds between window starts")
    smooth: int = Field(description="windows in the centred smoothing run (1: none)")
    smoothing: str
    background: float = Field(description="a window whose best smoothed score is below this is no action")
    classes: list[str] = Field(default_factory=list, description="label ids, the columns of the scores")
    class_texts: list[str] = Field(default_factory=list, description="the labels' texts, in the same order")
    videos: list[VideoTimeline] = Field(default_factory=list)
