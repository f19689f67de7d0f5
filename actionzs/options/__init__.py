"""Every option and request type, as leaves: these modules import nothing of the package but ``defaults`` and
``errors``, so any layer (video, features, methods, adapters, training, tasks, cli) imports them downward, as
transformers keeps its configuration modules. Each default is stated here once; the CLI reads its option
defaults and choices from these fields (``cli.options.field_default``), and a test compares them.

``media``: sampling, caption matching and descriptions, long-video windows, the predict request;
``training``: optimisation, X-CLIP fine-tuning, the curriculum, the adapt request;
``evaluation``: the eval request, the LLM's settings, anticipation.
"""

from .evaluation import (CALIBRATIONS, DECODINGS, HISTORIES, RECOGNISERS, AnticipationOptions, EvalRequest, LLMSettings,
                         Recognition)
from .media import (AGGREGATE, COMBINE, CROPS, MAX_FRAMES_PER_VIDEO, SMOOTHING, CaptionOptions, CaptionRequest,
                    DescriptionConfig,
                    MatchConfig, PredictRequest, Sampling, Windowing, check_choice, check_smoothing)
from .training import SCHEDULES, STAGES, AdaptRequest, CurriculumOptions, TrainConfig, TrainSettings

__all__ = ["AGGREGATE", "AdaptRequest", "AnticipationOptions", "CALIBRATIONS", "COMBINE", "CROPS", "CaptionOptions", "CaptionRequest",
           "CurriculumOptions", "DECODINGS", "DescriptionConfig", "EvalRequest", "HISTORIES", "LLMSettings",
           "MAX_FRAMES_PER_VIDEO", "MatchConfig", "PredictRequest", "RECOGNISERS", "Recognition", "SCHEDULES", "SMOOTHING", "STAGES",
           "Sampling", "TrainConfig", "TrainSettings", "Windowing", "check_choice", "check_smoothing"]
