"""Every model path, through the product's own loading, preprocessing and scoring, against the reference
library's own end-to-end pipeline on the same random weights and the same real frames.

The product side never sees test code: weights are saved in the format the real ones come in (open_clip's
``open_clip_model.safetensors`` in a Hugging Face hub cache under the tag's real repo; ``save_pretrained``
folders for transformers) and loaded by name, as a user would. The reference side is the library's pipeline:
its factory, its PIL preprocess or processor, its tokenizer, its forward, on frames decoded here with PyAV at
MMAction2's test-mode indices. All weights are UNTRAINED (random, small architectures with the real tags'
pretrained configs): the checks are parity, not accuracy.
"""

from __future__ import annotations

import av
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PIL import Image

from actionzs import api
from actionzs.options import Sampling
from actionzs.methods.clip_zeroshot import ClipMethod
from actionzs.methods.xclip import XClipMethod
from actionzs.models.tiny import config as tiny_config, hf_clip_tokenizer
from actionzs.text.labels import load_labels
from actionzs.text.prompts import clip_templates

FRAMES = 8
TINY_TEXT = {k: v for k, v in tiny_config("openclip-tiny")["text_cfg"].items() if k != "context_length"}
TINY_VISION = tiny_config("openclip-tiny")["vision_cfg"]
OPENCLIP_TINY = {  # the real architecture names, shrunk: the tags' pretrained configs stay the real ones
    "ViT-B-32": {"embed_dim": 32, "vision_cfg": TINY_VISION, "text_cfg": {"context_length": 77, **TINY_TEXT}},
    "ViT-B-32-quickgelu": {"embed_dim": 32, "quick_gelu": True, "vision_cfg": TINY_VISION,
                           "text_cfg": {"context_length": 77, **TINY_TEXT}},
    "ViT-H-14": {"embed_dim": 32, "vision_cfg": TINY_VISION, "text_cfg": {"context_length": 77, **TINY_TEXT}},
    "ViT-H-14-quickgelu": {"embed_dim": 32, "quick_gelu": True, "vision_cfg": TINY_VISION,
                           "text_cfg": {"context_length": 77, **TINY_TEXT}},
    "ViT-B-16-SigLIP": {"embed_dim": 32, "init_logit_bias": -10, "custom_text": True, "vision_cfg": TINY_VISION,
                        "text_cfg": {"context_length": 64, **TINY_TEXT, "no_causal_mask": True, "proj_bias": True,
                                     "pool_type": "last"}},
}


def mmaction_test_indices(num_frames: int, num_clips: int, clip_len: int = 1, interval: int = 1) -> np.ndarray:
    """MMAction2 ``SampleFrames`` in test mode (its published formula), frames looped past the end."""
    span = clip_len * interval
    avg = (num_frames - span + 1) / float(num_clips)
    if num_frames > span - 1:
        offsets = (np.arange(num_clips) * avg + avg / 2.0).astype(np.int32)
    else:
        offsets = np.zeros(num_clips, dtype=np.int32)
    return (offsets[:, None] + np.arange(clip_len)[None] * interval).reshape(-1) % num_frames


@pytest.fixture(scope="module")
def clip_path(data_dir):
    return data_dir / "videos/3DNet_Visualization/v_Shotput_g05_c02.avi"


@pytest.fixture(scope="module")
def frames(clip_path) -> list[Image.Image]:
    """Reference frames: every frame decoded by PyAV, then MMAction2's 8 TSN test indices."""
    with av.open(str(clip_path)) as container:
        decoded = [f.to_image() for f in container.decode(video=0)]
    return [decoded[i] for i in mmaction_test_indices(len(decoded), FRAMES)]


@pytest.fixture(scope="module")
def ucf101():
    return load_labels("ucf101")


@pytest.fixture
def hub(tmp_path, monkeypatch):
    """A private Hugging Face hub cache: ``hub(repo, filename)`` is the path to write a snapshot file to."""
    from huggingface_hub import constants

    root = tmp_path / "hub"
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(root))

    def place(repo: str, filename: str):
        folder = root / f"models--{repo.replace('/', '--')}"
        (folder / "refs").mkdir(parents=True, exist_ok=True)
        (folder / "refs" / "main").write_text("0" * 40)
        snapshot = folder / "snapshots" / ("0" * 40)
        snapshot.mkdir(parents=True, exist_ok=True)
        return snapshot / filename

    return place


def _cosine(a, b) -> float:
    return float(F.cosine_similarity(torch.as_tensor(a).flatten()[None], torch.as_tensor(b).flatten()[None]))


def _product_top5(name: str, clip_path, method: str = "clip", prompts: str | None = None) -> list[str]:
    report = api.predict([clip_path], api.PredictRequest(labels="ucf101", method=method, model=name, prompts=prompts, top_k=5))
    assert not report.errors, report.errors
    return [row.label for row in report.predictions[0].top]


