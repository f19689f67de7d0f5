"""``xclip``: fine-tune every X-CLIP parameter on the support clips, with cross-entropy over the class texts.

It starts from a published X-CLIP checkpoint, or from a Hugging Face CLIP (name, folder or random:hf-clip-tiny)
whose weights are copied into X-CLIP's encoders while the X-CLIP parts start fresh. The tuned model is the
adapter: its own features are scored by X-CLIP's zero-shot classifier over the adapter's classes.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from ..defaults import XCLIP_MODEL
from ..errors import InputError, VideoError
from ..options import Sampling, TrainConfig
from ..features import video_pixels
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

        try:
            model = XCLIPModel(XCLIPConfig.from_json_file(str(directory / "xclip_config.json")))
        except (OSError, ValueError, TypeError) as exc:
            raise InputError(f"{directory / 'xclip_config.json'}: not a readable X-CLIP configuration "
                             f"({type(exc).__name__}); make the adapter again with `actionzs adapt`") from None
        model.load_state_dict({k: torch.from_numpy(v) for k, v in state.items()})
        if not (directory / "tokenizer").is_dir():
            raise InputError(f"{directory}: its tokenizer/ folder is missing (an X-CLIP adapter keeps its tokenizer "
                             f"there); make the adapter again with `actionzs adapt`")
        try:
            tokenizer = CLIPTokenizer.from_pretrained(str(directory / "tokenizer"))
        except (OSError, ValueError) as exc:
            raise InputError(f"{directory / 'tokenizer'}: not a readable tokenizer ({type(exc).__name__})") from None
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
        workers = (runtime or Runtime()).resolve().workers
        history = train_xclip(encoder, paths, targets, classes, templates, sampling, config, request.checkpoint,
                              workers=workers, restart=request.restart,
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


class _XClipLoss(torch.nn.Module):
    """X-CLIP's cross-entropy over the class texts as one forward, so that the trainer (and DDP across processes)
    sees a single call per micro-batch."""

    def __init__(self, encoder, classes: LabelSet, templates: list[str]):
        super().__init__()
        self.model = encoder.model
        self.encoder, self.texts, self.templates = encoder, classes.texts, templates

    def forward(self, pixels: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        video, patches = self.encoder.video_parts(pixels)
        logits = self.encoder.logits(video, patches, self.encoder.class_text(self.texts, self.templates))
        return F.cross_entropy(logits.float(), labels)


def _decode_for_training(path: str, seed: int, pixel, sampling: Sampling) -> torch.Tensor:
    """One clip with random TSN offsets drawn from ``seed``: ``[T, 3, S, S]``."""
    return video_pixels(path, pixel, sampling, rng=np.random.default_rng(seed))[0]


def train_xclip(encoder, paths: list[str], targets: list[int], classes: LabelSet, templates: list[str],
                sampling: Sampling, config: TrainConfig, checkpoint: str | Path | None = None,
                on_step=None, workers: int = 0, restart: bool = False) -> list[float]:
    """Returns the mean loss per epoch. Runs on the product's one trainer (``training.trainer``: AdamW, warm-up
    then cosine decay, accumulation, clipping, accelerate); with ``checkpoint`` (a folder) the state is saved
    after every epoch and a run resumes from it, only when it was made with the same settings, base model,
    classes, prompts, sampling and support clips (``restart``: train anew there). Deterministic on a CPU for a
    given seed.
    ``on_step(epoch, loss)`` after every optimiser step."""
    import functools

    from ..training.data import DecodedClips, clip_loader
    from ..training.identity import data_digest
    from ..training.trainer import Trainer, accelerator_for
    from ..options import TrainSettings

    if sampling.clips != 1 or sampling.crops != 1:
        raise InputError("X-CLIP fine-tuning samples one clip per video: use --clips 1 --crops 1")
    if checkpoint is not None and Path(checkpoint).is_file():
        raise InputError(f"--checkpoint {checkpoint}: is a file; X-CLIP training checkpoints are folders "
                         f"(accelerate's state), written and resumed by --checkpoint DIR")
    per_epoch = math.ceil(len(paths) / (config.batch_size * config.accumulate))
    settings = TrainSettings(max_steps=per_epoch * config.epochs, lr=config.lr, weight_decay=config.weight_decay,
                             warmup_ratio=config.warmup_ratio, accumulate=config.accumulate,
                             max_grad_norm=config.max_grad_norm, save_every=per_epoch, seed=config.seed)
    accelerator = accelerator_for(encoder.device, "bf16" if config.amp else "fp32")
    identity = {"method": "xclip", "base_model": encoder.key, "classes": list(classes.ids), "templates": templates,
                "sampling": sampling.as_dict(), "amp": config.amp, "support": data_digest(paths, targets)}
    trainer = Trainer(checkpoint, settings, accelerator, identity)
    if restart:
        trainer.clear()
    clips = DecodedClips(paths, targets, functools.partial(_decode_for_training, pixel=encoder.pixel,
                                                           sampling=sampling), config.seed, stream=0)
    loss = _XClipLoss(encoder, classes, templates)
    rank, world = accelerator.process_index, accelerator.num_processes

    def batches(first):
        return clip_loader(clips, config.batch_size, first, settings.max_steps * config.accumulate, workers, rank, world)

    history = trainer.fit(loss, lambda model, batch, _: (model(batch["pixels"], batch["label"]), {}), batches,
                          resume=True,
                          on_step=(lambda r: on_step((r["step"] - 1) // per_epoch, r["loss"])) if on_step else None)
    encoder.model = accelerator.unwrap_model(loss).model.eval()
    return [float(np.mean([r["loss"] for r in history[e * per_epoch:(e + 1) * per_epoch]])) for e in range(config.epochs)]
