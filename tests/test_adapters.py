"""Few-shot adapters: synthetic separable features, round trips on real clips, bad support sets.
Video models here are tiny and UNTRAINED (random weights)."""

import json
import shutil

import numpy as np
import pytest
import yaml
from click.testing import CliRunner

from actionzs.adapters.base import load_adapter
from actionzs.adapters.linear import LinearAdapter
from actionzs.adapters.prototype import PrototypeAdapter
from actionzs.adapters.support import read_support, sample_shots
from actionzs.cli import main
from actionzs.errors import InputError


def _clusters(seed, classes=6, dim=32, per_class=12, noise=0.15):
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((classes, dim))
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    y = np.repeat(np.arange(classes), per_class)
    x = centres[y] + noise * rng.standard_normal((len(y), dim))
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    text = rng.standard_normal((classes, dim))  # a text classifier that knows nothing of the clusters
    return x.astype(np.float32), y, text / np.linalg.norm(text, axis=1, keepdims=True)


@pytest.mark.parametrize("adapter", [PrototypeAdapter, LinearAdapter])
def test_separable_features_reach_full_accuracy_and_beat_zero_shot(adapter):
    x, y, text = _clusters(0)
    support = np.concatenate([np.flatnonzero(y == c)[:4] for c in range(6)])
    query = np.setdiff1d(np.arange(len(y)), support)
    fitted = adapter.fit(x[support], y[support], text, 100.0)
    accuracy = (fitted.scores(x[query]).argmax(1) == y[query]).mean()
    zero_shot = ((x[query] @ text.T).argmax(1) == y[query]).mean()
    # the linear head keeps a (weak) pull towards the text prior, which here knows nothing: 47 of 48 is its best
    assert accuracy >= 0.97 and accuracy > zero_shot + 0.3


