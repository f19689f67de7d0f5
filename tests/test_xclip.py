"""X-CLIP: parity with transformers' XCLIPModel, initialisation from CLIP, deterministic and resumable
fine-tuning, adapter round trips. Every model here is tiny and UNTRAINED (random weights from configs)."""

import json
import shutil

import numpy as np
import pytest
import torch
from click.testing import CliRunner

from actionzs.adapters.xclip import train_xclip
from actionzs.cli import main
from actionzs.options import Sampling, TrainConfig
from actionzs.features import video_pixels
from actionzs.methods.xclip import XClipMethod, XClipZeroShot
from actionzs.models.tiny import TINY_HF_CLIP, hf_clip_from_config
from actionzs.models.xclip import load_xclip, xclip_from_clip
from actionzs.text.labels import LabelSet

CLASSES = LabelSet("t", ("Shotput", "PushUps", "Knitting"), ("shot put", "push ups", "knitting"))


@pytest.fixture
def clip_path(data_dir):
    return data_dir / "videos/3DNet_Visualization/v_Shotput_g05_c02.avi"


def test_cached_scoring_equals_xclipmodel_forward(clip_path):
    encoder = load_xclip("random:xclip-tiny")
    sampling = Sampling(frames=8, clips=2)
    features = XClipMethod(encoder).encode(clip_path, sampling)
    ours = XClipZeroShot(encoder, CLASSES, ["{}"]).scores(features[None])[0]
    pixels = video_pixels(clip_path, encoder.pixel, sampling)  # [2 views, 8, 3, S, S]
    tokens = encoder.tokenizer(list(CLASSES.texts), padding=True, return_tensors="pt")
    with torch.no_grad():
        reference = encoder.model(input_ids=tokens["input_ids"], attention_mask=tokens["attention_mask"],
                                  pixel_values=pixels).logits_per_video.softmax(-1).mean(0)
    np.testing.assert_allclose(torch.from_numpy(ours).softmax(-1), reference, atol=1e-6)  # views: mean probability


def test_prompt_templates_are_ensembled_after_the_video_specific_prompts(clip_path):
    """Each template through XCLIPModel's own forward (its normalised, video-specific text embeddings), then
    averaged as unit vectors: not raw text embeddings averaged before the prompt generator."""
    encoder = load_xclip("random:xclip-tiny")
    templates = ["{}", "a video of a person {}."]
    features = XClipMethod(encoder).encode(clip_path, Sampling(frames=8))
    ours = XClipZeroShot(encoder, CLASSES, templates).scores(features[None])[0]
    pixels = video_pixels(clip_path, encoder.pixel, Sampling(frames=8))
    per_template = []
    with torch.no_grad():
        for template in templates:
            tokens = encoder.tokenizer([template.format(c) for c in CLASSES.texts], padding=True, return_tensors="pt")
            out = encoder.model(input_ids=tokens["input_ids"], attention_mask=tokens["attention_mask"],
                                pixel_values=pixels)
            per_template.append(out.text_embeds[0])  # [K, D], unit
        text = torch.nn.functional.normalize(torch.stack(per_template).mean(0), dim=-1)
        reference = encoder.model.logit_scale.exp() * text @ out.video_embeds[0]
    np.testing.assert_allclose(torch.from_numpy(ours).softmax(-1), reference.softmax(-1), atol=1e-6)


def test_frames_must_match_the_integration_transformer(clip_path):
    encoder = load_xclip("random:xclip-tiny")
    with pytest.raises(Exception, match="exactly 8 frames"):
        XClipMethod(encoder).encode(clip_path, Sampling(frames=4))


def test_xclip_from_clip_copies_every_clip_weight():
    clip = hf_clip_from_config(TINY_HF_CLIP, seed=2)
    xclip, copied = xclip_from_clip(clip)
    clip_params = {k for k, _ in clip.named_parameters()}
    assert clip_params <= set(copied)
    tokens = torch.tensor([[49406, 320, 2533, 49407]])
    with torch.no_grad():
        a = clip.text_projection(clip.text_model(input_ids=tokens)[1])
        b = xclip.text_projection(xclip.text_model(input_ids=tokens)[1])
    torch.testing.assert_close(a, b)


