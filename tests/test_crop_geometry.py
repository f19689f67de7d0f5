"""Crop geometry against the reference pipelines, on real frames: each Hugging Face model path crops as its
image processor does (the centre offset floored on odd margins), and --crops 3 follows X-CLIP's three-crop test
(short side resized to the crop size, then left/centre/right crops along the long side, as mmaction's ThreeCrop
that X-CLIP's test config names). No weights are involved: pixels only."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from actionzs.models.base import pixel_from_processor
from actionzs.video import open_video, prepare, segment_indices


@pytest.fixture(scope="module")
def frames(ucf_clips):
    with open_video(ucf_clips[0], backend="pyav") as video:
        return video.frames(segment_indices(len(video), 4))  # 320 x 240 real UCF101 frames


@pytest.mark.parametrize("name", ["clip", "videomae"])
def test_hugging_face_paths_crop_as_their_processor_on_odd_margins(frames, name):
    from transformers import CLIPImageProcessor, VideoMAEImageProcessor

    # short side 64, crop 61: the vertical margin is 3 pixels, where flooring (1) and rounding (2) differ
    if name == "clip":
        processor = CLIPImageProcessor(size={"shortest_edge": 64}, crop_size={"height": 61, "width": 61})
        reference = processor(images=list(frames), return_tensors="pt").pixel_values
    else:
        processor = VideoMAEImageProcessor(size={"shortest_edge": 64}, crop_size={"height": 61, "width": 61})
        reference = processor(list(frames), return_tensors="pt").pixel_values[0]
    spec = pixel_from_processor(processor, 61)
    assert spec.crop == "floor"
    ours = prepare(frames, spec)[0]
    assert ours.shape == reference.shape
    error = (ours - reference).abs().mean().item()
    shifted = (prepare(frames, type(spec)(**{**spec.__dict__, "crop": "round"}))[0] - reference).abs().mean().item()
    assert error < 0.02 and shifted > 2 * error  # the offset, not the resampling, decides the match


def _three_crop_reference(frames: np.ndarray, size: int, spec) -> torch.Tensor:
    """X-CLIP's test pipeline written from its config with torchvision: Resize(-1, size) keeps the aspect and
    makes the short side ``size``; ThreeCrop takes left, centre and right ``size`` squares of the long side."""
    import torchvision.transforms.v2.functional as TF
    from torchvision.transforms import InterpolationMode

    x = torch.from_numpy(frames).permute(0, 3, 1, 2)
    h, w = x.shape[-2:]
    short = size
    long = int(size * max(h, w) / min(h, w) + 0.5)  # mmcv's rescale rounds the long side
    x = TF.resize(x, [short, long] if h <= w else [long, short], interpolation=InterpolationMode.BILINEAR,
                  antialias=True)
    h, w = x.shape[-2:]
    offsets = [0, (w - size) // 2, w - size] if w >= h else [0, (h - size) // 2, h - size]
    crops = [x[..., :, o : o + size] if w >= h else x[..., o : o + size, :] for o in offsets]
    out = torch.stack(crops).float() / 255.0
    mean, std = torch.tensor(spec.mean).view(1, 1, 3, 1, 1), torch.tensor(spec.std).view(1, 1, 3, 1, 1)
    return (out - mean) / std


def test_three_crops_follow_xclips_three_crop_test(frames):
    from actionzs.models.xclip import load_xclip

    spec = load_xclip("random:xclip-tiny").pixel
    assert spec.resize is not None and spec.resize > spec.size  # one view: short side 256/224 of the crop
    ours = prepare(frames, spec, num_crops=3)
    reference = _three_crop_reference(frames, spec.size, spec)
    assert ours.shape == reference.shape == (3, len(frames), 3, spec.size, spec.size)
    std = torch.tensor(spec.std).view(1, 1, 3, 1, 1)
    assert ((ours - reference).abs() * std).max().item() <= 1 / 255 + 1e-6  # within 1/255 of a pixel value
