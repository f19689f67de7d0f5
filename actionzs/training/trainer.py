"""The product's one training loop, on Hugging Face accelerate: the same code on a CPU, one GPU, or several
processes and nodes (``accelerate launch -m actionzs adapt ...``), with mixed precision on GPUs, gradient
accumulation, gradient clipping, and checkpoints that a stopped run resumes from exactly.

A caller describes one micro-batch's loss; the trainer owns the optimiser (AdamW, warm-up then cosine decay),
the steps, the checkpoints (``folder/checkpoints/step-N``: accelerate's state, plus ``extras.safetensors`` for
modules outside the optimiser such as an EMA teacher, plus ``log.json``) and the per-step log.
"""

from __future__ import annotations

import contextlib
import json
import os
import pickle
import shutil
from pathlib import Path
from typing import Callable, Iterator

import torch

from ..errors import InputError
from ..console import notice
from ..options import TrainSettings
from .identity import canonical, require_same
from .objectives import warmup_cosine

KEEP_CHECKPOINTS = 2


def accelerator_for(device: str, precision: str):
    """accelerate's Accelerator for a resolved device and precision (autocast only on GPUs)."""
    from accelerate import Accelerator

    if device.startswith("cuda:") and "LOCAL_RANK" not in os.environ:
        torch.cuda.set_device(int(device.split(":")[1]))
    mixed = precision if device.startswith("cuda") and precision in ("bf16", "fp16") else "no"
    return Accelerator(cpu=device == "cpu", mixed_precision=mixed)


