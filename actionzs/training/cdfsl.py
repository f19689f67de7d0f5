"""The two training stages of CDFSL-V (``adapters.curriculum`` runs them): masked video modelling on source and
target clips, then the source-to-target curriculum with an EMA teacher. Each is a micro-batch loss handed to
the one ``Trainer``; its output is a Hugging Face folder ``<stage folder>/model`` written once training ends."""

from __future__ import annotations

import copy
import shutil
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from ..errors import InputError
from .data import ClipShape, TrainClips, clip_loader
from .identity import write_identity
from .log import write_log
from .objectives import WEIGHT_SCHEDULES, ema_update, sharpened_consistency, tube_mask
from .trainer import Trainer, accelerator_for
from ..options import TrainSettings


@dataclass(frozen=True)
class Domains:
    """The clips a stage trains on: labelled source clips (labels index ``source_classes`` classes) and
    unlabelled target clips."""

    source: list[str]
    source_labels: list[int]
    source_classes: int
    target: list[str]


def stage_identity(stage: str, backbone: str, opts, seed: int, domains: Domains) -> dict:
    """What makes a stage's output: its backbone, settings, seed and the digests of its source and target clips."""
    from .identity import data_digest

    return {"stage": stage, "backbone": backbone, "max_steps": opts.max_steps, "lr": opts.lr or LEARNING_RATES[stage],
            "accumulate": opts.accumulate, "frames": opts.frames, "size": opts.size, "seed": seed,
            **_stage_settings(stage, opts), "source": data_digest(domains.source, domains.source_labels),
            "target": data_digest(domains.target)}


def run(stage: str, backbone: str, folder, opts, seed: int, domains, runtime, on_step=None,
        restart: bool = False) -> None:
    """Train ``stage`` from ``backbone`` on ``domains`` (``Domains``: labelled source, unlabelled target clips,
    read by the caller); the main process writes ``folder/model``, which every process finds there when this
    returns. ``opts``: options.CurriculumOptions."""
    from ..models.videomae import IMAGENET_MEAN, IMAGENET_STD, load_backbone

    source_paths, source_labels = _readable(domains.source, domains.source_labels, "--source")
    target_paths, _ = _readable(domains.target, [-1] * len(domains.target), "--target-unlabelled")
    kind = "pretraining" if stage == "pretrain" else "classification"
    model = load_backbone(backbone, kind, frames=opts.frames, size=opts.size, num_labels=domains.source_classes
                          if stage == "curriculum" else None, seed=seed)
    config = model.config
    shape = ClipShape(config.num_frames, config.image_size, IMAGENET_MEAN, IMAGENET_STD)
    settings = TrainSettings(max_steps=opts.max_steps, lr=opts.lr or LEARNING_RATES[stage], accumulate=opts.accumulate,
                             save_every=opts.save_every, seed=seed)
    accelerator = accelerator_for(runtime.device, runtime.precision)
    identity = stage_identity(stage, backbone, opts, seed, domains)
    trainer = Trainer(folder, settings, accelerator, identity)
    if restart:  # another run's output and checkpoints go; clear() waits for every process
        if accelerator.is_main_process:
            shutil.rmtree(folder / "model", ignore_errors=True)
        trainer.clear()
    rank, world, workers = accelerator.process_index, accelerator.num_processes, runtime.workers
    micro_batches = opts.max_steps * opts.accumulate

    def loader(clips, first):
        return clip_loader(clips, opts.batch_size, first, micro_batches, workers, rank, world)

    def report(record):
        if on_step:
            on_step(stage=stage, step=record["step"], **{k: f"{v:.3f}" for k, v in record.items() if k.endswith("loss")})

    if stage == "pretrain":
        clips = TrainClips(source_paths + target_paths, [-1] * (len(source_paths) + len(target_paths)), shape,
                           ("weak",), seed, stream=1, what="--source and --target-unlabelled")
        history = trainer.fit(model.model, _masked_modelling(config, opts.mask_ratio), lambda first: loader(clips, first),
                              resume=opts.resume, on_step=report)
    else:
        src = TrainClips(source_paths, source_labels, shape, ("weak",), seed, stream=2, what="--source")
        tgt = TrainClips(target_paths, [-1] * len(target_paths), shape, ("weak", "strong"), seed, stream=3,
                         what="--target-unlabelled")
        teacher = frozen_copy(model.model).to(accelerator.device)
        schedule = WEIGHT_SCHEDULES[opts.schedule]

        def micro_loss(student, batch, progress):
            with accelerator.autocast():
                return curriculum_loss(student, teacher, batch, schedule(progress), opts.temperature)

        history = trainer.fit(model.model, micro_loss,
                              lambda first: ({"source": s, "target": t} for s, t in zip(loader(src, first), loader(tgt, first))),
                              extras={"teacher": teacher}, after_step=lambda student, _: ema_update(teacher, student, opts.ema),
                              resume=opts.resume, on_step=report)
    if accelerator.is_main_process:
        model.model = accelerator.unwrap_model(model.model).cpu()
        model.save(folder / "model.partial", model.stages + [stage])
        write_log(folder, stage, {**settings.as_dict(), **_stage_settings(stage, opts), "backbone": backbone,
                                  "processes": world, "source_clips": len(source_paths),
                                  "target_clips": len(target_paths)}, history)
        write_identity(folder, identity)
        (folder / "model.partial").rename(folder / "model")
        shutil.rmtree(trainer.checkpoints, ignore_errors=True)  # the stage is done: its output replaces them
    accelerator.wait_for_everyone()  # every process goes on from the written output


