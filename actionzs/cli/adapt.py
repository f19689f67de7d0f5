"""``actionzs adapt``."""

from __future__ import annotations

import click

from .. import defaults
from ..adapters import ADAPTERS
from . import completion
from ..options import STAGES, SCHEDULES, AdaptRequest, CurriculumOptions, TrainConfig
from .options import (ConfiguredOption, bundle, cache_options, field_default, json_flag, prompts_option,
                      runtime_options, sampling_options)

_CURRICULUM = CurriculumOptions()


def _train(epochs, train_batch_size, accumulate, lr):
    given = {k: v for k, v in (("batch_size", train_batch_size), ("lr", lr)) if v is not None}
    return TrainConfig(epochs=epochs, accumulate=accumulate, **given)


def _curriculum(source, target_unlabelled, stage, work_dir, backbone, resume, max_steps, size, schedule, mask_ratio,
                save_every):
    return CurriculumOptions(source=source, target=target_unlabelled, stage=stage, work_dir=work_dir, backbone=backbone,
                             resume=resume, max_steps=max_steps, size=size, schedule=schedule, mask_ratio=mask_ratio,
                             save_every=save_every)


train_options = bundle(
    "train", _train,
    click.option("--epochs", type=click.IntRange(min=1), default=field_default(TrainConfig, "epochs"), show_default=True,
                 help="[xclip] training epochs."),
    click.option("--train-batch-size", type=click.IntRange(min=1), default=None,
                 help=f"[xclip, curriculum] clips per training step, over all processes [default: "
                      f"{field_default(TrainConfig, 'batch_size')} for xclip, {_CURRICULUM.batch_size} for curriculum] "
                      f"(--batch-size is frames per encoder call when embedding)."),
    click.option("--accumulate", type=click.IntRange(min=1), default=field_default(TrainConfig, "accumulate"),
                 show_default=True,
                 help="[xclip, curriculum] micro-batches of gradient accumulation per optimiser step."),
    click.option("--lr", type=click.FloatRange(min=0, min_open=True), default=None,
                 help=f"[xclip, curriculum] AdamW peak learning rate, cosine decay after warm-up [default: xclip "
                      f"{field_default(TrainConfig, 'lr'):g}; curriculum 1.5e-4 pre-training, 5e-5 curriculum]."),
)

curriculum_options = bundle(
    "curriculum", _curriculum,
    click.option("--source", type=click.Path(), default=None,
                 help="[curriculum] labelled source-domain clips: class folders or a 'path label' list."),
    click.option("--target-unlabelled", type=click.Path(), default=None,
                 help="[curriculum] unlabelled target-domain clips: a folder (searched recursively) or a list."),
    click.option("--stage", type=click.Choice(STAGES), default=_CURRICULUM.stage, show_default=True,
                 help="[curriculum] which stage to run; 'all' runs pretrain, curriculum, then fits the head on SUPPORT. "
                      "A stage whose output exists is skipped."),
    click.option("--work-dir", type=click.Path(), default=None,
                 help="[curriculum] stage outputs (<stage>/model), checkpoints, logs and loss curves [default: <out>-stages]."),
    click.option("--backbone", default=_CURRICULUM.backbone, show_default=True,
                 help="[curriculum] VideoMAE to start from: videomae-small (the paper's ViT-S, fresh), a Hugging Face "
                      "name (MCG-NJU/videomae-base) or a folder (a stage's output, which skips the stages behind it)."),
    click.option("--resume", is_flag=True, help="[curriculum] continue a stopped stage from its last checkpoint."),
    click.option("--max-steps", type=click.IntRange(min=1), default=_CURRICULUM.max_steps, show_default=True,
                 help="[curriculum] optimiser steps per training stage."),
    click.option("--size", type=click.IntRange(min=16), default=None,
                 help="[curriculum] frame size in pixels [default: the backbone's, 112 for videomae-small]."),
    click.option("--schedule", type=click.Choice(SCHEDULES), default=_CURRICULUM.schedule, show_default=True,
                 help="[curriculum] weight of the target term over training (arctan: the paper's)."),
    click.option("--mask-ratio", type=click.FloatRange(0, 1, min_open=True, max_open=True), default=_CURRICULUM.mask_ratio,
                 show_default=True, help="[curriculum] share of patch tubes hidden in pre-training."),
    click.option("--save-every", type=click.IntRange(min=1), default=_CURRICULUM.save_every, show_default=True,
                 help="[curriculum] optimiser steps between checkpoints."),
)


@click.command()
@click.argument("support", type=click.Path(exists=False), required=False)
@click.option("-o", "--out", required=True, help="Adapter directory to write (adapter.yaml + weights.safetensors).")
@click.option("--method", type=click.Choice(list(ADAPTERS)), default=field_default(AdaptRequest, "method"), show_default=True,
              help=ADAPTERS.help())
