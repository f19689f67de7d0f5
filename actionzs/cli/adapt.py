"""``actionzs adapt``."""

from __future__ import annotations

import click

from .. import defaults
from ..adapters import ADAPTERS
from .options import bundle, cache_options, json_flag, prompts_option, runtime_options, sampling_options


def _train(epochs, train_batch_size, accumulate, lr):
    from ..options import TrainConfig

    return TrainConfig(epochs=epochs, batch_size=train_batch_size, accumulate=accumulate, lr=lr)


train_options = bundle(
    "train", _train,
    click.option("--epochs", type=click.IntRange(min=1), default=10, show_default=True, help="[xclip] training epochs."),
    click.option("--train-batch-size", type=click.IntRange(min=1), default=4, show_default=True,
                 help="[xclip] clips per training step (--batch-size is frames per encoder call when embedding)."),
    click.option("--accumulate", type=click.IntRange(min=1), default=1, show_default=True, help="[xclip] steps of gradient accumulation."),
    click.option("--lr", type=click.FloatRange(min=0, min_open=True), default=2e-6, show_default=True, help="[xclip] AdamW learning rate (cosine decay after warm-up)."),
)


@click.command()
@click.argument("support", type=click.Path(exists=False))
@click.option("-o", "--out", required=True, help="Adapter directory to write (adapter.yaml + weights.safetensors).")
@click.option("--method", type=click.Choice(list(ADAPTERS)), default=defaults.ADAPTER, show_default=True,
              help=ADAPTERS.help())
@click.option("-l", "--labels", default=None, help="Label set the support classes belong to [default: the folder names].")
@click.option("-m", "--model", default=None,
              help=f"Base model [default: the method's, {defaults.CLIP_MODEL} or {defaults.XCLIP_MODEL}].")
@prompts_option
@sampling_options
@click.option("--shots", type=click.IntRange(min=1), default=None, help="Draw K clips per class from the support set (K-shot).")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True, help="Seed for --shots, cross-validation and training.")
@train_options
@click.option("--checkpoint", default=None, help="[xclip] save training state here after each epoch; resume from it.")
@runtime_options
@cache_options
@json_flag
def adapt(support, out, method, labels, model, prompts, sampling, shots, seed, train, checkpoint, runtime, cache,
          as_json):
    """Learn from a few labelled clips (SUPPORT) and write an adapter for predict and eval.

    SUPPORT is a folder of class-named subfolders of clips, or a list file of 'path label' lines.

    \b
    Examples:
      actionzs adapt support/ -o my_adapter
      actionzs adapt ucf_train.txt --labels ucf101 --shots 4 --method linear -o ucf_4shot
      actionzs predict clip.mp4 --adapter my_adapter
    """
    from ..api import AdaptRequest, adapt as run
    from ..models.tiny import UNTRAINED_WARNING
    from ..output import progress, render_adapted, warn

    request = AdaptRequest(method=method, model=model, prompts=prompts, sampling=sampling, shots=shots, seed=seed,
                           train=train, checkpoint=checkpoint)
    with progress("steps") as bar:
        def on_step(**status):
            bar.update(1)
            if status:
                bar.set_postfix(status)

        result = run(support, out, request, labels=labels, cache=cache, runtime=runtime, on_step=on_step)
    for error in result.skipped:
        warn(f"skipped {error}")
    if result.info.untrained_base:
        warn(UNTRAINED_WARNING)
    click.echo(render_adapted(result, as_json), nl=False)