LEARNING_RATES = {"pretrain": 1.5e-4, "curriculum": 5e-5}


def _stage_settings(stage: str, opts) -> dict:
    if stage == "pretrain":
        return {"mask_ratio": opts.mask_ratio, "batch_size": opts.batch_size}
    return {"schedule": opts.schedule, "temperature": opts.temperature, "ema": opts.ema,
            "batch_size": opts.batch_size}


def _masked_modelling(config, ratio: float):
    """VideoMAE's loss on one micro-batch: tube masks from each clip's own seed, pixels of the hidden patches."""
    from ..models.videomae import num_patches

    tubelets, patches = num_patches(config)
    if not 0 < int(ratio * patches) < patches:
        raise InputError(f"--mask-ratio {ratio} hides {int(ratio * patches)} of the {patches} patches of a frame: "
                         f"it must hide some and keep some")

    def micro_loss(model, batch, progress):
        masks = torch.stack([tube_mask(tubelets, patches, ratio, torch.Generator().manual_seed(int(seed)))
                             for seed in batch["seed"]]).to(batch["weak"].device)
        return model(pixel_values=batch["weak"], bool_masked_pos=masks).loss, {}

    return micro_loss


def curriculum_loss(student, teacher, batch, weight: float, temperature: float):
    """(loss, logs) of one curriculum micro-batch: (1 - w) x source cross-entropy + w x target consistency.
    The student sees the source clips and the target's strong views in one forward (one call per micro-batch,
    as DDP expects)."""
    source_pixels = batch["source"]["weak"]
    logits = student(pixel_values=torch.cat([source_pixels, batch["target"]["strong"]])).logits
    source = F.cross_entropy(logits[: len(source_pixels)], batch["source"]["label"])
    with torch.no_grad():
        teacher_logits = teacher(pixel_values=batch["target"]["weak"]).logits
    target = sharpened_consistency(logits[len(source_pixels):], teacher_logits, temperature)
    return (1 - weight) * source + weight * target, {"source_loss": source, "target_loss": target,
                                                      "target_weight": weight}


def frozen_copy(model: torch.nn.Module) -> torch.nn.Module:
    """The EMA teacher: a copy of the student that no optimiser touches."""
    teacher = copy.deepcopy(model)
    for p in teacher.parameters():
        p.requires_grad_(False)
    return teacher.eval()


def _readable(paths: list[str], labels: list[int], option: str) -> tuple[list[str], list[int]]:
    """The clips whose first frame decodes (a clip failing later is replaced in its batch by the next one)."""
    from ..errors import VideoError
    from ..video import open_video

    kept = []
    for path, label in zip(paths, labels):
        try:
            with open_video(path) as video:
                video.frames([0])
            kept.append((path, label))
        except VideoError:
            continue
    if not kept:
        raise InputError(f"{option}: none of its {len(paths)} clip(s) can be read")
    return [p for p, _ in kept], [l for _, l in kept]
