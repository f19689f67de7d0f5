"""Run under ``accelerate launch``: several actionzs jobs, one after another, in the same launched processes.

Each process starts once (its imports and its place in the process group), then runs the jobs listed in the JSON
file ``argv[1]``; ``test_launch.py`` starts one launch for them all instead of one per job. A job is either a
command line (``args``, run by the real ``actionzs`` click group with its own ``ACTIONZS_CACHE``) or the sentence
embedder on a list of texts. Each process writes ``<name>.<rank>.json`` (exit code, stdout, stderr, seconds) beside the
job file."""

from __future__ import annotations

import json
import os
import sys
import time
import traceback
from pathlib import Path

import numpy as np
from click.testing import CliRunner

from actionzs.cache import FeatureCache
from actionzs.cli import main
from actionzs.launch import current
from actionzs.models.embedder import load_embedder


def run_job(job: dict) -> dict:
    if "args" in job:
        result = CliRunner().invoke(main, job["args"], env={"ACTIONZS_CACHE": job["cache"]})
        crashed = result.exception is not None and not isinstance(result.exception, SystemExit)
        crash = "".join(traceback.format_exception(*result.exc_info)) if crashed else ""
        return {"exit_code": result.exit_code, "stdout": result.stdout, "stderr": result.stderr + crash}
    embedded = load_embedder(cache=FeatureCache(job["cache"])).encode(job["texts"])
    if current().is_main:
        np.save(job["save"], embedded)
    return {"exit_code": 0, "stdout": "", "stderr": ""}


if __name__ == "__main__":
    jobs = Path(sys.argv[1])
    rank = int(os.environ.get("RANK", "0"))
    for job in json.loads(jobs.read_text()):
        start = time.perf_counter()
        result = run_job(job)
        result["seconds"] = round(time.perf_counter() - start, 2)  # read when the launch is too slow
        (jobs.parent / f"{job['name']}.{rank}.json").write_text(json.dumps(result))
