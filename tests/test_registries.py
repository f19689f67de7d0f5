"""Methods and adapters are registered plug-ins: the CLI's choices come from the registries, and a new method is
one class and one registry entry, with no change to the tasks that run it."""

import functools
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from actionzs import api
from actionzs.adapters import ADAPTERS, FROZEN_FEATURE_ADAPTERS
from actionzs.cache import FeatureCache
from actionzs.cli import main
from actionzs.errors import InputError
from actionzs.methods import METHODS
from actionzs.methods.base import TextClassifier, VideoMethod
from actionzs.registry import Entry
from actionzs.video import open_video, segment_indices

COLOURS = {"red": [1.0, 0.0, 0.0], "green": [0.0, 1.0, 0.0], "blue": [0.0, 0.0, 1.0]}


def _choices(command: str, option: str) -> list[str]:
    param = next(p for p in main.commands[command].params if p.name == option)
    return list(param.type.choices)


def test_cli_choices_come_from_the_registries():
    assert list(METHODS) == ["clip", "xclip", "caption", "videomae"]
    assert _choices("predict", "method") == METHODS.ranking() == ["clip", "xclip", "caption"]  # videomae: no text side
    assert _choices("eval", "method") == list(METHODS)
    assert _choices("adapt", "method") == list(ADAPTERS) == ["prototype", "linear", "xclip", "curriculum"]
    assert _choices("eval", "adapt_method") == list(FROZEN_FEATURE_ADAPTERS)
    assert set(FROZEN_FEATURE_ADAPTERS) < set(ADAPTERS)
    for name in (*METHODS, *ADAPTERS):  # every entry imports
        assert isinstance(METHODS.load(name) if name in METHODS else ADAPTERS.load(name), type)


def test_an_unknown_name_is_one_clear_error():
    with pytest.raises(InputError, match="unknown method 'nope' \\(available: clip, xclip, caption, videomae\\)"):
        METHODS.load("nope")


class ColourNames(TextClassifier):
    def embed_classes(self):
        return np.array([COLOURS[t] for t in self.classes.texts])

    def scores(self, features):
        return 10.0 * self.pool(features) @ self.text_embeddings.T

    @staticmethod
    def pool(features):
        """[N, V, 3] colours of each video's views -> [N, 3] unit vectors."""
        mean = np.asarray(features).mean(axis=1)
        return mean / np.linalg.norm(mean, axis=-1, keepdims=True)


def frame_colours(path, sampling):
    """The toy method's decoding (a module-level function, so decoding worker processes can run it): [1, T, 3]."""
    with open_video(path) as video:
        frames = video.frames(segment_indices(len(video), sampling.frames)).astype(np.float32)
    return torch.from_numpy(frames.mean(axis=(1, 2)))[None]


class MeanColour(VideoMethod):
    """A toy method: a video's mean RGB colour against the colour named by each label."""

    name = "mean-colour"
    default_model = "none"
    classifier_type = ColourNames
    encoded = 0

    @staticmethod
    def load_encoder(model, device):
        return SimpleNamespace(name=model, key="mean-colour-v1", untrained=True, device=device)

    def decoder(self, sampling):
        return functools.partial(frame_colours, sampling=sampling)

    def embed(self, clips):
        MeanColour.encoded += len(clips)
        return clips.mean(dim=1).numpy()

    def pool(self, features):
        return ColourNames.pool(np.asarray(features))


def test_a_new_method_is_one_class_and_one_registry_entry(ucf_clips, tmp_path, monkeypatch):
    monkeypatch.setitem(METHODS, "mean-colour", Entry(f"{__name__}:MeanColour", "mean RGB colour"))
    cache = FeatureCache(tmp_path / "cache")
    report = api.predict(ucf_clips[:3], api.PredictRequest(labels="red,green,blue", method="mean-colour", top_k=3), cache=cache)
    assert report.method == "mean-colour" and report.model == "none" and report.untrained
    for prediction in report.predictions:  # the ranking is the clip's own colour balance, computed here directly
        with open_video(prediction.video) as video:
            rgb = video.frames(segment_indices(len(video), 8)).mean(axis=(0, 1, 2))
        assert [r.label for r in prediction.top] == [["red", "green", "blue"][i] for i in np.argsort(-rgb)]
    encoded = MeanColour.encoded
    again = api.predict(ucf_clips[:3], api.PredictRequest(labels="red,green,blue", method="mean-colour", top_k=3), cache=cache)
    assert MeanColour.encoded == encoded  # served from the feature cache, keyed by the method's model key
    assert [p.top for p in again.predictions] == [p.top for p in report.predictions]
