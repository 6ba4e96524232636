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
            named = set(re.findall(r"\$\{?(?:env:)?([A-Z_]+)", variant["run"]))
            assert named and named <= outputs, named - outputs


# What the package holds: the app's code and settings, and the files that say what it is.
APP_FILES = {
    "function_app.py", "host.json", "requirements.txt", "settings.py", "services.py", "timestamps.py",
    "read_cache.py", "rate_budget.py", "starters.py", "lazy_exports.py",
    "activities", "api", "card", "history", "maps", "orchestrations", "scheduled", "snapshot", "storage",
    "strava",
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


HOOK_ENV = {
    "STRAVA_CALLBACK_DOMAIN": "func-token.azurewebsites.net",
    "STRAVA_AUTHORIZE_URL": "https://func-token.azurewebsites.net/api/strava/authorize",
    "AZURE_FUNCTION_APP_NAME": "func-token",
    "AZURE_RESOURCE_GROUP": "rg-my-site",
}
EXPECTED_HOOK_LINES = [
    "Strava Authorization Callback Domain: func-token.azurewebsites.net",
    "Connect: open https://func-token.azurewebsites.net/api/strava/authorize?code=<key>  "
    "(key: az functionapp keys list -n func-token -g rg-my-site)",
]


def test_the_posix_hook_prints_the_urls() -> None:
    import subprocess

    run = AZURE_YAML["hooks"]["postprovision"]["posix"]
    assert run["shell"] == "sh"
    out = subprocess.run(["sh", "-c", run["run"]], env=HOOK_ENV, capture_output=True, text=True, check=True)
    assert out.stdout.splitlines() == EXPECTED_HOOK_LINES


def expand_powershell(text: str, env: dict[str, str]) -> str:
    """PowerShell's expansion of ``$env:NAME`` and ``${env:NAME}`` in a double-quoted string: without
    braces the name runs over letters, digits, ``_``, ``?`` and ``:`` (so ``$env:URL?code`` names the
    variable ``URL?code``, which is unset: empty)."""
    text = re.sub(r"\$\{env:([^}]+)\}", lambda m: env.get(m.group(1), ""), text)
    return re.sub(r"\$env:([\w?:]+)", lambda m: env.get(m.group(1), ""), text)


def test_the_windows_hook_prints_the_urls() -> None:
    run = AZURE_YAML["hooks"]["postprovision"]["windows"]
    assert run["shell"] == "pwsh"
    lines = []
    for line in run["run"].splitlines():
        match = re.fullmatch(r'Write-Host "([^"`]*)"', line.strip())
        assert match, line  # one plain double-quoted string per line, nothing else to interpret
        lines.append(expand_powershell(match.group(1), HOOK_ENV))
    assert lines == EXPECTED_HOOK_LINES


def test_the_powershell_model_reads_the_old_hook_as_powershell_did() -> None:
    old = "Connect: open $env:STRAVA_AUTHORIZE_URL?code=<key>"
    assert expand_powershell(old, HOOK_ENV) == "Connect: open =<key>"


def test_checkov_runs_in_lint_and_every_skip_has_its_reason() -> None:
    makefile = (bicep.ROOT / "Makefile").read_text()
    assert re.search(r"^lint: install checkov ", makefile, re.MULTILINE)
    config_text = (bicep.ROOT / ".checkov.yaml").read_text()
    config = yaml.safe_load(config_text)
    assert config["directory"] == ["infra"] and config["skip-download"] is True
    lines = config_text.split("skip-check:", 1)[1].splitlines()
    skipped = [line for line in lines if line.strip().startswith("- ")]
    assert len(skipped) == len(config["skip-check"]) and len(set(config["skip-check"])) == len(skipped)
    for line in skipped:  # a reason beside it, or one that covers it from the line before (a group)
        assert "#" in line, line


def test_host_json_follows_the_flex_consumption_advice() -> None:
    durable = HOST["extensions"]["durableTask"]
    # docs/deploying.md: at most 1 s between polls of idle queues (the extension's own Flex default)
    assert durable["storageProvider"]["maxQueuePollingInterval"] == "00:00:01"
