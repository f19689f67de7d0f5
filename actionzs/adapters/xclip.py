"""``xclip``: fine-tune every X-CLIP parameter on the support clips, with cross-entropy over the class texts.

It starts from a published X-CLIP checkpoint, or from a Hugging Face CLIP (name, folder or random:hf-clip-tiny)
whose weights are copied into X-CLIP's encoders while the X-CLIP parts start fresh. The tuned model is the
adapter: its own features are scored by X-CLIP's zero-shot classifier over the adapter's classes.
"""

from __future__ import annotations

import dataclasses
import math
import pickle
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from ..cache import atomic_write
from ..defaults import XCLIP_MODEL
from ..errors import InputError, VideoError
from ..features import Sampling, video_pixels
from ..options import TrainConfig
from ..text.labels import LabelSet
from ..text.prompts import clip_templates


class XClipAdapter:
    method = "xclip"

    def __init__(self, encoder):
        self.encoder = encoder

    def video_method(self, info, runtime, source: str):
        from ..methods.xclip import XClipMethod

        self.encoder.model.to(runtime.device)
        self.encoder.device, self.encoder.precision = runtime.device, runtime.precision
        return XClipMethod(self.encoder, runtime)

    def scorer(self, method, adapter):
        return method.classifier(adapter.info.classes, clip_templates(adapter.info.prompts)[1]).scores

    def state(self) -> dict:
        return {k: v.detach().cpu().float().numpy() for k, v in self.encoder.model.state_dict().items()}

    def write_extra(self, folder: Path) -> None:
        (folder / "xclip_config.json").write_text(self.encoder.model.config.to_json_string())
        self.encoder.tokenizer.save_pretrained(str(folder / "tokenizer"))

    @classmethod
    def from_state(cls, state: dict, directory: Path, info) -> "XClipAdapter":
        from transformers import CLIPTokenizer, XCLIPConfig, XCLIPModel

        from ..models.xclip import wrap
        from ..video.transforms import PixelSpec

        model = XCLIPModel(XCLIPConfig.from_json_file(str(directory / "xclip_config.json")))
        model.load_state_dict({k: torch.from_numpy(v) for k, v in state.items()})
        tokenizer = CLIPTokenizer.from_pretrained(str(directory / "tokenizer"))
        pixel = PixelSpec.from_dict(info.pixel)  # the geometry it was fine-tuned with
        return cls(wrap(f"adapter:{directory}", model.eval(), tokenizer, info.untrained_base, pixel))

    @classmethod
    def learn(cls, request, support, classes, cache=None, runtime=None, on_step=None, base=None):
        from ..runtime import Runtime

        from ..methods.xclip import XClipMethod
        from .base import Adapter, AdapterInfo

        prompt_name, templates = XClipMethod.templates(request.prompts)
        sampling = request.sampling
        name = request.model or XCLIP_MODEL
        encoder, copied = _starting_model(name, sampling.frames, request.seed, (runtime or Runtime()).resolve().device)
        if sampling.frames != encoder.num_frames:
            raise InputError(f"{name} integrates {encoder.num_frames} frames: use --frames {encoder.num_frames}")
        paths, targets, skipped = [], [], []
        for path, label in zip(support.paths, support.labels):
            try:  # decoded once here, so a clip that cannot be read is skipped as the other adapters skip it
                video_pixels(path, encoder.pixel, sampling)
                paths.append(path)
                targets.append(classes.ids.index(label))
            except VideoError as exc:
                skipped.append(str(exc))
        support.require_every_class([classes.ids[t] for t in targets], len(skipped))
        config = dataclasses.replace(request.train, seed=request.seed)
        history = train_xclip(encoder, paths, targets, classes, templates, sampling, config, request.checkpoint,
                              on_step=(lambda epoch, loss: on_step(epoch=epoch, loss=f"{loss:.3f}")) if on_step else None)
        pixel = encoder.pixel.as_dict()
        training = {**config.as_dict(), "support_clips": len(paths), "skipped_clips": len(skipped),
                    "loss_per_epoch": history, "initialised_from_clip_tensors": len(copied) if copied else None}
        info = AdapterInfo(cls.method, name, encoder.key, encoder.untrained, classes, sampling, prompt_name, training, pixel)
        return Adapter(info, cls(encoder)), skipped


def _starting_model(name: str, frames: int, seed: int, device: str):
    """(X-CLIP encoder, CLIP tensors copied into it or None): a published X-CLIP, or one made from a HF CLIP."""
    from ..models import xclip as xc
    from ..models.clip import load_clip

    if name.startswith("random:xclip") or "xclip" in name.lower():
        return xc.load_xclip(name, device=device), None
    clip = load_clip(name)
    if clip.backend != "hf":
        raise InputError(f"X-CLIP starts from a Hugging Face CLIP or X-CLIP model, not the open_clip '{name}'")
    model, copied = xc.xclip_from_clip(clip.model, num_frames=frames, seed=seed)
    return xc.wrap(name, model, clip.tokenizer, clip.untrained, clip.pixel, device=device), copied


def _state(model, optimizer, scheduler, epoch: int, rng: np.random.Generator) -> dict:
    return {"model": model.state_dict(), "optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict(),
            "epoch": epoch, "rng": rng.bit_generator.state, "torch_rng": torch.get_rng_state()}


def train_xclip(encoder, paths: list[str], targets: list[int], classes: LabelSet, templates: list[str],
                sampling: Sampling, config: TrainConfig, checkpoint: str | Path | None = None,
                on_step=None) -> list[float]:
    """Returns the mean loss per epoch. AdamW, linear warm-up then cosine decay, gradient accumulation, gradient
    clipping; with ``checkpoint`` the state is saved after every epoch and a run resumes from it. Deterministic
    on a CPU for a given seed. ``on_step(epoch, loss)`` after every batch."""
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
        try:  # tensors and plain values only: a file never runs code
            saved = torch.load(checkpoint, weights_only=True)
            model.load_state_dict(saved["model"])
            optimizer.load_state_dict(saved["optimizer"])
            scheduler.load_state_dict(saved["scheduler"])
            rng.bit_generator.state = saved["rng"]
            torch.set_rng_state(saved["torch_rng"])
        except (pickle.UnpicklingError, RuntimeError, KeyError, TypeError, ValueError, EOFError) as exc:
            cause = str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
            raise InputError(f"--checkpoint {checkpoint}: not an X-CLIP training checkpoint that can be read "
                             f"safely ({cause})") from None
        start, history = saved["epoch"] + 1, saved.get("history", [])
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
                logits = encoder.logits(video, patches, encoder.class_text(classes.texts, templates))
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
