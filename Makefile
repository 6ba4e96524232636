# strava-snapshot — `make help` lists the targets.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(CURDIR)/$(VENV)/bin/python
PY_STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
# The app's suite and each dev tool's own suite, as FOLDER:PYTEST_WORKERS (each also runs on its own in its
# folder). They mostly wait on servers and timers, so `make test` runs them side by side, each as a job
# of its own (set -m; the shell's job notices go to /dev/null) that Ctrl-C, SIGTERM or SIGHUP to make
# interrupts cleanly.
SUITES := .:4 tools/devhost:2 tools/strava_emulator:2 tools/devstack:4 tools/loopback:0
TEST_LOGS := .run/test
TOOLS := tools/loopback tools/devhost tools/strava_emulator tools/devstack tools/bench
TYPED_TOOLS := tools/loopback tools/devhost tools/strava_emulator tools/devstack
TOOL_FILES := $(foreach tool,$(TOOLS),$(tool)/pyproject.toml)

.DEFAULT_GOAL := help
.PHONY: help prerequisites install run test lint bench clean

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
	@set -m; exec 2>/dev/null; mkdir -p $(TEST_LOGS); pids=""; \
	trap 'for p in $$pids; do kill -INT -- -$$p 2>/dev/null; done; wait; echo "make test: interrupted"; exit 130' INT TERM HUP; \
	for entry in $(SUITES); do \
	  suite=$${entry%:*}; workers=$${entry##*:}; log=$(TEST_LOGS)/$$(echo "$$suite" | tr ./ _-).log; \
	  ( TIMEFORMAT="%Rs wall, %U+%Ss cpu"; cd $$suite && time $(PY) -m pytest -q -n $$workers --maxschedchunk 1 ) \
	    > $$log 2>&1 & pids="$$pids $$!"; \
	done; \
	failed=""; set -- $$pids; \
	for entry in $(SUITES); do \
	  suite=$${entry%:*}; log=$(TEST_LOGS)/$$(echo "$$suite" | tr ./ _-).log; \
	  if wait $$1; then result=passed; else result="FAILED (exit $$?)"; failed="$$failed $$suite"; fi; shift; \
	  if [ "$$result" != passed ]; then echo "== $$suite"; sed '$$d' $$log; fi; \
	  echo "== $$suite: $$result, $$(tail -n 2 $$log | head -n 1 | tr -d =) ($$(tail -n 1 $$log); log: $$log)"; \
	done; \
	if [ -n "$$failed" ]; then echo "make test: failed:$$failed"; exit 1; fi

lint: install ## ruff (check and format) over the tree, strict mypy over the app (with the benchmarks) and each tool
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy .
	@set -e; for tool in $(TYPED_TOOLS); do echo "mypy $$tool"; (cd $$tool && $(PY) -m mypy .); done

bench: install ## Run the benchmarks under tools/bench
	$(PY) -m bench

clean: ## Remove installed dependencies and caches
	rm -rf $(VENV) node_modules .pytest_cache .mypy_cache .ruff_cache
