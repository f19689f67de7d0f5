"""X-CLIP zero-shot scoring and few-shot fine-tuning (the adapter made by `adapt --method xclip`)."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from ..cache import atomic_write
from ..errors import InputError
from ..features import Sampling, video_pixels
from ..text.labels import LabelSet


def encode_xclip_video(path, encoder, sampling: Sampling) -> np.ndarray:
    """Cached X-CLIP features of one video: ``float32 [views, 1 + P, D]``."""
    return encoder.encode_clips(video_pixels(path, encoder.pixel, sampling))


class XClipZeroShot:
    """Logits averaged over views; class texts are prompt-ensembled before the video-specific prompts."""

    name = "xclip"

    def __init__(self, encoder, classes: LabelSet, templates: list[str]):
        self.encoder = encoder
        self.classes = classes
        self.templates = list(templates)
        self._text = None

    def text(self) -> torch.Tensor:
        prompts = [t.format(c) for c in self.classes.texts for t in self.templates]
        embeds = self.encoder.text_embeds(prompts)
        return embeds.reshape(len(self.classes), len(self.templates), -1).mean(dim=1)

    @torch.no_grad()
    def scores(self, features: np.ndarray) -> np.ndarray:
        """[N, V, 1 + P, D] -> [N, C]."""
        if self._text is None:
            self._text = self.text()
        x = torch.as_tensor(features, dtype=torch.float32)
        n, v = x.shape[:2]
        flat = x.reshape(n * v, *x.shape[2:])
        logits = self.encoder.logits(flat[:, 0], flat[:, 1:], self._text)
        return logits.reshape(n, v, -1).mean(dim=1).numpy()


@dataclass
class TrainConfig:
    """Fine-tuning settings, recorded in the adapter."""

    epochs: int = 10
    batch_size: int = 4
    accumulate: int = 1
    lr: float = 2e-6
    weight_decay: float = 0.001
    warmup_ratio: float = 0.1
    max_grad_norm: float = 1.0
    seed: int = 0
    amp: bool = True  # bfloat16 autocast, on CUDA only

    def as_dict(self) -> dict:
        return asdict(self)


def _state(model, optimizer, scheduler, epoch: int, rng: np.random.Generator) -> dict:
    return {"model": model.state_dict(), "optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict(),
            "epoch": epoch, "rng": rng.bit_generator.state, "torch_rng": torch.get_rng_state()}


def train_xclip(encoder, paths: list[str], targets: list[int], classes: LabelSet, templates: list[str],
                sampling: Sampling, config: TrainConfig, checkpoint: str | Path | None = None,
                on_step=None) -> list[float]:
    """Fine-tune every X-CLIP parameter with cross-entropy over the class texts; returns the mean loss per
    epoch. AdamW, linear warm-up then cosine decay, gradient accumulation, gradient clipping; with
    ``checkpoint`` the state is saved after every epoch and a run resumes from it. Deterministic on a CPU
    for a given seed."""
    from transformers import get_cosine_schedule_with_warmup

    if sampling.clips != 1 or sampling.crops != 1:
        raise InputError("X-CLIP fine-tuning samples one clip per video: use --clips 1 --crops 1")
    model = encoder.model
    torch.manual_seed(config.seed)
    rng = np.random.default_rng(config.seed)
    steps_per_epoch = math.ceil(len(paths) / (config.batch_size * config.accumulate))
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    scheduler = get_cosine_schedule_with_warmup(optimizer, int(config.warmup_ratio * steps_per_epoch * config.epochs),
                                                steps_per_epoch * config.epochs)
    start, history = 0, []
    checkpoint = Path(checkpoint) if checkpoint else None
    if checkpoint and checkpoint.is_file():
        saved = torch.load(checkpoint, weights_only=False)
        model.load_state_dict(saved["model"])
        optimizer.load_state_dict(saved["optimizer"])
        scheduler.load_state_dict(saved["scheduler"])
        rng.bit_generator.state = saved["rng"]
        torch.set_rng_state(saved["torch_rng"])
        start, history = saved["epoch"] + 1, saved.get("history", [])
    tokens = encoder.tokenizer([t.format(c) for c in classes.texts for t in templates], padding=True,
                               truncation=True, return_tensors="pt").to(encoder.device)
    cuda = encoder.device.startswith("cuda")
    labels = torch.as_tensor(targets)
    for epoch in range(start, config.epochs):
        model.train()
        order = rng.permutation(len(paths))
        losses = []
        optimizer.zero_grad()
        for step, first in enumerate(range(0, len(order), config.batch_size)):
            batch = order[first : first + config.batch_size]
            pixels = torch.stack([video_pixels(paths[i], encoder.pixel, sampling, rng=rng)[0] for i in batch])
            with torch.autocast("cuda", dtype=torch.bfloat16, enabled=cuda and config.amp):
                video, patches = encoder.video_parts(pixels.to(encoder.device))
                out = model.text_model(input_ids=tokens["input_ids"], attention_mask=tokens["attention_mask"])
                text = model.text_projection(out[1]).reshape(len(classes), len(templates), -1).mean(dim=1)
                logits = encoder.logits(video, patches, text)
                loss = F.cross_entropy(logits.float(), labels[batch].to(encoder.device))
            (loss / config.accumulate).backward()
            losses.append(loss.item())
            last = first + config.batch_size >= len(order)
            if (step + 1) % config.accumulate == 0 or last:
                torch.nn.utils.clip_grad_norm_(model.parameters(), config.max_grad_norm)
                optimizer.step()
                scheduler.step()
                optimizer.zero_grad()
            if on_step:
                on_step(epoch, loss.item())
        history.append(float(np.mean(losses)))
        if checkpoint:
            state = {**_state(model, optimizer, scheduler, epoch, rng), "history": history}
            checkpoint.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(checkpoint, lambda fh: torch.save(state, fh))
    model.eval()
    return history
