"""The project's CLIP video score equals a direct library computation on the same random weights.

Models here are tiny and UNTRAINED (random weights built from configs in this file): the checks are
numerical parity, not accuracy.
"""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from actionzs.features import Sampling, encode_video
from actionzs.methods.clip_zeroshot import ClipZeroShot
from actionzs.models.clip import ClipEncoder
from actionzs.models.tiny import hf_clip_from_config, hf_clip_tokenizer, openclip_from_config
from actionzs.text.labels import LabelSet
from actionzs.video import open_video, prepare, segment_indices
from actionzs.video.transforms import PixelSpec

OPENCLIP_CFG = {  # untrained, random weights
    "embed_dim": 24,
    "vision_cfg": {"layers": 1, "width": 48, "head_width": 24, "patch_size": 16, "image_size": 48},
    "text_cfg": {"context_length": 77, "vocab_size": 49408, "width": 32, "heads": 2, "layers": 1},
}
HF_CFG = {  # untrained, random weights
    "projection_dim": 24,
    "text_config": {"vocab_size": 49408, "hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 1,
                    "num_attention_heads": 2, "max_position_embeddings": 77},
    "vision_config": {"hidden_size": 48, "intermediate_size": 96, "num_hidden_layers": 1,
                      "num_attention_heads": 2, "image_size": 48, "patch_size": 16},
}
CLASSES = LabelSet("t", ("Shotput", "PushUps", "Knitting"), ("shot put", "push ups", "knitting"))
TEMPLATES = ["a video of a person {}.", "{}"]


def _reference(image_feats, text_feats, logit_scale):
    """The textbook computation, written independently of actionzs."""
    frames = image_feats / image_feats.norm(dim=-1, keepdim=True)
    video = frames.mean(0)
    video = video / video.norm()
    per_template = text_feats / text_feats.norm(dim=-1, keepdim=True)
    per_class = per_template.reshape(len(CLASSES), len(TEMPLATES), -1).mean(1)
    per_class = per_class / per_class.norm(dim=-1, keepdim=True)
    return (logit_scale * video @ per_class.T).numpy()


@pytest.fixture(scope="module")
def clip_path(data_dir):
    return data_dir / "videos/3DNet_Visualization/v_Shotput_g05_c02.avi"


def _pixels(path, size):
    video = open_video(path)
    frames = video.frames(segment_indices(len(video), 8))
    return prepare(frames, PixelSpec(size))[0]  # [T, 3, S, S]


def test_open_clip_parity(clip_path):
    import open_clip

    model = openclip_from_config(OPENCLIP_CFG, seed=3)
    tokenizer = open_clip.get_tokenizer("ViT-B-32")
    encoder = ClipEncoder("test", "test", PixelSpec(48), True, model, tokenizer, backend="open_clip")
    ours = ClipZeroShot(encoder, CLASSES, TEMPLATES).scores(encode_video(clip_path, encoder, Sampling(frames=8))[None])

    with torch.no_grad():
        img = model.encode_image(_pixels(clip_path, 48))
        prompts = [t.format(c) for c in CLASSES.texts for t in TEMPLATES]
        txt = model.encode_text(tokenizer(prompts))
        ref = _reference(img, txt, model.logit_scale.exp())
    np.testing.assert_allclose(ours[0], ref, atol=1e-5)


def test_hf_clip_parity(clip_path):
    model = hf_clip_from_config(HF_CFG, seed=5)
    tokenizer = hf_clip_tokenizer()
    encoder = ClipEncoder("test", "test", PixelSpec(48), True, model, tokenizer, backend="hf")
    ours = ClipZeroShot(encoder, CLASSES, TEMPLATES).scores(encode_video(clip_path, encoder, Sampling(frames=8))[None])

    with torch.no_grad():
        pixels = _pixels(clip_path, 48)
        prompts = [t.format(c) for c in CLASSES.texts for t in TEMPLATES]
        batch = tokenizer(prompts, padding=True, return_tensors="pt")
        out = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"], pixel_values=pixels)
        ref = _reference(out.image_embeds, out.text_embeds, model.logit_scale.exp())
    np.testing.assert_allclose(ours[0], ref, atol=1e-5)


def test_views_are_averaged_with_frames(clip_path):
    model = openclip_from_config(OPENCLIP_CFG, seed=3)
    import open_clip

    encoder = ClipEncoder("test", "test", PixelSpec(48), True, model, open_clip.get_tokenizer("ViT-B-32"), backend="open_clip")
    feats = encode_video(clip_path, encoder, Sampling(frames=4, clips=2, crops=3))
    assert feats.shape == (6, 4, 24)
    scorer = ClipZeroShot(encoder, CLASSES, TEMPLATES)
    flat = F.normalize(torch.from_numpy(feats).reshape(1, 24, 24), dim=-1).mean(1)
    expected = encoder.logit_scale * F.normalize(flat, dim=-1) @ scorer.text_embeddings.T
    np.testing.assert_allclose(scorer.scores(feats[None]), expected.numpy(), atol=1e-5)
