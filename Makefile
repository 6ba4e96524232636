# strava-snapshot — `make help` lists the targets.
PYTHON ?= python3
VENV := .venv
PY := $(CURDIR)/$(VENV)/bin/python
PY_STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
# The app's suite, then each dev tool's own suite (each runs on its own, in its own folder).
SUITES := . tools/devhost tools/strava_emulator tools/devstack tools/loopback
TOOLS := tools/loopback tools/devhost tools/strava_emulator tools/devstack tools/bench
TYPED_TOOLS := tools/loopback tools/devhost tools/strava_emulator tools/devstack
TOOL_FILES := $(foreach tool,$(TOOLS),$(tool)/pyproject.toml)

.DEFAULT_GOAL := help
.PHONY: help install run test lint bench clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

$(PY_STAMP): requirements.txt requirements-dev.txt $(TOOL_FILES)
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(PY_STAMP) $(NODE_STAMP) ## Create .venv, install the app, the dev tools (editable) and Azurite

run: install ## Start Azurite, the Strava emulator (demo mode) and devhost
	$(PY) -m devstack

test: install ## Run every suite: the app's, then each tool's (they start their own servers on loopback)
	@set -e; for suite in $(SUITES); do \
	  echo "== $$suite"; (cd $$suite && $(PY) -m pytest -n 2 -q); \
	done

lint: install ## ruff (check and format) over the tree, strict mypy over the app (with the benchmarks) and each tool
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy .
	@set -e; for tool in $(TYPED_TOOLS); do echo "mypy $$tool"; (cd $$tool && $(PY) -m mypy .); done

bench: install ## Run the benchmarks under tools/bench
	$(PY) -m bench

clean: ## Remove installed dependencies and caches
	rm -rf $(VENV) node_modules .pytest_cache .mypy_cache .ruff_cache
