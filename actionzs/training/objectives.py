"""The pieces of CDFSL-V's objectives (Samarasinghe et al., ICCV 2023) that are worth checking by hand:
tube masks for masked video modelling, the curriculum weight, the sharpened-teacher consistency loss and the
teacher's exponential moving average."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from ..options import SCHEDULES


def arctan_schedule(progress: float) -> float:
    """The paper's curriculum: close to 0 early (source supervision), 0.5 halfway, close to 1 at the end."""
    return math.atan(10 * (progress - 0.5)) / math.pi + 0.5


def linear_schedule(progress: float) -> float:
    return progress


def constant_schedule(progress: float) -> float:
    """No curriculum: source and target terms weighted equally throughout."""
    return 0.5


#: name -> weight of the target term at training progress x in [0, 1]; the source term gets 1 - weight.
WEIGHT_SCHEDULES = {"arctan": arctan_schedule, "linear": linear_schedule, "constant": constant_schedule}
assert tuple(WEIGHT_SCHEDULES) == SCHEDULES, "options.SCHEDULES names the schedules defined here"


def tube_mask(tubelets: int, patches: int, ratio: float, generator: torch.Generator) -> torch.Tensor:
    """bool [tubelets * patches]: the same ``int(ratio * patches)`` spatial patches hidden at every time step
    (VideoMAE's tube masking), in the token order of its patch embedding (time, then space)."""
    hidden = int(ratio * patches)  # VideoMAE's TubeMaskingGenerator counts with int(), not round()
    if not 0 < hidden < patches:
        raise ValueError(f"mask ratio {ratio} hides {hidden} of {patches} patches; it must hide some and keep some")
    spatial = torch.zeros(patches, dtype=torch.bool)
    spatial[torch.randperm(patches, generator=generator)[:hidden]] = True
    return spatial.repeat(tubelets)


def sharpened_consistency(student_logits: torch.Tensor, teacher_logits: torch.Tensor,
                          temperature: float = 0.1) -> torch.Tensor:
    """Cross-entropy of the student's predictions against the teacher's, sharpened by ``temperature`` and
    treated as fixed soft targets; mean over the batch."""
    targets = F.softmax(teacher_logits.detach().float() / temperature, dim=-1)
    return -(targets * F.log_softmax(student_logits.float(), dim=-1)).sum(-1).mean()


@torch.no_grad()
def ema_update(teacher: torch.nn.Module, student: torch.nn.Module, decay: float) -> None:
    """teacher <- decay * teacher + (1 - decay) * student, parameter by parameter (buffers copied)."""
    for t, s in zip(teacher.parameters(), student.parameters()):
        t.mul_(decay).add_(s.detach().to(t.dtype), alpha=1 - decay)
    for t, s in zip(teacher.buffers(), student.buffers()):
        t.copy_(s)


def warmup_cosine(step: int, total: int, warmup: int) -> float:
    """Learning-rate factor: linear warm-up over ``warmup`` steps, then cosine decay to 0 at ``total``."""
    if step < warmup:
        return (step + 1) / warmup
    return 0.5 * (1 + math.cos(math.pi * (step - warmup) / max(1, total - warmup)))
