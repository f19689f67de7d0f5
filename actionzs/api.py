"""The Python API: the CLI's tasks and their option types, for use from your own code.

    >>> from actionzs import api
    >>> report = api.predict(["clip.mp4"], api.PredictRequest(labels="ucf101", model="ViT-B-16:openai"))
    >>> report.predictions[0].top[0]
    >>> clf = api.ZeroShotClassifier("ViT-B-16:openai", "ucf101")  # the model loaded, the labels encoded, once
    >>> clf(["a.mp4", "b.mp4"]).predictions; clf.scores(features)
    >>> clf.timeline(["long.mp4"], api.Windowing(window=4, hop=2, smooth=3)).videos[0].segments
    >>> clf([api.Frames(frames_uint8_THW3, fps=30, name="webcam")])  # frames in memory, wherever a path goes

Each job lives in its own module under ``actionzs.tasks``; this module only gathers them.
"""

from .anticipation.report import AnticipationReport
from .cache import FeatureCache
from .eval.protocols import load_protocol
from .eval.report import EvalReport
from .options import (AdaptRequest, AnticipationOptions, CaptionOptions, CaptionRequest, CurriculumOptions, EvalRequest,
                      PredictRequest, Recognition, Sampling, TrainConfig, Windowing)
from .runtime import Runtime
from .tasks.adapt import AdaptResult, adapt
from .tasks.anticipate import anticipate
from .tasks.caption import CaptionReport, caption
from .tasks.evaluate import evaluate, evaluate_anticipation, evaluate_captions, evaluate_videos
from .tasks.predict import (AdaptedClassifier, PredictReport, Ranked, VideoClassifier, VideoPrediction,
                            ZeroShotClassifier, predict)
from .timeline.report import TimelineReport
from .video.memory import Frames

__all__ = [
    "Frames", "AdaptRequest", "AdaptResult", "AnticipationReport", "EvalReport", "AdaptedClassifier", "AnticipationOptions", "CaptionOptions", "CaptionReport",
    "CaptionRequest", "CurriculumOptions", "EvalRequest", "FeatureCache", "PredictReport", "PredictRequest", "Ranked",
    "Recognition", "Runtime", "Sampling", "TimelineReport", "TrainConfig", "VideoClassifier", "VideoPrediction",
    "Windowing", "ZeroShotClassifier", "adapt", "anticipate", "caption", "evaluate", "evaluate_anticipation",
    "evaluate_captions", "evaluate_videos", "load_protocol", "predict",
]
