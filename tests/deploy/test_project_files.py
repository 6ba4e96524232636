"""azure.yaml, host.json and the CI workflow: what azd, the Durable extension and GitHub Actions read."""

from __future__ import annotations

import fnmatch
import json
import re
from typing import Any

import yaml

from . import bicep

AZURE_YAML: dict[str, Any] = yaml.safe_load((bicep.ROOT / "azure.yaml").read_text())
HOST: dict[str, Any] = json.loads((bicep.ROOT / "host.json").read_text())
CI: dict[Any, Any] = yaml.safe_load((bicep.ROOT / ".github" / "workflows" / "ci.yml").read_text())


def test_azure_yaml_deploys_this_directory_as_the_tagged_python_function_app() -> None:
    (name, service), *others = AZURE_YAML["services"].items()
    assert not others
    assert service == {"project": ".", "language": "python", "host": "function", "remoteBuild": True}
    app = bicep.source(bicep.INFRA / "modules" / "functionapp.bicep")
    assert f"'azd-service-name': '{name}'" in app  # azd finds the app by this tag
    assert re.fullmatch(r"[a-z][a-z0-9-]{1,}", AZURE_YAML["name"])


def test_azure_yaml_hooks_only_name_outputs_the_template_has() -> None:
    outputs = {d.name for d in bicep.declarations("output") if d.path.name == "main.bicep"}
    for hook in AZURE_YAML["hooks"].values():
        for variant in hook.values():
            named = set(re.findall(r"\$(?:env:)?([A-Z_]+)", variant["run"]))
            assert named and named <= outputs, named - outputs


# What the package holds: the app's code and settings, and the files that say what it is.
APP_FILES = {
    "function_app.py", "host.json", "requirements.txt", "settings.py", "services.py", "timestamps.py",
    "read_cache.py", "rate_budget.py", "starters.py",
    "activities", "api", "card", "history", "orchestrations", "scheduled", "snapshot", "storage", "strava",
    "README.md", "LICENSE", ".funcignore",
}  # fmt: skip


def funcignore_patterns() -> list[str]:
    lines = (bicep.ROOT / ".funcignore").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def test_packaging_leaves_infra_and_dev_tools_out() -> None:
    ignored = set(funcignore_patterns())
    assert {"infra", "azure.yaml", ".azure", "tests", "tools"} <= ignored
    assert ".azure/" in (bicep.ROOT / ".gitignore").read_text().split()  # azd env files hold settings


def test_packaging_ships_only_the_app() -> None:
    """Every top-level entry of this checkout (caches, virtualenvs, build output included) is either
    left out by .funcignore or one of the app's files: a new stray folder fails here."""
    patterns = funcignore_patterns()
    assert not [p for p in patterns if p.startswith("!")]  # no re-includes, so fnmatch reads it right
    shipped = {
        entry.name
        for entry in bicep.ROOT.iterdir()
        if not any(fnmatch.fnmatchcase(entry.name, pattern.rstrip("/")) for pattern in patterns)
    }
    assert shipped <= APP_FILES, shipped - APP_FILES
    for cache in (".mypy_cache", ".pytest_cache", ".ruff_cache", "strava_snapshot.egg-info"):
        assert any(fnmatch.fnmatchcase(cache, pattern) for pattern in patterns), cache


def test_host_json_bundle_and_task_hub() -> None:
    assert HOST["extensionBundle"] == {
        "id": "Microsoft.Azure.Functions.ExtensionBundle",
        "version": "[4.*, 5.0.0)",  # Flex Consumption needs bundle 4 or later for non-.NET apps
    }
    durable = HOST["extensions"]["durableTask"]
    # Azure Storage task hub names: 3-45 characters, letters and digits, starting with a letter.
    assert re.fullmatch(r"[A-Za-z][A-Za-z0-9]{2,44}", durable["hubName"])


def test_durable_concurrency_is_sized_for_the_python_worker() -> None:
    durable = HOST["extensions"]["durableTask"]
    orchestrators = durable["maxConcurrentOrchestratorFunctions"]
    activities = durable["maxConcurrentActivityFunctions"]
    # Orchestrators are synchronous generators: they run on the worker's thread pool, which has
    # min(32, cores + 4) threads by default (5 on a 1-core instance), so no more than that.
    assert 1 <= orchestrators <= 5
    # Activities are async (aiohttp, azure-data-tables aio) and share one event loop: more than the
    # threads, but bounded so a burst spreads over instances instead of queueing on one.
    assert orchestrators <= activities <= 10


def test_ci_runs_the_readme_test_command_on_push() -> None:
    triggers = CI[True]  # YAML 1.1 reads the key `on` as True
    assert "push" in triggers and "pull_request" in triggers
    steps = CI["jobs"]["test"]["steps"]
    # .ci/run is the single entry: the workflow runs nothing of its own beside it (lint runs once)
    assert [step["run"] for step in steps if "run" in step] == ["bash .ci/run"]
    ci_run = [line.strip() for line in (bicep.ROOT / ".ci" / "run").read_text().splitlines()]
    assert ci_run[-3:] == ["make test", "make fuzz", "make lint"]  # the long Schemathesis run between
    assert "3.12" in CI["jobs"]["test"]["strategy"]["matrix"]["python"]  # the Azure runtime
    assert CI["permissions"] == {"contents": "read"}


def test_ci_deploys_only_tags_with_a_federated_credential() -> None:
    deploy = CI["jobs"]["deploy"]
    assert deploy["needs"] == "test"
    assert deploy["if"].startswith("startsWith(github.ref, 'refs/tags/v')")
    assert deploy["permissions"]["id-token"] == "write"
    runs = " ".join(step.get("run", "") for step in deploy["steps"])
    assert "--federated-credential-provider github" in runs
    assert "azd up --no-prompt" in runs
    text = (bicep.ROOT / ".github" / "workflows" / "ci.yml").read_text()
    assert "AZURE_CLIENT_SECRET" not in text
    assert "${{ secrets.STRAVA_CLIENT_SECRET }}" in text
