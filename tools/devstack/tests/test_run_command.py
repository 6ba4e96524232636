"""`make run` as a new user meets it: the demo, --check, --help, a port in use, a bad setting, a second run,
and the user's own settings against the demo's."""

from __future__ import annotations

import re
import signal
import socket
import subprocess
import sys
import urllib.request

import pytest
from devhost import READY_LINE
from devstack.stack import PROJECT_ROOT
from loopback.ports import LOOPBACK, port_is_free

pytestmark = pytest.mark.e2e


def test_check_runs_the_demo_once_prints_no_dead_urls_and_stops_everything(stack_run):
    stack_run.start("--check")
    assert stack_run.wait(timeout=180) == 0, stack_run.output()
    output = stack_run.output()
    assert "demo mode (Strava emulator)" in output
    assert "recent activities in the snapshot" in output
    assert "check passed" in output
    assert re.search(r"webhooks +subscription \d+ validated by the emulator", output), output
    assert "http://" not in output  # every URL would already be dead
    log = (stack_run.run_dir / "devhost.log").read_text()
    assert "orchestrator stats_snapshot" in log
    # the fetches end before the save that --check waits for, so their lines are in the log by then
    assert re.search(r"activity fetch_\w+ \[stats-snapshot-\d+\] \d+ms Succeeded", log), log
    assert "demo-secret" not in output + log
    assert all(port_is_free(port) for port in stack_run.ports.values())


def test_help_shows_the_defaults():
    result = subprocess.run(
        [sys.executable, "-m", "devstack", "--help"], capture_output=True, text=True, check=True, timeout=60
    )
    text = " ".join(result.stdout.split())
    for default in (
        "(default: 7071)",
        "(default: 10002)",
        "(default: 8765)",
        "(default: 8080)",
        "(default: False)",
    ):
        assert default in text, result.stdout


def test_a_port_in_use_is_one_line_naming_it_and_the_fix(stack_run):
    with socket.socket() as taken:
        taken.bind((LOOPBACK, stack_run.ports["azurite"]))
        taken.listen()
        stack_run.start("--check")
        assert stack_run.wait() == 1
    output = stack_run.output()
    port = stack_run.ports["azurite"]
    [line] = [line for line in output.splitlines() if line.startswith("devstack:")]
    assert f"port {port} (Azurite) is already in use" in line
    assert '--azurite-port 0"' in line
    assert "Traceback" not in output
    assert not (stack_run.run_dir / "azurite.log").exists()  # nothing was started


def test_a_bad_setting_is_named_with_the_reason_not_a_traceback(stack_run):
    stack_run.env["SNAPSHOT_ACTIVITY_COUNT"] = "500"
    stack_run.start("--check")
    assert stack_run.wait(timeout=180) == 1, stack_run.output()
    output = stack_run.output()
    assert (
        "devstack: the app's settings are invalid: SNAPSHOT_ACTIVITY_COUNT must be between 1 and 200"
        in output
    )
    assert "Traceback" not in output
    assert "urllib" not in output
    assert all(port_is_free(port) for port in stack_run.ports.values())


def test_users_settings_win_a_second_run_refuses_and_sighup_stops_everything(stack_run):
    stack_run.env |= {"CORS_ALLOWED_ORIGINS": "https://me.example", "STATS_CACHE_MAX_AGE_SECONDS": "7"}
    stack_run.start().wait_until_serving()
    output = stack_run.output()
    [demo_set] = [line for line in output.splitlines() if line.startswith("  demo set")]
    assert "TOKEN_REFRESH_MARGIN_SECONDS=30" in demo_set
    assert "SNAPSHOT_SCHEDULE=" in demo_set
    assert "WEBHOOK_DEBOUNCE_SECONDS=3" in demo_set
    callback = (
        rf"webhooks +subscription \d+ -> http://127\.0\.0\.1:{stack_run.ports['devhost']}/api/strava/webhook"
    )
    assert re.search(callback, output), output
    assert "CORS_ALLOWED_ORIGINS" not in demo_set
    assert "yours kept    CORS_ALLOWED_ORIGINS, STATS_CACHE_MAX_AGE_SECONDS" in output
    request = urllib.request.Request(
        f"http://{LOOPBACK}:{stack_run.ports['devhost']}/api/stats", headers={"Origin": "https://me.example"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        assert "max-age=7" in response.headers["Cache-Control"]
        assert response.headers["Access-Control-Allow-Origin"] == "https://me.example"

    log_before = (stack_run.run_dir / "devhost.log").read_text()
    same_run_dir = stack_run.argv[:-8]  # without the four port options: the ports would be free
    second = subprocess.run(
        [*same_run_dir, "--port", "0", "--azurite-port", "0", "--emulator-port", "0", "--site-port", "0"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert second.returncode == 1
    assert f"another run (pid {stack_run.popen.pid}) is using {stack_run.run_dir}" in second.stderr
    assert (stack_run.run_dir / "devhost.log").read_text().startswith(log_before)  # not truncated
    assert READY_LINE in log_before

    stack_run.signal_group(signal.SIGHUP)  # the terminal closed
    assert stack_run.wait() == 0, stack_run.output()
    stack_run.assert_all_gone()
