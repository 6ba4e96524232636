# strava-snapshot — `make help` lists the targets.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(CURDIR)/$(VENV)/bin/python
PY_STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
# The app's suite and each dev tool's own suite, as FOLDER:PYTEST_WORKERS (each also runs on its own in its
# folder). They mostly wait on servers and timers, so `make test` runs them side by side
# (python -m devstack.suites: one line per suite, the log of a failed one, exit 5 fails, Ctrl-C stops all).
SUITES := .:4 tools/devhost:2 tools/strava_emulator:2 tools/devstack:4 tools/loopback:0
TEST_LOGS := .run/test
TOOLS := tools/loopback tools/devhost tools/strava_emulator tools/devstack tools/bench
TYPED_TOOLS := tools/loopback tools/devhost tools/strava_emulator tools/devstack
TOOL_FILES := $(foreach tool,$(TOOLS),$(tool)/pyproject.toml)

.DEFAULT_GOAL := help
.PHONY: help prerequisites install run test test-fast fuzz lint bench clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-13s %s\n", $$1, $$2}'

prerequisites: ## Check Python >= 3.10, Node and npm (the Node version Azurite declares); install does this first
	@tools/devstack/bin/check-prerequisites $(PYTHON)

$(PY_STAMP): requirements.txt requirements-dev.txt $(TOOL_FILES)
	@tools/devstack/bin/check-prerequisites $(PYTHON)
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

$(NODE_STAMP): package.json package-lock.json
	@tools/devstack/bin/check-prerequisites $(PYTHON)
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(PY_STAMP) $(NODE_STAMP) ## Create .venv, install the app, the dev tools (editable) and Azurite

run: install ## Start Azurite, the Strava emulator (demo mode) and devhost (options: RUN_ARGS="--help")
	$(PY) -m devstack $(RUN_ARGS)

test: install ## Run every suite side by side: the app's and each tool's (they start their own servers on loopback)
	$(PY) -m devstack.suites --logs $(TEST_LOGS) $(SUITES)

test-fast: install ## The app's tests that start no server (pure logic, orchestrations replayed): the edit-test loop
	$(PY) -m pytest tests -q -p no:cacheprovider --no-servers

fuzz: install ## Schemathesis against the demo stack, at least 200 cases per operation (CI runs it after test)
	FUZZ_MAX_EXAMPLES=$${FUZZ_MAX_EXAMPLES:-200} FUZZ_MIN_CASES=$${FUZZ_MIN_CASES:-200} \
	  $(PY) -m pytest tests/fuzz -q -s -p no:cacheprovider

lint: install ## ruff (check and format) over the tree, strict mypy over the app (with the benchmarks) and each tool
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy .
	@set -e; for tool in $(TYPED_TOOLS); do echo "mypy $$tool"; (cd $$tool && $(PY) -m mypy .); done

bench: install ## Run the benchmarks (tools/bench) and write their figures to docs/benchmarks.md (BENCH="read_path ..." picks some)
	$(PY) -m bench --write docs/benchmarks.md $(BENCH)

clean: ## Remove installed dependencies and caches
	rm -rf $(VENV) node_modules .pytest_cache .mypy_cache .ruff_cache