@click.option("-l", "--labels", default=None, help="Label set the support classes belong to [default: the folder names].")
@click.option("-m", "--model", cls=ConfiguredOption, setting="model", applies="for --method clip", default=None, shell_complete=completion.models,
              help=f"Base model [default: the method's, {defaults.CLIP_MODEL} or {defaults.XCLIP_MODEL}].")
@prompts_option
@sampling_options
@click.option("--shots", type=click.IntRange(min=1), default=None, help="Draw K clips per class from the support set (K-shot).")
@click.option("--seed", type=click.IntRange(min=0), default=field_default(AdaptRequest, "seed"), show_default=True, help="Seed for --shots, cross-validation and training.")
@train_options
@click.option("--checkpoint", default=None,
              help="[xclip] a folder: training state is saved there after each epoch, and a run resumes from it "
                   "when it was made with the same settings and clips.")
@click.option("--restart", is_flag=True,
              help="[xclip, curriculum] train anew where --checkpoint or --work-dir holds another run's work "
                   "(without it, such work is refused, naming what differs).")
@curriculum_options
@runtime_options
@cache_options
@json_flag
def adapt(support, out, method, labels, model, prompts, sampling, shots, seed, train, checkpoint, restart, curriculum,
          runtime, cache, as_json):
    """Learn from a few labelled clips (SUPPORT) and write an adapter for predict and eval.

    SUPPORT is a folder of class-named subfolders of clips, or a list file of 'path label' lines.

    The curriculum method (cross-domain, CDFSL-V) also learns from labelled --source clips and unlabelled
    --target-unlabelled clips first; its training runs on accelerate, so `accelerate launch -m actionzs adapt ...`
    spreads it over GPUs or nodes.

    \b
    Examples:
      actionzs adapt support/ -o my_adapter
      actionzs adapt ucf_train.txt --labels ucf101 --shots 4 --method linear -o ucf_4shot
      actionzs adapt support/ --method curriculum --source kinetics/ --target-unlabelled surgery/ -o surgery_5shot
      actionzs predict clip.mp4 --adapter my_adapter
    """
    import dataclasses

    from ..api import adapt as run
    from ..models.tiny import UNTRAINED_WARNING
    from ..console import progress
    from ..output import emit, render_adapted, render_stages, warn

    context = click.get_current_context()
    given = {name for name in context.params if context.get_parameter_source(name) != click.core.ParameterSource.DEFAULT}
    curriculum_only = given & {"source", "target_unlabelled", "stage", "work_dir", "backbone", "resume", "max_steps",
                               "size", "schedule", "mask_ratio", "save_every"}
    if method != "curriculum" and curriculum_only:
        raise click.UsageError(f"--{sorted(curriculum_only)[0].replace('_', '-')} is a --method curriculum option")
    if method == "curriculum":
        if "model" in given:
            raise click.UsageError("--method curriculum starts from --backbone, not -m/--model")
        if given & {"epochs", "checkpoint", "prompts"}:
            option = sorted(given & {"epochs", "checkpoint", "prompts"})[0]
            raise click.UsageError(f"--{option} does not apply to --method curriculum (it trains for --max-steps "
                                   f"steps, checkpoints in --work-dir, and has no text side)")
        curriculum = dataclasses.replace(curriculum, frames=sampling.frames if "frames" in given else None,
                                         batch_size=train.batch_size if "train_batch_size" in given else _CURRICULUM.batch_size,
                                         accumulate=train.accumulate,
                                         lr=train.lr if "lr" in given else None)
    runtime = runtime.resolve()
    runtime.start_workers()
    request = AdaptRequest(method=method, model=model, prompts=prompts, sampling=sampling, shots=shots, seed=seed,
                           train=train, checkpoint=checkpoint, restart=restart, curriculum=curriculum)
    with progress("steps") as bar:
        def on_step(**status):
            bar.update(1)
            if status:
                bar.set_postfix(status)

        result = run(support, out, request, labels=labels, cache=cache, runtime=runtime, on_step=on_step)
    if not hasattr(result, "info"):  # the curriculum's training stages alone
        if result.backbone is not None:
            if result.untrained:
                warn(UNTRAINED_WARNING)
            emit(render_stages(result, as_json))
        return
    for error in result.skipped:
        warn(f"skipped {error}")
    if result.info.untrained_base:
        warn(UNTRAINED_WARNING)
    made = None
    if as_json:
        from ..provenance import provenance

        made = provenance([support, curriculum.source, curriculum.target], {"seed": seed})
    emit(render_adapted(result, as_json, made))  # under a launcher: the main process alone
