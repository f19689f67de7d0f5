"""``anticipate``: the next actions after a video (or after actions given as text), from a language model."""

from __future__ import annotations

from ..defaults import CAPTIONER, EMBEDDER, LLM
from ..runtime import Runtime
from ..errors import InputError
from ..anticipation.report import AnticipationReport
from ..options import Recognition


def anticipate(video=None, *, vocab, observed: str | None = None, pool=None, llm: str = LLM,
               recognition: Recognition = Recognition(), settings=None, embedder: str = EMBEDDER,
               runtime: Runtime = Runtime(), cache=None) -> AnticipationReport:
    """Recognise the observed actions (or take them as text), pick in-context examples from ``pool``, prompt the LLM.

    ``recognition`` says how a video's segments are named (CLIP over the vocabulary, or captions matched to it);
    ``settings`` (LLMSettings) how examples are chosen and how the LLM answers."""
    from ..anticipation.baselines import ActionBigram
    from ..anticipation.candidates import candidate_futures
    from ..anticipation.data import Vocabulary, format_actions, read_windows
    from ..anticipation.icl import ExamplePool
    from ..anticipation.llm_method import LLMAnticipator
    from ..options import LLMSettings
    from ..models.embedder import load_embedder
    from ..models.llm import load_llm
    from ..provenance import provenance

    if recognition.method not in ("clip", "caption"):
        raise InputError(f"recognise must be 'clip' or 'caption', got {recognition.method!r}")
    settings = settings or LLMSettings()
    vocabulary = Vocabulary.from_file(vocab)
    parts, untrained, notes = [], False, []
    if observed:
        actions = vocabulary.parse(observed, notes=notes)
        if not actions:
            raise InputError(f"no action of the vocabulary in --observed {observed!r}")
    elif video is not None:
        from ..video.memory import as_source

        video = as_source(video)  # a path, or Frames in memory
        parts, untrained = _recognise(video, vocabulary, recognition, embedder, runtime.resolve(), cache)
        actions = [p.action for p in parts]
    else:
        raise InputError("give a VIDEO or --observed 'verb noun, verb noun, ...'")
    examples, nearest, bigram = [], [], None
    if pool:
        windows = read_windows(pool, vocabulary)
        sentence_model = load_embedder(embedder, cache)
        index = ExamplePool(windows, sentence_model.encode([format_actions(w.observed) for w in windows]))
        query = sentence_model.encode([format_actions(actions)])[0]
        examples = index.select(query, settings.examples, settings.fetch, settings.lam)
        nearest, bigram = index.nearest(query, settings.candidates), ActionBigram(windows)
    candidates = (candidate_futures(actions, nearest, bigram, settings.z, settings.k)
                  if settings.decoding == "rank" else None)
    language_model, tokenizer = load_llm(llm, runtime.resolve().device, cache)
    captions = [p.caption for p in parts] if recognition.describe and parts else None
    sequences = LLMAnticipator(language_model, tokenizer, vocabulary, settings).predict(
        actions, examples, candidates, captions=captions)
    return AnticipationReport.model_validate({
        "video": str(video) if video else None, "observed": [list(a) for a in actions],
        "segments": [p.as_dict() for p in parts], "recognised_by": recognition.method if parts else None,
        "examples": len(examples), "llm": llm, "decoding": "rank" if candidates else "generate",
        "untrained_recognition": untrained, "warnings": [f"--observed: {n}" for n in notes],
        "settings": settings.as_dict(), "provenance": provenance([video, vocab, pool], {"seed": settings.seed}),
        "future": [[list(a) for a in seq] for seq in sequences]})


def _recognise(video, vocabulary, recognition: Recognition, embedder: str, runtime: Runtime, cache=None):
    """(segments with their actions, whether an UNTRAINED model named them)."""
    from ..anticipation.recognise import caption_segments, recognise_with_captions, recognise_with_method, split_video
    from ..models.captioner import load_captioner
    from ..methods import METHODS
    from ..models.embedder import load_embedder

    parts, untrained = split_video(video, recognition.segments, recognition.start, recognition.end), False
    if recognition.method == "caption" or recognition.describe:
        captioner = load_captioner(recognition.captioner or CAPTIONER, device=runtime.device)
        caption_segments(video, parts, captioner)
        untrained |= captioner.untrained
    if recognition.method == "clip":
        method = METHODS.load("clip").load(recognition.model, runtime)
        recognise_with_method(video, parts, vocabulary, method, cache)
        untrained |= method.untrained
    else:
        recognise_with_captions(parts, vocabulary, load_embedder(embedder, cache))
    return parts, untrained
