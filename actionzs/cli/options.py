"""Options shared by several commands. Each decorator declares its options and hands the command one typed
object built from them (``sampling: Sampling``, ``captions: CaptionOptions``, ``cache: FeatureCache``, ...), so
commands never pass loose values or dicts along. Heavy imports happen only when a command runs."""

from __future__ import annotations

import dataclasses
import functools
import inspect
import sys
from dataclasses import dataclass

import click

from .. import defaults
from ..options import AGGREGATE, COMBINE, CaptionOptions, DescriptionConfig, MatchConfig, Sampling
from ..runtime import CPU_MAX_WORKERS, DECODERS, GPU_MAX_WORKERS, PRECISIONS, Runtime


#: the options of --method caption (caption_options below), refused with any other method
CAPTION_OPTIONS = ("captions", "captioner", "embedder", "corpus", "no_own_descriptions", "select", "min_words",
                   "max_sentences", "append_class_name", "include_class_name", "combine", "aggregate", "center")
SAMPLING_OPTIONS = ("frames", "clips", "crops", "stride")


def field_default(owner, name: str):
    """The default of the option type ``owner``'s field ``name``: the one place each default is stated, so the
    CLI shows and uses what the API uses."""
    found = {f.name: f for f in dataclasses.fields(owner)}[name]
    if found.default is not dataclasses.MISSING:
        return found.default
    if found.default_factory is not dataclasses.MISSING:
        return found.default_factory()
    raise KeyError(f"{owner.__name__}.{name} has no default")


def videos_given(arguments):
    """``video.inputs.VideoInputs`` of the VIDEO arguments; when none names a video, each says so and the exit
    code is 1, as for unreadable videos."""
    from ..errors import InputError
    from ..video.inputs import expand_videos

    found = expand_videos(arguments)
    if not found.paths and not found.errors:
        raise InputError("no videos given")
    if not found.paths:  # as when every named video is unreadable: each in its line, exit code 1
        from ..output import error

        for failure in found.errors:
            error(failure["error"])
        sys.exit(1)
    return found


