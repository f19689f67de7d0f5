"""The documented shape of ``eval``'s report (``report.json``, ``eval --json``): pydantic models, so the JSON
validates against ``EvalReport.model_json_schema()`` (printed by ``actionzs eval --schema``) and the schema is the
documentation. Fields a protocol kind does not have are left out of the JSON, not written as null."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class Part(BaseModel):
    """A part of a report: its JSON holds the fields that were set (see ``to_dict``)."""

    def to_dict(self) -> dict:
        return self.model_dump(exclude_unset=True)


class ProtocolHeader(Part):
    """Which protocol ran, how many runs and with which seed; the protocol's own settings ride along."""

    model_config = ConfigDict(extra="allow")  # split files, ways, shots, folds, ...: what its YAML declares

    name: str
    dataset: str
    kind: str = Field(description="zero-shot, few-shot, episodic or anticipation")
    description: str
    runs: int
    seed: int


class RunMetrics(Part):
    """One run of test classes (or, for an episodic protocol, all its episodes)."""

    top1: float = Field(description="a fraction (0-1); the result's top1_* are in %")
    top5: float = Field(description="NaN where it does not apply (episodes)")
    mean_class_accuracy: float
    per_class: list[float] = Field(description="accuracy per class, in the order of 'classes'")
    confusion: list[list[int]] = Field(description="[true][predicted] counts, in the order of 'classes'")
    num_videos: int
    classes: list[str]
    split: str | None = Field(None, description="the split file pattern the run's videos come from")
    ci95: float | None = Field(None, description="episodic: half-width of the 95% interval of the mean, in %")
    episodes: int | None = None


class SplitData(Part):
    """What happened to one split list's videos."""

    split: str
    role: str = Field(description="'support' (a few-shot protocol's training list) or 'test'")
    listed: int
    found: int = Field(description="found under --root")
    missing: int
    missing_examples: list[str]
    unreadable: list[str] = Field(description="one error line per unreadable video (at most 20)")
    evaluated: int
    sha256: str | None = Field(None, description="one digest over the evaluated videos' names and contents")


class ScoredResult(Part):
    top1_mean: float = Field(description="%, over runs")
    top1_std: float = Field(description="%, population std over runs (as the papers report)")
    top1_runs: list[float]
    runs: list[RunMetrics]
    data: list[SplitData] = Field(default_factory=list, description="video protocols: each split's videos")
    ci95: float | None = Field(None, description="episodic: half-width of the 95% interval, in %")


class PairedDifference(Part):
    mean: float = Field(description="reference minus method; negative: the reference has the lower, better ED")
    ci95: list[float]


class HistoryResult(Part):
    """Ego4D LTA text: every method's edit distances (lower is better) given one kind of observed history."""

    history: str = Field(description="'gt' (annotated) or 'recog' (recognised) observed actions")
    windows: int
    clips: int
    folds: int
    z: int = Field(description="future actions per sequence")
    k: int = Field(description="sequences per window; the best of K counts")
    results: dict[str, dict[str, float | list[float]]] = Field(
        description="method -> verb, noun and action ED, and action_ci95 (bootstrap over clips)")
    reference: str
    paired: dict[str, PairedDifference]
    llm_seconds_per_window: float | None


class AnticipationResult(Part):
    histories: list[HistoryResult]


class VideoSetup(Part):
    method: str
    model: str
    untrained: bool = Field(description="random test weights: the figures are not results")
    prompts: str | None
    templates: list[str] | None
    views: dict = Field(description="sampling and pixel geometry of the views each video gave")
    runtime: dict
    root: str
    splits: str | None
    adapter: str | None
    actionzs: str


class CaptionSetup(Part):
    method: str
    embedder: str
    captions: list[str]
    observers: list[str]
    descriptions: dict
    match: dict
    num_videos: int
    actionzs: str
    splits: str | None
    video_labels: str | None


class AnticipationSetup(Part):
    llm: str | None
    embedder: str | None
    settings: dict
    actionzs: str


class EvalReport(Part):
    """Everything ``eval`` produced: the protocol, the setup that reproduces it, the result, the provenance."""

    protocol: ProtocolHeader
    setup: VideoSetup | CaptionSetup | AnticipationSetup
    result: ScoredResult | AnticipationResult
    provenance: dict = Field(default_factory=dict, description="command line, package versions, input sha256s")

    @property
    def untrained(self) -> bool:
        return bool(getattr(self.setup, "untrained", False))