def _paths(data_dir):
    return [str(p) for p in sorted((data_dir / "videos").glob("*/v_*_g*_c*.avi"))][:3]


def _train(data_dir, epochs, checkpoint=None, seed=0, on_step=None):
    encoder = load_xclip("random:xclip-tiny")
    paths = _paths(data_dir)
    history = train_xclip(encoder, paths, [0, 1, 2], CLASSES, ["{}"], Sampling(frames=8),
                          TrainConfig(epochs=epochs, batch_size=2, accumulate=2, lr=1e-3, seed=seed), checkpoint,
                          on_step=on_step)
    return encoder, history


class Killed(Exception):
    pass


def _die_in_third_epoch(epoch, loss):
    if epoch == 2:
        raise Killed


def test_training_is_deterministic_and_lowers_the_loss(data_dir):
    a, ha = _train(data_dir, 3)
    b, hb = _train(data_dir, 3)
    assert ha == hb
    for (k, x), (_, y) in zip(a.model.state_dict().items(), b.model.state_dict().items()):
        assert torch.equal(x, y), k
    assert ha[-1] < ha[0]


def test_resuming_from_a_checkpoint_matches_an_uninterrupted_run(data_dir, tmp_path):
    straight, history = _train(data_dir, 3)
    ckpt = tmp_path / "ckpt.pt"
    with pytest.raises(Killed):
        _train(data_dir, 3, ckpt, on_step=_die_in_third_epoch)  # killed during the third epoch
    resumed, resumed_history = _train(data_dir, 3, ckpt)
    assert resumed_history == pytest.approx(history)
    for (k, x), (_, y) in zip(straight.model.state_dict().items(), resumed.model.state_dict().items()):
        torch.testing.assert_close(x, y, msg=k)


def test_xclip_adapter_round_trip(data_dir, tmp_path):
    support = tmp_path / "support"
    for clip in _paths(data_dir):
        label = clip.split("/")[-1].split("_")[1]
        (support / label).mkdir(parents=True)
        shutil.copy(clip, support / label)
    out = tmp_path / "adapter"
    made = CliRunner().invoke(main, ["adapt", str(support), "-o", str(out), "--method", "xclip", "-m", "random:hf-clip-tiny",
                                     "--epochs", "2", "--lr", "1e-3", "--json"], catch_exceptions=False)
    assert made.exit_code == 0, made.output
    meta = json.loads(made.stdout)
    assert meta["training"]["initialised_from_clip_tensors"] > 0 and len(meta["training"]["loss_per_epoch"]) == 2
    clips = [str(p) for p in support.glob("*/*.avi")]
    runs = [json.loads(CliRunner().invoke(main, ["predict", *clips, "--adapter", str(out), "--json", "-k", "3"]).stdout)
            for _ in range(2)]
    assert runs[0]["predictions"] == runs[1]["predictions"] and runs[0]["method"] == "adapter:xclip"
    assert runs[0]["untrained"] is True


def test_zero_shot_predict_from_the_cli_equals_the_classifier(clip_path):
    from actionzs.ranking import softmax

    result = CliRunner().invoke(main, ["predict", str(clip_path), "--method", "xclip", "-m", "random:xclip-tiny", "--precision", "fp32",
                                       "--labels", "shot put,push ups,knitting", "--json", "-k", "3"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["method"] == "xclip" and report["prompts"] == "classname" and report["untrained"] is True
    encoder = load_xclip("random:xclip-tiny")
    classes = LabelSet("custom", ("shot put", "push ups", "knitting"), ("shot put", "push ups", "knitting"))
    logits = XClipZeroShot(encoder, classes, ["{}"]).scores(XClipMethod(encoder).encode(clip_path, Sampling())[None])[0]
    expected = softmax(logits.astype(np.float64))
    got = {r["label"]: r["score"] for r in report["predictions"][0]["top"]}
    assert got == pytest.approx(dict(zip(classes.ids, expected)), abs=1e-6)
