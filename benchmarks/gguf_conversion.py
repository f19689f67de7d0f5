"""The embedded LLM's one-time conversion: transformers' own GGUF loading (tokenizer and model, as its docs show)
against actionzs' ``_convert``, which parses the GGUF header and builds gguf's tensor-name map once each. Each runs
in a fresh process with an empty cache; the weights and the token ids must be identical.

    python benchmarks/gguf_conversion.py [--threads N] [--out FILE]

Target: the same weights and tokens, in at most 0.6x transformers' time.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

from bench_result import finish

REPO = Path(__file__).resolve().parents[1]

CHILD = r"""
import hashlib, json, sys, time
from pathlib import Path

from actionzs.models import llm

gguf, cache, how = llm._embedded_gguf(), Path(sys.argv[1]), sys.argv[2]
start = time.perf_counter()
if how == "transformers":
    from transformers import AutoModelForCausalLM, AutoTokenizer
    tokenizer = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    model = AutoModelForCausalLM.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
else:
    model, tokenizer = llm.load_llm(cache=type("Cache", (), {"root": cache})())  # converts, then loads
seconds = time.perf_counter() - start
digest = hashlib.sha256()
for name, tensor in sorted(model.state_dict().items()):
    digest.update(name.encode())
    digest.update(tensor.float().contiguous().numpy().tobytes())
text = "take the knife, cut the onion, put the paper towel in the bin"
print(json.dumps({"seconds": round(seconds, 2), "weights_sha256": digest.hexdigest(),
                  "token_ids": tokenizer(text)["input_ids"]}))
"""


def _run(how: str, threads: int) -> dict:
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "PYTHONPATH": str(REPO), "HF_HUB_OFFLINE": "1", "ACTIONZS_CACHE": cache,
               "OMP_NUM_THREADS": str(threads), "TQDM_DISABLE": "1"}
        done = subprocess.run([sys.executable, "-c", CHILD, cache, how], env=env, capture_output=True, text=True)
        if done.returncode:
            sys.exit(f"{how} failed: {done.stderr[-2000:]}")
        return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks" / "results" / "gguf_conversion_cpu.json")
    args = parser.parse_args()
    plain, product = _run("transformers", args.threads), _run("actionzs", args.threads)
    ratio = round(product["seconds"] / plain["seconds"], 2)
    result = {"command": " ".join(["python", "benchmarks/gguf_conversion.py", *sys.argv[1:]]),
              "machine": {"platform": platform.platform(), "cpus": os.cpu_count(), "python": platform.python_version(),
                          "threads": args.threads},
              "transformers_load_s": plain["seconds"], "actionzs_convert_and_load_s": product["seconds"],
              "ratio": ratio, "same_weights": plain["weights_sha256"] == product["weights_sha256"],
              "same_tokens": plain["token_ids"] == product["token_ids"], "target_ratio": 0.6}
    result["meets_target"] = result["same_weights"] and result["same_tokens"] and ratio <= 0.6
    finish(result, args.out)


if __name__ == "__main__":
    main()
