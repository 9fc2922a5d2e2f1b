# assay: two commands set everything up on a fresh machine — `make demo` and `make test`.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
UV := $(shell command -v uv 2>/dev/null)
export ASSAY_HOME ?= $(CURDIR)/.assay
export DAGSTER_HOME ?= $(ASSAY_HOME)/dagster

.PHONY: install install-run system-deps browser-deps deploy-deps images deploy deploy-down test-deploy demo demo-all dev lint test test-fast bench bench-all clean

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
	@touch $@ $(VENV)/.installed-run

# What running the chain needs (the default model, no test tools, no small model): a first
# `make demo` on an empty package cache downloads ~8 s less than the whole install.
$(VENV)/.installed-run: pyproject.toml
	@test -n "$(UV)" || python3 -m pip install -q uv
	uv venv -q --allow-existing --python 3.11 $(VENV)
	uv pip install -q --python $(PY) -e '.[model]'
	@touch $@

install: system-deps $(VENV)/.installed

install-run: system-deps $(VENV)/.installed-run

# The KodCode family end to end on seeds/kodcode/ with the embedded model and the bubblewrap sandbox.
demo: install-run
	$(PY) -m dagster_project.demo kodcode

# Any registered family (assets/registry.py): make demo-codeio, make demo-case2code, ...
demo-%: install-run
	$(PY) -m dagster_project.demo $*

# Every registered family, in registry order.
demo-all: install-run
	$(PY) -m dagster_project.demo --all

# The Dagster UI and daemon (sensors on) over the same instance and data as `make demo`.
dev: install-run
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

# --- Deployment (docker/): Postgres instance, runs in containers, docker sandbox, model server.
DEPLOY_DIR ?= $(ASSAY_HOME)/deploy
COMPOSE = $(shell docker compose version >/dev/null 2>&1 && echo "docker compose" || echo docker-compose) -p assay -f docker/compose.yaml
DEPLOY_MODEL ?= qwen2.5-coder-1.5b-instruct

# Debian's Docker engine, docker-compose 1.29 and debootstrap (for a base image without Docker Hub).
deploy-deps:
	@command -v dockerd >/dev/null && command -v docker-compose >/dev/null && command -v debootstrap >/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q docker.io docker-compose debootstrap >/dev/null; \
	  else echo "the deployment needs Docker: sudo apt-get install docker.io docker-compose debootstrap" >&2; exit 1; fi; }

images: deploy-deps
	python3 docker/build.py

# Build, start, print the UI address. Data and the watched seed folder: $(DEPLOY_DIR).
deploy: install images
	@mkdir -p $(DEPLOY_DIR)/seeds
	@$(PY) -c "from resources.llm.engines.embedded import ensure_model_file as f; f('$(DEPLOY_MODEL)')"
	ASSAY_DEPLOY_DIR=$(DEPLOY_DIR) ASSAY_MODEL_CACHE=$${ASSAY_MODEL_DIR:-$$HOME/.cache/assay/models} ASSAY_LLM_MODEL=$(DEPLOY_MODEL) $(COMPOSE) up -d
	@echo "assay UI: http://127.0.0.1:$${ASSAY_UI_PORT:-3000}  (drop seed files into $(DEPLOY_DIR)/seeds/<family>/)"

deploy-down:
	-for label in assay.deployment assay.sandbox; do docker ps -aq --filter label=$$label | xargs -r docker rm -f; done
	ASSAY_DEPLOY_DIR=$(DEPLOY_DIR) $(COMPOSE) down --remove-orphans

# The deployment end to end on a real engine (starts dockerd if none runs, builds, runs a seed).
test-deploy: install deploy-deps
	$(PY) docker/e2e.py
