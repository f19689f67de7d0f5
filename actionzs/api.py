"""The Python API: the CLI's tasks and their option types, for use from your own code.

    >>> from actionzs import api
    >>> report = api.predict(["clip.mp4"], labels="ucf101", model="ViT-B-16:openai")
    >>> report.predictions[0].top[0]
    >>> clf = api.ZeroShotClassifier("ViT-B-16:openai", "ucf101")  # the model loaded, the labels encoded, once
    >>> clf(["a.mp4", "b.mp4"]).predictions; clf.scores(features)
    >>> clf.timeline(["long.mp4"], api.Windowing(window=4, hop=2, smooth=3)).videos[0].segments

Each job lives in its own module under ``actionzs.tasks``; this module only gathers them.
"""

from .cache import FeatureCache
from .eval.protocols import load_protocol
from .features import Sampling
from .options import (AdaptRequest, AnticipationOptions, CaptionOptions, CurriculumOptions, EvalRequest, Recognition,
                      TrainConfig, Windowing)
from .runtime import Runtime
from .tasks.adapt import AdaptResult, adapt
from .tasks.anticipate import anticipate
from .tasks.caption import CaptionReport, caption
from .tasks.evaluate import evaluate, evaluate_anticipation, evaluate_captions, evaluate_videos
from .tasks.predict import (AdaptedClassifier, PredictReport, Ranked, VideoClassifier, VideoPrediction,
                            ZeroShotClassifier, predict)
from .timeline.report import TimelineReport

__all__ = [
    "AdaptedClassifier", "Runtime", "VideoClassifier", "ZeroShotClassifier", "AdaptRequest", "AdaptResult", "AnticipationOptions", "CaptionOptions", "CaptionReport", "CurriculumOptions",
    "EvalRequest",
    "FeatureCache", "PredictReport", "Ranked", "Recognition", "Sampling", "TrainConfig", "VideoPrediction", "adapt",
    "anticipate", "caption", "evaluate", "evaluate_anticipation", "evaluate_captions", "evaluate_videos", "load_protocol",
    "predict", "TimelineReport", "Windowing",
]
