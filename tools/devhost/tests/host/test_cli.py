"""The command line: help text, and start-up failures that name their cause."""

from __future__ import annotations

import subprocess

from loopback.processes import python_module

from tests.host.calls import APPS


def run_devhost(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        python_module("devhost", *args),
        cwd=APPS,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_help_says_local_settings_do_not_override() -> None:
    result = run_devhost("--help")
    assert result.returncode == 0
    assert "never override" in result.stdout
    assert "--require-keys" in result.stdout and "--task-hub" in result.stdout


def test_invalid_schedule_fails_at_startup(azurite: str) -> None:
    result = run_devhost(
        "--app-dir",
        str(APPS / "bad_schedule"),
        "--port",
        "1",
        env={"AzureWebJobsStorage": azurite, "PATH": ""},
    )
    assert result.returncode == 2
    assert "timer function 'never'" in result.stderr and "61 * * * * *" in result.stderr


def test_missing_storage_setting_fails_at_startup() -> None:
    result = run_devhost("--app-dir", str(APPS / "bad_schedule"), env={"PATH": ""})
    assert result.returncode == 2
    assert "AzureWebJobsStorage" in result.stderr
