# assay: two commands set everything up on a fresh machine — `make demo` and `make test`.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
UV := $(shell command -v uv 2>/dev/null)
export ASSAY_HOME ?= $(CURDIR)/.assay
export DAGSTER_HOME ?= $(ASSAY_HOME)/dagster

.PHONY: install system-deps browser-deps demo demo-all dev lint test test-fast bench bench-all clean

# bubblewrap is the local sandbox; install it from Debian when we can (root), else say how.
system-deps:
	@command -v bwrap >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    (apt-get install -y -q bubblewrap >/dev/null 2>&1 || (apt-get update -q >/dev/null && apt-get install -y -q bubblewrap >/dev/null)); \
	  else echo "assay needs bubblewrap: sudo apt-get install bubblewrap" >&2; exit 1; fi; }

# Headless Chromium for the UI tests (tests/ui/test_browser.py), from Debian like bubblewrap;
# only `make test` needs it, so `make demo` does not pay for it.
browser-deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    (apt-get install -y -q chromium >/dev/null 2>&1 || (apt-get update -q >/dev/null && apt-get install -y -q chromium >/dev/null)); \
	  else echo "the browser tests need Chromium: sudo apt-get install chromium (they are skipped without it)" >&2; fi; }

$(VENV)/.installed: pyproject.toml
	@test -n "$(UV)" || python3 -m pip install -q uv
	uv venv -q --allow-existing --python 3.11 $(VENV)
	uv pip install -q --python $(PY) -e '.[dev,model,model-small]'
	@touch $@

install: system-deps $(VENV)/.installed

# The KodCode family end to end on seeds/kodcode/ with the embedded model and the bubblewrap sandbox.
demo: install
	$(PY) -m dagster_project.demo kodcode

# Any registered family (assets/registry.py): make demo-codeio, make demo-case2code, ...
demo-%: install
	$(PY) -m dagster_project.demo $*

# Every registered family, in registry order.
demo-all: install
	$(PY) -m dagster_project.demo --all

# The Dagster UI and daemon (sensors on) over the same instance and data as `make demo`.
dev: install
	@$(PY) -m dagster_project.instance >/dev/null
	$(VENV)/bin/dagster dev -m dagster_project.definitions -h 127.0.0.1 -p 3000

# Lint and format are checked (ruff, pinned in pyproject's dev extra) before any test runs.
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

test: lint browser-deps
	$(PY) -m pytest -q

# Everything but the real-model smoke tests and the browser tests.
test-fast: install
	$(PY) -m pytest -q -m "not model and not browser"

# Each prints its figures as ratios against a baseline measured in the same run.
bench: install
	$(PY) bench/sandbox_throughput.py
	$(PY) bench/sandbox_overhead.py
	$(PY) bench/llm_client.py
	$(PY) bench/chaos.py
	$(PY) bench/reward_cost.py

# Slower: 10,000-question memory run, 10,000-job leak check, and the reference cross-checks.
bench-all: bench
	$(PY) bench/memory.py
	$(PY) bench/sandbox_leaks.py
	$(PY) bench/sandbox_agreement.py
	$(PY) bench/codeio_reference.py
	$(PY) bench/case2code_reference.py

clean:
	rm -rf $(ASSAY_HOME)
