"""How CLIP scores pool a video's views and frames. Parity of loading, preprocessing and scoring with the
reference libraries is in test_reference_parity.py.

The model here is tiny and UNTRAINED (random weights built from the config in this file).
"""

import numpy as np
import open_clip
import torch
import torch.nn.functional as F

from actionzs.options import Sampling
from actionzs.methods.clip_zeroshot import ClipMethod
from actionzs.methods.clip_zeroshot import ClipZeroShot
from actionzs.models.clip import ClipEncoder
from actionzs.models.tiny import config as tiny_config, openclip_from_config
from actionzs.text.labels import LabelSet
from actionzs.video.transforms import PixelSpec

OPENCLIP_CFG = tiny_config("openclip-tiny")  # untrained, random weights
CLASSES = LabelSet("t", ("Shotput", "PushUps", "Knitting"), ("shot put", "push ups", "knitting"))
TEMPLATES = ["a video of a person {}.", "{}"]


def test_views_are_averaged_with_frames(data_dir):
    clip_path = data_dir / "videos/3DNet_Visualization/v_Shotput_g05_c02.avi"
    model = openclip_from_config(OPENCLIP_CFG, seed=3)
    encoder = ClipEncoder("test", "test", PixelSpec(OPENCLIP_CFG["vision_cfg"]["image_size"]), True, model, open_clip.get_tokenizer("ViT-B-32"),
                          backend="open_clip")
    feats = ClipMethod(encoder).encode(clip_path, Sampling(frames=4, clips=2, crops=3))
    dim = OPENCLIP_CFG["embed_dim"]
    assert feats.shape == (6, 4, dim)
    scorer = ClipZeroShot(encoder, CLASSES, TEMPLATES)
    flat = F.normalize(torch.from_numpy(feats).reshape(1, 24, dim), dim=-1).mean(1)
    expected = encoder.logit_scale * F.normalize(flat, dim=-1) @ scorer.text_embeddings.T
    np.testing.assert_allclose(scorer.scores(feats[None]), expected.numpy(), atol=1e-5)
