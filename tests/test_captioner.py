"""Captioning with Hugging Face image-to-text models. The BLIP here is tiny and UNTRAINED (random weights,
built in actionzs.models.captioner from a config): the checks are parity and plumbing, not caption quality."""

import json

import torch
from click.testing import CliRunner

from actionzs.cli import main
from actionzs.models.captioner import load_captioner
from actionzs.models.tiny import blip as tiny_blip
from actionzs.video import open_video


def test_captioner_matches_a_direct_transformers_generate(data_dir):
    video = open_video(data_dir / "videos/st-gcn/skateboarding.mp4")
    frames = video.frames([0, 150, 299])
    ours = load_captioner("random:blip-tiny").caption(frames, batch_size=2)
    model, processor = tiny_blip()
    with torch.no_grad():
        pixels = processor(images=list(frames), return_tensors="pt")["pixel_values"]
        ids = model.generate(pixel_values=pixels, max_new_tokens=8)
    assert ours == [t.strip() for t in processor.batch_decode(ids, skip_special_tokens=True)]
    assert all(ours)


def test_caption_json_feeds_predict(data_dir, tmp_path):
    clip = data_dir / "videos/3DNet_Visualization/v_Shotput_g05_c02.avi"
    out = tmp_path / "blip.json"
    result = CliRunner().invoke(main, ["caption", str(clip), "--captioner", "random:blip-tiny", "--window", "1",
                                       "--hop", "1", "--out", str(out)], catch_exceptions=False)
    assert result.exit_code == 0 and "untrained" in result.stderr
    data = json.loads(out.read_text())
    entries = data["results"]["v_Shotput_g05_c02"]
    assert data["untrained"] is True and entries[0]["timestamp"][0] == 0.0
    assert entries[-1]["timestamp"][1] >= 5.1  # 130 frames at 25 fps: covered to the end
    assert all(a["timestamp"][1] <= b["timestamp"][0] + 1e-6 for a, b in zip(entries, entries[1:]))
    pred = CliRunner().invoke(main, ["predict", str(clip), "--labels", "ucf101", "--method", "caption",
                                     "--captions", str(out), "--json"], catch_exceptions=False)
    assert pred.exit_code == 0 and json.loads(pred.stdout)["predictions"][0]["video"] == str(clip)


def test_predict_captions_on_the_fly_is_flagged_untrained(data_dir):
    clip = data_dir / "videos/3DNet_Visualization/v_Shotput_g05_c02.avi"
    result = CliRunner().invoke(main, ["predict", str(clip), "/missing.avi", "--labels", "ucf101", "--method",
                                       "caption", "--captioner", "random:blip-tiny", "--json"], catch_exceptions=False)
    report = json.loads(result.stdout)
    assert result.exit_code == 1 and report["untrained"] is True
    assert len(report["predictions"]) == 1 and "/missing.avi: no such file" in result.stderr


def test_unreachable_captioner_fails_in_one_line(data_dir):
    clip = data_dir / "videos/3DNet_Visualization/v_Shotput_g05_c02.avi"
    result = CliRunner().invoke(main, ["caption", str(clip)])
    assert result.exit_code == 2 and "blip-image-captioning-base" in result.stderr
    assert result.stderr.strip().count("\n") == 0


def test_caption_hop_defaults_to_half_the_window_as_predict(data_dir):
    """Every window gets its own caption here (a counting stand-in for a captioner), so the stretches are the
    windows: they start every half window, as ``predict --window``'s."""
    import itertools

    from actionzs.models.captioner import caption_video
    from actionzs.options import CaptionRequest, Windowing

    assert CaptionRequest(window=3).step == Windowing(3).step == 1.5
    counter = itertools.count()

    class Counting:
        def caption(self, frames):
            return [f"caption {next(counter)}" for _ in frames]

    clip = sorted((data_dir / "videos").glob("*/v_*.avi"))[0]
    stretches = caption_video(clip, Counting(), window_s=2)
    starts = [c.start for c in stretches]
    assert len(starts) >= 4 and starts == [float(i) for i in range(len(starts))]
    assert all(c.end - c.start == 2 for c in stretches[:-1])
