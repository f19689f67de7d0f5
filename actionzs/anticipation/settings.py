"""How the LLM anticipates: one typed object, shared by the CLI, the API and the benchmark (imports no torch)."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from ..errors import InputError

CALIBRATIONS = ("token", "history", "none")


@dataclass
class LLMSettings:
    """How the LLM anticipates. The rank defaults were chosen on windows of clips outside the 600 evaluated
    (README, "Anticipation"): in-context examples did not help the 135M model rank and doubled the time."""

    examples: int | None = None  # in-context examples; None: 0 to rank, 8 to generate (it needs the format shown)
    fetch: int = 40
    lam: float = 0.7
    k: int = 5
    z: int = 20
    temperature: float = 0.6
    seed: int = 0
    decoding: str = "rank"  # "rank" candidate continuations or "generate" under the vocabulary constraint
    candidates: int = 10  # nearest pool futures among the candidates (beside the history's and the n-gram's)
    scored_actions: int = 8  # the first actions of each candidate that the LLM scores (the cost grows with it)
    calibration: str = "token"  # token: mean log-prob per token; history: minus the no-history log-prob; none
    sharpness: float = 1.0  # candidate weights are proportional to exp(sharpness * calibrated score)

    def __post_init__(self):
        if self.examples is None:
            self.examples = 0 if self.decoding == "rank" else 8
        if self.decoding not in ("rank", "generate"):
            raise InputError(f"decoding must be 'rank' or 'generate', got {self.decoding!r}")
        if self.calibration not in CALIBRATIONS:
            raise InputError(f"calibration must be one of {', '.join(CALIBRATIONS)}, got {self.calibration!r}")

    def as_dict(self) -> dict:
        return asdict(self)