class Trainer:
    def __init__(self, folder: str | Path | None, settings: TrainSettings, accelerator, identity: dict | None = None):
        """``folder``: where checkpoints go; None keeps none (a run that cannot be resumed). ``identity``: what
        else makes this run (its data digest, model, classes), recorded with each checkpoint and, with the
        settings, compared before one is resumed."""
        self.folder = Path(folder) if folder is not None else None
        self.settings = settings
        self.accelerator = accelerator
        self.identity = {**settings.as_dict(), **(identity or {})}

    @property
    def checkpoints(self) -> Path | None:
        return self.folder / "checkpoints" if self.folder is not None else None

    def clear(self) -> None:
        """Forget earlier checkpoints in the folder (``--restart``): the next ``fit`` trains anew."""
        if self.checkpoints is not None and self.accelerator.is_main_process:
            shutil.rmtree(self.checkpoints, ignore_errors=True)
        self.accelerator.wait_for_everyone()

    def latest(self) -> Path | None:
        found = sorted(self.checkpoints.glob("step-*[0-9]")) if self.folder and self.checkpoints.is_dir() else []
        return found[-1] if found else None

    def fit(self, model: torch.nn.Module, micro_loss: Callable, batches: Callable[[int], Iterator], *,
            extras: dict[str, torch.nn.Module] | None = None, after_step: Callable | None = None,
            resume: bool = False, on_step: Callable[[dict], None] | None = None) -> list[dict]:
        """Train ``model`` for ``settings.max_steps`` steps; returns the log, one record per step.

        ``micro_loss(model, batch, progress) -> (loss, {name: float tensor})`` for one micro-batch at training
        progress in [0, 1); ``batches(first_micro_batch)`` iterates this process's micro-batches from there;
        ``after_step(model, step)`` runs after each optimiser step (an EMA update); ``extras`` are checkpointed
        with the model. Without ``resume`` a folder holding checkpoints is refused rather than overwritten."""
        s, acc, extras = self.settings, self.accelerator, extras or {}
        latest = self.latest()
        if latest is not None and not resume:
            raise InputError(f"{self.folder}: holds checkpoints of an earlier run; add --resume to continue it, "
                             f"or --restart to train anew there")
        if latest is not None:
            log = _read_log(latest)
            require_same(latest, log.get("identity") if log else None, self.identity, "checkpoint",
                         "add --restart to train anew there, or give another folder")
            notice(f"resuming from {latest} (step {log['step']} of {self.settings.max_steps}, same settings and data)")
        params = [p for p in model.parameters() if p.requires_grad]
        optimizer = torch.optim.AdamW(params, lr=s.lr, weight_decay=s.weight_decay)
        model, optimizer = acc.prepare(model, optimizer)
        start, history = 0, []
        if latest is not None:
            start, history = self._load(latest, extras)
        warmup = int(s.warmup_ratio * s.max_steps)
        stream = iter(batches(start * s.accumulate))
        model.train()
        for step in range(start, s.max_steps):
            lr = s.lr * warmup_cosine(step, s.max_steps, warmup)
            for group in optimizer.param_groups:
                group["lr"] = lr
            totals: dict[str, torch.Tensor] = {}
            for micro in range(s.accumulate):
                batch = _to(next(stream), acc.device)
                sync = contextlib.nullcontext() if micro == s.accumulate - 1 else acc.no_sync(model)
                with sync:
                    loss, logs = micro_loss(model, batch, step / s.max_steps)
                    acc.backward(loss / s.accumulate)
                for name, value in {"loss": loss, **logs}.items():
                    totals[name] = totals.get(name, 0) + torch.as_tensor(value, device=acc.device).detach().float() / s.accumulate
            if s.max_grad_norm:
                acc.clip_grad_norm_(model.parameters(), s.max_grad_norm)
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
            if after_step:
                after_step(acc.unwrap_model(model), step)
            names = list(totals)
            means = acc.reduce(torch.stack([totals[n] for n in names]), "mean").tolist()
            history.append({"step": step + 1, "lr": lr, **dict(zip(names, means))})
            if self.folder is not None and ((step + 1) % s.save_every == 0 or step + 1 == s.max_steps):
                self._save(step + 1, history, extras)
            if on_step:
                on_step(history[-1])
        model.eval()
        return history

    def _save(self, step: int, history: list[dict], extras: dict) -> None:
        from safetensors.torch import save_file

        acc = self.accelerator
        target = self.checkpoints / f"step-{step:07d}"
        partial = self.checkpoints / f"step-{step:07d}.partial"
        if acc.is_main_process and partial.exists():
            shutil.rmtree(partial)
        acc.wait_for_everyone()
        acc.save_state(str(partial), safe_serialization=True)
        acc.wait_for_everyone()  # every process has written its part (its RNG state) before the folder moves
        if acc.is_main_process:
            tensors = {f"{name}.{k}": v.detach().cpu().contiguous()
                       for name, module in extras.items() for k, v in module.state_dict().items()}
            save_file(tensors, str(partial / "extras.safetensors"))
            (partial / "log.json").write_text(json.dumps({"step": step, "settings": self.settings.as_dict(),
                                                           "identity": canonical(self.identity),
                                                           "history": history}))
            if target.exists():
                shutil.rmtree(target)
            os.replace(partial, target)
            for old in sorted(self.checkpoints.glob("step-*[0-9]"))[:-KEEP_CHECKPOINTS]:
                shutil.rmtree(old, ignore_errors=True)
        acc.wait_for_everyone()

    def _load(self, folder: Path, extras: dict) -> tuple[int, list[dict]]:
        from safetensors import SafetensorError
        from safetensors.torch import load_file

        from accelerate.utils.other import load as load_pickled

        try:
            for pickled in sorted(folder.glob("*.bin")) + sorted(folder.glob("*.pkl")):
                load_pickled(pickled, map_location="cpu")  # tensors and plain values only (weights_only)
            self.accelerator.load_state(str(folder))
            saved = load_file(str(folder / "extras.safetensors"))
            for name, module in extras.items():
                module.load_state_dict({k[len(name) + 1:]: v for k, v in saved.items() if k.startswith(name + ".")})
            log = json.loads((folder / "log.json").read_text())
            return int(log["step"]), list(log["history"])
        except pickle.UnpicklingError:
            raise InputError(f"{folder}: holds a pickle that would run code when loaded, which actionzs refuses "
                             f"(only plain tensors are read); remove the checkpoint to start again") from None
        except (RuntimeError, KeyError, ValueError, OSError, SafetensorError) as exc:
            cause = str(exc).strip().splitlines()[0][:160] if str(exc).strip() else type(exc).__name__
            raise InputError(f"{folder}: a checkpoint that does not fit this run (another backbone or settings?): "
                             f"{cause}") from None


def _read_log(folder: Path) -> dict | None:
    try:
        return json.loads((folder / "log.json").read_text())
    except (OSError, ValueError):
        return None


def _to(batch, device):
    if isinstance(batch, dict):
        return {k: _to(v, device) for k, v in batch.items()}
    return batch.to(device) if isinstance(batch, torch.Tensor) else batch