def _top5(scores, labels) -> list[str]:
    return [labels.ids[i] for i in np.argsort(-np.asarray(scores), kind="stable")[:5]]


def _open_clip_weights(arch: str, tag: str, hub, monkeypatch) -> None:
    """Shrink the architectures, and put random weights where the tag's download step looks for them."""
    import open_clip
    from open_clip import factory
    from safetensors.torch import save_file

    for name, cfg in OPENCLIP_TINY.items():
        monkeypatch.setitem(factory._MODEL_CONFIGS, name, cfg)
    # SigLIP's sentencepiece vocabulary is fetched from the network by open_clip: both sides get the same
    # offline stand-in (open_clip's own BPE tokenizer at SigLIP's 64-token context)
    monkeypatch.setattr(factory, "SigLipTokenizer", lambda _variant, context_length=64:
                        open_clip.SimpleTokenizer(context_length=context_length))
    repo = open_clip.get_pretrained_cfg(arch, tag)["hf_hub"].strip("/")
    torch.manual_seed(0)
    save_file(open_clip.create_model(arch).state_dict(), hub(repo, "open_clip_model.safetensors"))


def _open_clip_reference(arch: str, tag: str, frames, labels, templates):
    """open_clip's own pipeline: factory + PIL preprocess + tokenizer + its zero-shot classifier builder."""
    import open_clip
    from open_clip.zero_shot_classifier import build_zero_shot_classifier

    model, _, preprocess = open_clip.create_model_and_transforms(arch, pretrained=tag)
    model.eval()
    tokenizer = open_clip.get_tokenizer(arch)
    with torch.no_grad():
        images = F.normalize(model.encode_image(torch.stack([preprocess(f) for f in frames])), dim=-1)
        video = F.normalize(images.mean(0), dim=-1)
        classifier = build_zero_shot_classifier(model, tokenizer, list(labels.texts), templates)  # [D, C]
    return video, classifier.T, (video @ classifier).numpy()


@pytest.mark.parametrize("name,reference_arch", [
    ("ViT-B-32:openai", "ViT-B-32-quickgelu"),  # OpenAI weights: trained with QuickGELU
    ("ViT-H-14:dfn5b", "ViT-H-14-quickgelu"),  # DFN: QuickGELU and a squash resize
    ("ViT-B-16-SigLIP:webli", "ViT-B-16-SigLIP"),  # SigLIP: squash resize, mean/std 0.5, 64-token text
])
def test_open_clip_tags_match_open_clip(name, reference_arch, clip_path, frames, ucf101, hub, monkeypatch):
    arch, tag = name.split(":")
    _open_clip_weights(arch, tag, hub, monkeypatch)
    _, templates = clip_templates(None)
    method = ClipMethod.load(name)
    features = next(method.features([clip_path], Sampling(frames=FRAMES)))[1]
    ours_video = method.pool(features[None])[0]
    ours_text = method.classifier(ucf101, templates).text_embeddings

    video, text, scores = _open_clip_reference(reference_arch, tag, frames, ucf101, templates)
    assert _cosine(ours_video, video) >= 0.999
    assert min(F.cosine_similarity(ours_text, text, dim=-1)) >= 0.999
    assert _product_top5(name, clip_path) == _top5(scores, ucf101)


def test_openai_tags_run_quickgelu_and_cache_under_a_new_key(hub, monkeypatch):
    """The fix is visible: QuickGELU modules in the model, and a feature-cache key no GELU-built model shares."""
    _open_clip_weights("ViT-B-32", "openai", hub, monkeypatch)
    method = ClipMethod.load("ViT-B-32:openai")
    assert any(type(m).__name__ == "QuickGELU" for m in method.encoder.model.modules())
    assert "quickgelu" in method.feature_key and method.encoder.pixel.resize_mode == "shortest"
    siglip = ClipMethod.load  # the SigLIP tag's geometry is recorded too
    _open_clip_weights("ViT-B-16-SigLIP", "webli", hub, monkeypatch)
    pixels = siglip("ViT-B-16-SigLIP:webli").setup(Sampling())["pixels"]
    assert (pixels["resize_mode"], pixels["mean"]) == ("squash", [0.5, 0.5, 0.5])


def _save_hf(kind: str, folder):
    """A random transformers model and its processor, saved as ``save_pretrained`` folders (safetensors)."""
    from transformers import (CLIPConfig, CLIPImageProcessor, CLIPModel, CLIPProcessor, SiglipConfig,
                              SiglipImageProcessor, SiglipModel, SiglipProcessor)

    text = {"vocab_size": 49408, "hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2,
            "num_attention_heads": 2}
    vision = {"hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2, "num_attention_heads": 2,
              "image_size": 64, "patch_size": 16}
    torch.manual_seed(1)
    tokenizer = hf_clip_tokenizer()
    if kind == "clip":
        model = CLIPModel(CLIPConfig(projection_dim=32, text_config={**text, "max_position_embeddings": 77},
                                     vision_config=vision))
        processor = CLIPProcessor(CLIPImageProcessor(size={"shortest_edge": 64}, crop_size=64), tokenizer)
    else:
        model = SiglipModel(SiglipConfig(text_config={**text, "max_position_embeddings": 64, "projection_size": 64},
                                         vision_config=vision))
        tokenizer.model_max_length = 64
        processor = SiglipProcessor(SiglipImageProcessor(size={"height": 64, "width": 64}), tokenizer)
    model.save_pretrained(folder)
    processor.save_pretrained(folder)