class ConfiguredOption(click.Option):
    """An option whose value, when not given, comes from the user's settings (config file < environment, see
    ``user_config``): its help shows the value in effect and where it was set, read when the help is drawn
    (``setting=``: the settings key; ``applies=``: what it is for, when not every use)."""

    def __init__(self, *args, setting: str, applies: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.setting, self.applies = setting, applies

    def get_help_record(self, ctx):
        from ..user_config import in_effect

        record = super().get_help_record(ctx)
        root = ctx.find_root().obj if ctx is not None else None
        shown = in_effect(root, self.setting)
        if record is None or not shown:
            return record
        return record[0], f"{record[1]}  [in effect: {shown}{', ' + self.applies if self.applies else ''}]"


def given_options(names) -> list[str]:
    """Which of the option ``names`` the user set (on the command line or in the environment), as ``--name``."""
    context = click.get_current_context()
    default = (click.core.ParameterSource.DEFAULT, click.core.ParameterSource.DEFAULT_MAP)
    return ["--" + n.replace("_", "-") for n in names
            if n in context.params and context.get_parameter_source(n) not in default]


def bundle(target: str, build, *options):
    """Declare ``options`` and give the command ``target=build(**their values)``; ``build``'s parameter names are
    the options' names."""
    names = list(inspect.signature(build).parameters)

    def decorator(command):
        @functools.wraps(command)
        def wrapper(*args, **kwargs):
            kwargs[target] = build(**{name: kwargs.pop(name) for name in names})
            return command(*args, **kwargs)

        for option in reversed(options):
            wrapper = option(wrapper)
        return wrapper

    return decorator


def _sampling(frames, clips, crops, stride):
    return Sampling(frames=frames, clips=clips, crops=int(crops), stride=stride)


sampling_options = bundle(
    "sampling", _sampling,
    click.option("--frames", type=click.IntRange(1, 512), default=field_default(Sampling, "frames"), show_default=True,
                 help="Frames per view: one from each of N equal segments (TSN)."),
    click.option("--clips", type=click.IntRange(1, 64), default=field_default(Sampling, "clips"), show_default=True,
                 help="Temporal views (clips) per video."),
    click.option("--crops", type=click.Choice(["1", "3"]), default=str(field_default(Sampling, "crops")), show_default=True,
                 help="Spatial views: centre crop, or three crops along the long side."),
    click.option("--stride", type=click.IntRange(min=1), default=field_default(Sampling, "stride"), help="Dense clips with this frame stride (default: TSN segments)."),
)


def _cache(cache_dir, no_cache):
    """The run's one cache (features, label and sentence embeddings, the converted LLM), passed to every task as
    an object: --cache-dir, else the configured one ($ACTIONZS_CACHE, the config file's ``cache``), else
    ~/.cache/actionzs (``user_config.cache_root``)."""
    from ..cache import FeatureCache, require_writable
    from ..launch import require_shared_cache

    require_shared_cache(not no_cache)  # before any model loads: every process says it at once
    if cache_dir and no_cache:
        from ..output import warn

        warn(f"--cache-dir {cache_dir} is not used: --no-cache reads and writes no cache")
        cache_dir = None
    cache = FeatureCache(cache_dir, enabled=not no_cache)  # None: the configured folder
    if cache.enabled:
        require_writable(cache.root, "--cache-dir" if cache_dir else "cache folder (actionzs config)", directory=True)
    return cache


cache_options = bundle(
    "cache", _cache,
    click.option("--cache-dir", cls=ConfiguredOption, setting="cache", default=None,
                 help="Feature cache folder [default: ~/.cache/actionzs]."),
    click.option("--no-cache", is_flag=True, help="Neither read nor write cached features or text embeddings."),
)


def _captions(captions, captioner, embedder, corpus, no_own_descriptions, select, min_words, max_sentences,
              append_class_name, include_class_name, combine, aggregate, center):
    descriptions = DescriptionConfig(corpora=tuple(corpus), own=not no_own_descriptions, select=select,
                                     min_words=min_words, max_sentences=max_sentences,
                                     append_class_name=append_class_name, include_class_name=include_class_name)
    return CaptionOptions(tuple(captions), captioner, embedder, descriptions,
                          MatchConfig(combine=combine, aggregate=aggregate, center=center))


caption_options = bundle(
    "captions", _captions,
    click.option("--captions", multiple=True, type=click.Path(dir_okay=False),
                 help="[caption] ActivityNet-captions JSON of one observer; repeat for several."),
    click.option("--captioner", default=None,
                 help=f"[caption] without --captions, caption the videos now with this image-to-text model "
                      f"[default: {defaults.CAPTIONER}]."),
    click.option("--embedder", default=field_default(CaptionOptions, "embedder"), show_default=True,
                 help="[caption] sentence-transformers model name or path."),
    click.option("--corpus", multiple=True, type=click.Path(),
                 help="[caption] extra class descriptions: folder of <class>.txt, .json or .csv; repeatable."),
    click.option("--no-own-descriptions", is_flag=True, help="[caption] leave out actionzs's own descriptions."),
    click.option("--select/--no-select", default=field_default(DescriptionConfig, "select"), show_default=True,
                 help="[caption] keep only the --max-sentences sentences of --min-words words most like the class name."),
    click.option("--min-words", type=click.IntRange(min=0), default=field_default(DescriptionConfig, "min_words"),
                 show_default=True, help="[caption] shortest corpus sentence kept."),
    click.option("--max-sentences", type=click.IntRange(min=1), default=field_default(DescriptionConfig, "max_sentences"),
                 show_default=True, help="[caption] sentences kept per class and corpus."),
    click.option("--append-class-name", is_flag=True, help="[caption] append the class name to each sentence (the paper)."),
    click.option("--include-class-name", is_flag=True,
                 help="[caption] use each label's text as one more description (needed when a label has none)."),
    click.option("--combine", type=click.Choice(COMBINE), default=field_default(MatchConfig, "combine"), show_default=True,
                 help="[caption] average the observers' caption embeddings, or join their captions into one text (the paper)."),
    click.option("--aggregate", type=click.Choice(AGGREGATE), default=field_default(MatchConfig, "aggregate"),
                 show_default=True, help="[caption] class score from its sentences: centroid, mean, nearest (the paper), k-NN vote."),
    click.option("--center/--no-center", default=field_default(MatchConfig, "center"), show_default=True,
                 help="[caption] subtract the mean caption embedding of all captioned videos (unlabelled)."),
)


@dataclass(frozen=True)
class Output:
    """Where results go and in which format: table, json or csv (the --out file's extension decides too)."""

    format: str
    path: str | None

    def finish(self, text: str, warnings, errors: list[dict]) -> None:
        """Warnings and per-video errors on stderr, the results out, exit code 1 when some inputs failed."""
        from ..output import emit, error, warn

        for warning in warnings:
            warn(warning)
        for failure in errors:
            error(failure["error"])
        emit(text, self.path)
        if errors:
            sys.exit(1)


def _output(as_json, as_csv, out):
    from ..cache import require_writable
    from ..output import output_format

    if out:
        require_writable(out, "--out")
    return Output(output_format(as_json, as_csv, out), out)


def _output_no_csv(as_json, out):
    return _output(as_json, False, out)


json_flag = click.option("--json", "as_json", is_flag=True, help="Machine-readable JSON.")
_out = click.option("-o", "--out", default=None, help="Write the output to this file (atomically) instead of stdout.")
output_options = bundle("output", _output, json_flag,
                        click.option("--csv", "as_csv", is_flag=True, help="One row per (video, rank)."), _out)
json_output_options = bundle("output", _output_no_csv, json_flag, _out)

def _runtime(device, precision, batch_size, workers, decoder, decode_device):
    """Checked here; resolved (``Runtime.resolve``: torch asked for the device) by the command as its work starts,
    so that listings and usage errors answer without loading torch."""
    return Runtime(device, precision, batch_size, workers, decoder, decode_device)  # an absent device fails here, before any work


def _device_only(device):
    return _runtime(device, field_default(Runtime, "precision"), None, None, field_default(Runtime, "decoder"),
                    field_default(Runtime, "decode_device"))


_device = click.option("--device", cls=ConfiguredOption, setting="device", default=field_default(Runtime, "device"),
                       metavar="auto|cpu|cuda[:N]|mps",
                       help="Where models run; auto: the first CUDA GPU, else Apple's MPS, else the CPU [default: auto].")
runtime_options = bundle(
    "runtime", _runtime, _device,
    click.option("--precision", cls=ConfiguredOption, setting="precision", type=click.Choice(PRECISIONS),
                 default=field_default(Runtime, "precision"),
                 help="Video encoding precision; auto: bf16 or fp16 autocast on GPUs, fp32 on CPUs without AMX "
                      "(where bf16 is slower). Text embeddings are always fp32 [default: auto]."),
    click.option("--batch-size", cls=ConfiguredOption, setting="batch_size", type=click.IntRange(min=1),
                 default=field_default(Runtime, "batch_size"),
                 help=f"Frames per encoder call; frames of several videos share a call [default: "
                      f"{defaults.BATCH_SIZE['cpu']} on CPUs, {defaults.BATCH_SIZE['gpu']} on GPUs]."),
    click.option("--workers", cls=ConfiguredOption, setting="workers", type=click.IntRange(min=0),
                 default=field_default(Runtime, "workers"),
                 help=f"Video-decoding processes beside the model [default: one per spare core, at most "
                      f"{CPU_MAX_WORKERS} when the model runs on the CPU, {GPU_MAX_WORKERS} on a GPU; 0: decode in the "
                      f"main process]."),
    click.option("--decoder", type=click.Choice(DECODERS), default=field_default(Runtime, "decoder"), show_default=True,
                 help="Video decoding library; auto: decord, else torchcodec (an optional extra), where they read "
                      "the file; PyAV otherwise."),
    click.option("--decode-device", default=field_default(Runtime, "decode_device"), show_default=True,
                 metavar="cpu|cuda[:N]", help="Where videos are decoded: cuda decodes with NVDEC through torchcodec."),
)
device_options = bundle("runtime", _device_only, _device)
prompts_option = click.option("--prompts", default=None,
                              help="Prompt ensemble from prompts/clip.yaml (classname, single, video, ...) or a YAML file.")
