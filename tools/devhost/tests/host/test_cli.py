"""The command line: help text, and start-up failures that name their cause."""

from __future__ import annotations

import subprocess

import pytest
from devhost.__main__ import parse_arguments
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


NETWORK_ADDRESSES = ["0.0.0.0", "::", "", "192.168.1.20", "devbox.example"]  # noqa: S104 - refused, not bound


@pytest.mark.parametrize("host", NETWORK_ADDRESSES)
def test_a_network_address_needs_keys(host: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        parse_arguments(["--host", host])
    assert exited.value.code == 2
    assert capsys.readouterr().err == (
        f"devhost: error: --host {host} is reachable from the network: add --require-keys\n"
    )
    assert parse_arguments(["--host", host, "--require-keys"]).host == host


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "::1", "[::1]", "localhost"])
def test_loopback_needs_no_keys(host: str) -> None:
    assert parse_arguments(["--host", host]).require_keys is False
