# strava-snapshot — `make help` lists the targets.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(CURDIR)/$(VENV)/bin/python
PY_STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
CHECKOV_VENV := $(VENV)/checkov
CHECKOV_STAMP := $(CHECKOV_VENV)/.installed
# The app's suite and each dev tool's own suite, as FOLDER:PYTEST_WORKERS (each also runs on its own in its
# folder). They mostly wait on servers and timers, so `make test` runs them side by side
# (python -m devstack.suites: one line per suite, the log of a failed one, exit 5 fails, Ctrl-C stops all).
SUITES := .:4 tools/devhost:2 tools/strava_emulator:2 tools/devstack:4 tools/loopback:0
TEST_LOGS := .run/test
TOOLS := tools/loopback tools/devhost tools/strava_emulator tools/devstack tools/bench
TYPED_TOOLS := tools/loopback tools/devhost tools/strava_emulator tools/devstack
TOOL_FILES := $(foreach tool,$(TOOLS),$(tool)/pyproject.toml)

.DEFAULT_GOAL := help
.PHONY: help prerequisites install run test test-fast fuzz lint checkov record-histories bench clean

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

$(CHECKOV_STAMP): requirements-checkov.txt
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet -r requirements-checkov.txt
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

lint: install checkov ## ruff (check and format) over the tree, strict mypy over the app (with the benchmarks) and each tool, checkov over infra/
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy .
	@set -e; for tool in $(TYPED_TOOLS); do echo "mypy $$tool"; (cd $$tool && $(PY) -m mypy .); done

checkov: $(CHECKOV_STAMP) ## checkov over infra/ (skips and reasons: .checkov.yaml); a failed check or a file it cannot parse fails
	@out=$$($(CHECKOV_VENV)/bin/checkov --config-file .checkov.yaml 2>&1) || { echo "$$out"; exit 1; }; \
	  echo "$$out" | grep -v '^$$'; \
	  if echo "$$out" | grep -q 'Parsing errors: [1-9]'; then echo "checkov could not parse a file of infra/"; exit 1; fi

record-histories: install ## Re-record the orchestration histories the replay test checks (devhost, Azurite, the emulator)
	$(PY) -m pytest tests/e2e/record_histories.py -q -s -p no:cacheprovider

bench: install ## Run the benchmarks (tools/bench) and write their figures to docs/benchmarks.md (BENCH="read_path ..." picks some)
	$(PY) -m bench --write docs/benchmarks.md $(BENCH)

clean: ## Remove installed dependencies and caches
	rm -rf $(VENV) node_modules .pytest_cache .mypy_cache .ruff_cache