def test_the_linear_heads_closed_form_gradient_is_autograds():
    """The head's loss and its hand-written gradient against autograd on the loss as torch writes it (cross-entropy
    plus the pull towards the text prior), away from the start where the gradient is not trivial."""
    import torch
    import torch.nn.functional as F

    from actionzs.adapters.linear import objective

    x, y, text = (torch.as_tensor(a, dtype=torch.float64) for a in _clusters(2))
    y = y.long()
    generator = torch.Generator().manual_seed(0)
    delta = (0.1 * torch.randn(text.shape, generator=generator, dtype=torch.float64)).requires_grad_()
    bias = (0.1 * torch.randn(len(text), generator=generator, dtype=torch.float64)).requires_grad_()
    strength, scale = 0.01, 100.0
    want = F.cross_entropy(scale * (x @ (text + delta).T + bias), y) + strength * (delta.square().sum()
                                                                                  + bias.square().sum())
    want.backward()
    loss, d_delta, d_bias = objective(x, F.one_hot(y, len(text)).double(), text, scale, strength, delta.detach(),
                                      bias.detach())
    torch.testing.assert_close(loss, want.detach(), rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(d_delta, delta.grad, rtol=1e-10, atol=1e-12)
    torch.testing.assert_close(d_bias, bias.grad, rtol=1e-10, atol=1e-12)
    assert d_delta.abs().max() > 1e-3  # a gradient worth comparing


def test_prototype_keeps_zero_shot_when_the_cache_does_not_help():
    x, y, _ = _clusters(1)
    perfect_text = np.stack([x[y == c].mean(0) for c in range(6)])
    perfect_text /= np.linalg.norm(perfect_text, axis=1, keepdims=True)
    fitted = PrototypeAdapter.fit(x[::3], y[::3], perfect_text, 100.0)
    assert (fitted.scores(x).argmax(1) == y).mean() >= 0.98


def _clip_like(seed, classes, informative, dim=512, per_class=30):
    """Unit features with CLIP's geometry (class texts at cosine ~0.75 to each other, videos ~0.25 from texts,
    ~0.5 from each other): the text prior is weakly right; with ``informative`` support, each class also has a
    visual direction of its own that only labelled clips reveal."""
    rng = np.random.default_rng(seed)

    def unit(a):
        return a / np.linalg.norm(a, axis=-1, keepdims=True)

    common_text, common_video = unit(rng.standard_normal(dim)), unit(rng.standard_normal(dim))
    text = unit(0.85 * common_text + 0.5 * unit(rng.standard_normal((classes, dim))))
    y = np.repeat(np.arange(classes), per_class)
    own = unit(rng.standard_normal((classes, dim)))[y] if informative else unit(rng.standard_normal((len(y), dim)))
    x = unit(0.6 * common_video + 0.3 * common_text + 0.08 * (text[y] - text.mean(0)) + 0.45 * own
             + 0.55 * unit(rng.standard_normal((len(y), dim))))
    return x.astype(np.float32), y, text


@pytest.mark.parametrize("adapter", [PrototypeAdapter, LinearAdapter])
@pytest.mark.parametrize("shots,classes", [(1, 10), (2, 10), (1, 2), (2, 2)])
def test_low_shot_adapters_keep_the_prior_and_learn_from_informative_support(adapter, shots, classes):
    """1-shot, 2-shot and 2-class support sets fit; never worse than zero-shot on uninformative support,
    better on informative support (query accuracy averaged over 3 seeds)."""
    results = {}
    for informative in (True, False):
        ours, zero_shot = [], []
        for seed in range(3):
            x, y, text = _clip_like(seed, classes, informative)
            rng = np.random.default_rng(seed)
            support = np.concatenate([rng.choice(np.flatnonzero(y == c), shots, replace=False) for c in range(classes)])
            query = np.setdiff1d(np.arange(len(y)), support)
            fitted = adapter.fit(x[support], y[support], text, 100.0)
            ours.append((fitted.scores(x[query]).argmax(1) == y[query]).mean())
            zero_shot.append(((x[query] @ text.T).argmax(1) == y[query]).mean())
        results[informative] = np.mean(ours), np.mean(zero_shot)
    ours, zero_shot = results[False]
    assert ours >= zero_shot - 0.01  # a 2-3 query-clip difference at most
    ours, zero_shot = results[True]
    assert ours > zero_shot


def _support_folder(root, data_dir, copies=2):
    for clip in sorted((data_dir / "videos").glob("*/v_*_g*_c*.avi")):
        label = clip.stem.split("_")[1]
        (root / label).mkdir(parents=True, exist_ok=True)
        for i in range(copies):
            shutil.copy(clip, root / label / f"{i}_{clip.name}")
    return root


@pytest.mark.parametrize("method", ["prototype", "linear"])
def test_adapter_round_trip_gives_identical_scores(method, tmp_path, data_dir):
    support = _support_folder(tmp_path / "support", data_dir)
    out = tmp_path / "adapter"
    result = CliRunner().invoke(main, ["adapt", str(support), "-o", str(out), "--method", method, "--labels", "ucf101",
                                       "-m", "random:openclip-tiny", "--frames", "4", "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    meta = json.loads(result.stdout)
    assert meta["base_model"] == "random:openclip-tiny" and len(meta["classes"]) == 101
    assert sorted((out).iterdir()) == [out / "adapter.yaml", out / "weights.safetensors"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".adapter")]
    clips = sorted(str(p) for p in support.glob("*/0_*.avi"))
    first = CliRunner().invoke(main, ["predict", *clips, "--adapter", str(out), "--json", "-k", "101"])
    second = CliRunner().invoke(main, ["predict", *clips, "--adapter", str(out), "--json", "-k", "101"])
    a, b = json.loads(first.stdout), json.loads(second.stdout)
    assert a["predictions"] == b["predictions"] and a["untrained"] is True
    assert a["sampling"]["frames"] == 4  # the adapter's sampling, not the command's default
    adapter = load_adapter(out)
    assert adapter.info.method == method and type(adapter.head).method == method


def test_adapter_refuses_another_base_model(tmp_path, data_dir):
    support = _support_folder(tmp_path / "support", data_dir)
    CliRunner().invoke(main, ["adapt", str(support), "-o", str(tmp_path / "a"), "-m", "random:openclip-tiny"],
                       catch_exceptions=False)
    result = CliRunner().invoke(main, ["predict", str(next(support.glob("*/*.avi"))), "--adapter", str(tmp_path / "a"),
                                       "-m", "random:hf-clip-tiny"])
    assert result.exit_code == 2 and "was made on 'random:openclip-tiny'" in result.stderr


def test_bad_support_sets(tmp_path, data_dir):
    support = _support_folder(tmp_path / "s", data_dir, copies=1)
    (support / "EmptyClass").mkdir()
    with pytest.raises(InputError, match="'EmptyClass' holds no videos"):
        read_support(support)
    (support / "EmptyClass").rmdir()
    (support / "Juggling").mkdir()
    shutil.copy(data_dir / "videos/st-gcn/skateboarding.mp4", support / "Juggling" / "x.mp4")
    from actionzs.text.labels import load_labels

    with pytest.raises(InputError, match="'Juggling' is not in label set 'ucf101'"):
        read_support(support, load_labels("ucf101"))
    shutil.rmtree(support / "Juggling")
    shutil.copy(data_dir / "videos/decord/corrupted.mp4", support / "PushUps" / "broken.mp4")
    for method, model in (("prototype", "random:openclip-tiny"), ("linear", "random:openclip-tiny"),
                          ("xclip", "random:xclip-tiny")):  # every method skips the clip it cannot read, alike
        extra = ["--epochs", "1"] if method == "xclip" else []
        result = CliRunner().invoke(main, ["adapt", str(support), "-o", str(tmp_path / f"ad_{method}"), "-m", model,
                                           "--method", method, *extra])
        assert result.exit_code == 0, (method, result.output)
        assert "skipped" in result.stderr and "broken.mp4: corrupt" in result.stderr, (method, result.stderr)
        assert yaml.safe_load((tmp_path / f"ad_{method}" / "adapter.yaml").read_text())["training"]["skipped_clips"] == 1
    for clip in (support / "Shotput").glob("*.avi"):
        clip.unlink()
    shutil.copy(data_dir / "videos/decord/corrupted.mp4", support / "Shotput" / "only.mp4")
    result = CliRunner().invoke(main, ["adapt", str(support), "-o", str(tmp_path / "ad2"), "-m", "random:openclip-tiny"])
    assert result.exit_code == 2 and "class 'Shotput' has no readable support clip" in result.stderr
    assert not (tmp_path / "ad2").exists()


def test_k_shot_sampling_is_seeded(tmp_path, data_dir):
    support, _ = read_support(_support_folder(tmp_path / "s", data_dir, copies=4))
    a, b = sample_shots(support, 2, seed=1), sample_shots(support, 2, seed=1)
    assert a == b and set(a.per_class().values()) == {2}
    assert sample_shots(support, 2, seed=2) != a
    with pytest.raises(InputError, match="fewer than --shots 5"):
        sample_shots(support, 5)