@pytest.mark.parametrize("kind,padding", [("clip", True), ("siglip", "max_length")])
def test_hugging_face_models_match_their_processor_and_forward(kind, padding, tmp_path, clip_path, frames, ucf101):
    from transformers import AutoModel, AutoProcessor

    folder = tmp_path / kind
    _save_hf(kind, folder)
    templates = ["a video of a person {}."]
    method = ClipMethod.load(str(folder))
    features = next(method.features([clip_path], Sampling(frames=FRAMES)))[1]
    ours_video = method.pool(features[None])[0]
    ours_text = method.classifier(ucf101, templates).text_embeddings

    model, processor = AutoModel.from_pretrained(folder).eval(), AutoProcessor.from_pretrained(folder)
    prompts = [templates[0].format(t) for t in ucf101.texts]
    inputs = processor(text=prompts, images=frames, padding=padding, return_tensors="pt")
    with torch.no_grad():
        out = model(**inputs)
    video = F.normalize(F.normalize(out.image_embeds, dim=-1).mean(0), dim=-1)
    text = F.normalize(out.text_embeds, dim=-1)
    assert _cosine(ours_video, video) >= 0.999
    assert min(F.cosine_similarity(ours_text, text, dim=-1)) >= 0.999
    assert _product_top5(str(folder), clip_path, prompts="single") == _top5((text @ video).numpy(), ucf101)


def test_xclip_matches_its_processor_at_the_published_geometry(tmp_path, clip_path, frames, ucf101):
    """X-CLIP's processor, told X-CLIP's test geometry (short side 256/224 of the crop, then the crop)."""
    from transformers import VideoMAEImageProcessor, XCLIPModel, XCLIPProcessor

    from actionzs.models.tiny import xclip as tiny_xclip

    folder = tmp_path / "xclip"
    tiny_xclip(seed=4).save_pretrained(folder)
    image_processor = VideoMAEImageProcessor(size={"shortest_edge": 64}, crop_size=64,
                                             image_mean=[0.48145466, 0.4578275, 0.40821073],
                                             image_std=[0.26862954, 0.26130258, 0.27577711])
    XCLIPProcessor(image_processor, hf_clip_tokenizer()).save_pretrained(folder)
    method = XClipMethod.load(str(folder))
    assert method.encoder.pixel.resize == 73  # round(64 * 256 / 224)
    features = next(method.features([clip_path], Sampling(frames=FRAMES)))[1]

    model, processor = XCLIPModel.from_pretrained(folder).eval(), XCLIPProcessor.from_pretrained(folder)
    inputs = processor(text=list(ucf101.texts), videos=[frames], padding=True, return_tensors="pt",
                       size={"shortest_edge": 73})
    with torch.no_grad():
        out = model(**inputs)
    assert _cosine(features[0, 0], out.video_embeds[0]) >= 0.999
    assert _product_top5(str(folder), clip_path, method="xclip") == _top5(out.logits_per_video[0].numpy(), ucf101)


@pytest.mark.parametrize("num_frames", [1, 2, 5, 7, 8, 9, 16, 31, 79, 100, 301, 1000])
@pytest.mark.parametrize("segments", [1, 3, 8, 16, 32])
def test_tsn_sampling_is_mmaction2_test_mode(num_frames, segments):
    from actionzs.video import multiview_indices, segment_indices

    assert segment_indices(num_frames, segments).tolist() == mmaction_test_indices(num_frames, segments).tolist()
    # one dense clip per view: MMAction2 spreads num_clips clips of clip_len frames, interval apart
    for clips, length, interval in ((1, 8, 2), (3, 4, 4), (2, 16, 1)):
        ours = multiview_indices(num_frames, length, clips, stride=interval).reshape(-1)
        assert ours.tolist() == mmaction_test_indices(num_frames, clips, length, interval).tolist()


def test_three_crops_need_a_model_that_crops():
    from actionzs.errors import InputError
    from actionzs.video.transforms import PixelSpec, prepare

    frames = np.zeros((2, 120, 160, 3), dtype=np.uint8)
    assert prepare(frames, PixelSpec(64), num_crops=3).shape == (3, 2, 3, 64, 64)
    assert prepare(frames, PixelSpec(64, resize_mode="longest"), num_crops=1).shape == (1, 2, 3, 64, 64)
    with pytest.raises(InputError, match="uses 'squash', which sees the whole frame: use --crops 1"):
        prepare(frames, PixelSpec(64, resize_mode="squash"), num_crops=3)
