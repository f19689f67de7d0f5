"""A method imports only what it uses: CLIP and X-CLIP inference run where faiss, sentence-transformers and
matplotlib are missing (blocked here in a fresh process), and listings never load torch. Models are tiny and
UNTRAINED; nothing here is a prediction."""

from __future__ import annotations

import json
import subprocess
import sys


OPTIONAL = ("faiss", "sentence_transformers", "matplotlib")

_RUN = """
import sys
for name in {blocked!r}:
    sys.modules[name] = None  # 'import name' now raises ImportError, as where it is not installed
from actionzs.cli import main
for argv in {argvs!r}:
    try:
        main(argv, standalone_mode=False)
    finally:
        print("LOADED", sorted(m for m in ({watched!r}) if sys.modules.get(m) is not None), file=sys.stderr)
        print("END OF RUN", flush=True)
"""


def _run(*argvs, blocked=OPTIONAL, watched=OPTIONAL + ("torch",)):
    """The commands ``argvs``, one after another, in one fresh process with ``blocked`` made unimportable."""
    code = _RUN.format(blocked=list(blocked), argvs=[list(a) for a in argvs], watched=tuple(watched))
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)


def test_video_methods_run_without_the_caption_methods_libraries(ucf_clips):
    methods = [("clip", "random:openclip-tiny"), ("xclip", "random:xclip-tiny")]
    done = _run(*[["predict", str(ucf_clips[0]), "--method", method, "-m", model, "--labels", "a,b,c", "--json",
                   "--workers", "0", "--no-cache"] for method, model in methods])  # one process: CLIP, then X-CLIP
    assert done.returncode == 0, done.stderr
    reports = done.stdout.split("END OF RUN")[:-1]
    assert len(reports) == len(methods)
    for report in reports:
        assert len(json.loads(report)["predictions"]) == 1
    assert done.stderr.count("LOADED ['torch']") == len(methods)  # after each method's run


def test_the_caption_method_names_the_missing_library(ucf_clips, tmp_path):
    captions = tmp_path / "observer.json"
    captions.write_text(json.dumps({"results": {ucf_clips[0].stem: [{"sentence": "a man juggles balls",
                                                                     "timestamp": [0, 2]}]}}))
    done = _run(["predict", str(ucf_clips[0]), "--method", "caption", "--captions", str(captions), "--labels",
                 "juggling balls,riding a horse", "--include-class-name", "--no-own-descriptions", "--no-cache"],
                blocked=("faiss",))
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert len(errors) == 1 and "faiss" in errors[0] and "pip install faiss-cpu" in errors[0]
    assert "LOADED []" in done.stderr  # refused before torch or the embedder loaded: at once, not after minutes


def test_caption_evaluation_names_the_missing_library_before_loading_anything(tmp_path):
    captions = tmp_path / "observer.json"
    captions.write_text(json.dumps({"results": {"v_PushUps_g02_c03": [{"sentence": "a man does push ups",
                                                                       "timestamp": [0, 2]}]}}))
    done = _run(["eval", "-p", "ucf101-random50", "--captions", str(captions), "--include-class-name"],
                blocked=("sentence_transformers",))
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert errors == ["error: the caption method needs sentence_transformers, which is not installed: "
                      "pip install sentence-transformers"]
    assert "LOADED []" in done.stderr


def test_listings_do_not_load_torch():
    done = _run(["eval", "--list"])
    assert done.returncode == 0, done.stderr
    assert "LOADED []" in done.stderr


def test_decoding_alone_loads_neither_torch_nor_torchvision(ucf_clips):
    """A process that only reads frames (a subprocess checking one file, the reader used as a library) starts in
    a fraction of a second: the pixel transforms, the only part that needs torch, load on first use."""
    code = ("import sys\nfrom actionzs.video import open_video, segment_indices\n"
            f"video = open_video({str(ucf_clips[0])!r})\nprint(video.frames(segment_indices(len(video), 4)).shape)\n"
            "print(sorted(m for m in ('torch', 'torchvision') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    shape, loaded = done.stdout.splitlines()
    assert shape.startswith("(4, ") and loaded == "[]"
