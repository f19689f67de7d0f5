"""Label embeddings: encoded at the batch's real token length (the same numbers as the library at full
length), computed once per (model, templates, label text) and kept on disk. Models are tiny and UNTRAINED."""

import numpy as np
import open_clip
import pytest
import torch
from click.testing import CliRunner

from actionzs.cache import FeatureCache
from actionzs.cli import main
from actionzs.methods.clip_zeroshot import ClipMethod
from actionzs.models import clip as clip_models
from actionzs.models.tiny import TINY_HF_CLIP, hf_clip_from_config, hf_clip_tokenizer
from actionzs.text.labels import LabelSet, load_labels
from actionzs.text.prompts import clip_templates


@pytest.fixture(scope="module")
def prompts():
    _, templates = clip_templates(None)
    return [t.format(c) for c in load_labels("ucf101").texts for t in templates]


def test_open_clip_text_at_real_length_equals_full_length_encode_text(prompts):
    encoder = ClipMethod.load("random:openclip-tiny").encoder
    tokens = open_clip.get_tokenizer("ViT-B-32")(prompts)
    assert int((tokens != 0).sum(1).max()) < tokens.shape[1] // 4  # the real length is far below 77
    with torch.no_grad():
        full = encoder.model.encode_text(tokens)
    np.testing.assert_allclose(encoder.encode_texts(prompts), full, atol=1e-5)


def test_hf_text_in_batches_equals_full_length_get_text_features(prompts):
    model = hf_clip_from_config(TINY_HF_CLIP)
    tokenizer = hf_clip_tokenizer()
    encoder = clip_models.ClipEncoder("t", "t", None, True, model, tokenizer, backend="hf")
    batch = tokenizer(prompts[:300], padding="max_length", max_length=77, return_tensors="pt")
    with torch.no_grad():
        full = model.get_text_features(**batch)
    full = full if isinstance(full, torch.Tensor) else full.pooler_output
    np.testing.assert_allclose(encoder.encode_texts(prompts[:300], batch_size=64), full, atol=1e-5)


def _texts_encoded(method, labels, cache) -> int:
    before = clip_models.ENCODE_CALLS["text"]
    counted = []
    encode = method.encoder.encode_texts

    def counting(texts, **kw):
        counted.extend(texts)
        return encode(texts, **kw)

    method.encoder.encode_texts = counting
    try:
        method.classifier(labels, ["a video of {}.", "{}"], cache).text_embeddings
    finally:
        method.encoder.encode_texts = encode
    assert (clip_models.ENCODE_CALLS["text"] > before) == bool(counted)
    return len(counted)


def test_text_cache_encodes_each_label_text_once(tmp_path):
    method = ClipMethod.load("random:openclip-tiny")
    cache = FeatureCache(tmp_path / "c")
    labels = load_labels("ucf101")
    first = method.classifier(labels, ["a video of {}.", "{}"], cache).text_embeddings
    assert _texts_encoded(method, labels, cache) == 0  # a second run encodes no text
    changed = LabelSet("mine", labels.ids, (*labels.texts[:-1], "riding a unicycle"))
    assert _texts_encoded(method, changed, cache) == 2  # only the changed label's two prompts
    again = method.classifier(labels, ["a video of {}.", "{}"], cache).text_embeddings
    torch.testing.assert_close(first, again)


def test_no_cache_writes_nothing(tmp_path, ucf_clips):
    cache_dir = tmp_path / "elsewhere"
    result = CliRunner().invoke(main, ["predict", str(ucf_clips[0]), "-m", "random:openclip-tiny", "--labels",
                                       "ucf101", "--no-cache", "--cache-dir", str(cache_dir)])
    assert result.exit_code == 0, result.output
    assert not cache_dir.exists() or not any(cache_dir.rglob("*.safetensors"))
    result = CliRunner().invoke(main, ["predict", str(ucf_clips[0]), "-m", "random:openclip-tiny", "--labels",
                                       "ucf101", "--cache-dir", str(cache_dir)])
    assert len(list(cache_dir.rglob("*.safetensors"))) == 1 + 101  # the video's features and one entry per label text
