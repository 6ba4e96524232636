"""The README's run command: `make run` is `python -m devstack`; --check runs its demo once and stops."""

import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
from devstack.stack import PROJECT_ROOT

pytestmark = pytest.mark.e2e


@pytest.fixture
def stack_argv(app_dir, tmp_path):
    """`make run`'s command on free ports, on the isolated app, with its logs in tmp_path."""
    return [
        *(sys.executable, "-m", "devstack", "--app-dir", str(app_dir), "--run-dir", str(tmp_path)),
        *("--port", "0", "--azurite-port", "0", "--emulator-port", "0", "--site-port", "0"),
    ]


@pytest.fixture
def demo_env(monkeypatch):
    """Demo mode even on a machine where the developer exported real Strava credentials."""
    for name in ("STRAVA_CLIENT_ID", "STRAVA_CLIENT_SECRET"):
        monkeypatch.setenv(name, "")


def test_demo_stack_serves_a_snapshot_then_stops_everything(stack_argv, demo_env, tmp_path):
    result = subprocess.run(
        [*stack_argv, "--check"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "demo mode (Strava emulator)" in result.stdout
    assert "recent activities in the snapshot" in result.stdout
    log = (tmp_path / "devhost.log").read_text()
    assert "orchestrator stats_snapshot" in log
    assert "Completed" in log
    assert "demo-secret" not in result.stdout + log
    for name in ("devhost", "emulator", "example site"):
        found = re.search(rf"{name} +(http://127\.0\.0\.1:\d+)", result.stdout)
        assert found, result.stdout
        with pytest.raises(urllib.error.URLError):  # stopped with the stack
            urllib.request.urlopen(found.group(1), timeout=2)  # noqa: S310 - loopback URL


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM])
def test_ctrl_c_or_sigterm_stops_everything_it_started(tmp_path, stop_signal):
    argv = [sys.executable, "-m", "devstack", "--port", "0", "--azurite-port", "0", "--emulator-port", "0"]
    argv += ["--site-port", "0"]
    out_path = tmp_path / "out.txt"
    with out_path.open("w") as out:
        stack = subprocess.Popen(
            [*argv, "--run-dir", str(tmp_path)], cwd=PROJECT_ROOT, stdout=out, stderr=out
        )
        try:
            deadline = time.monotonic() + 120
            while "Ctrl-C stops everything" not in out_path.read_text():
                assert stack.poll() is None, out_path.read_text()
                assert time.monotonic() < deadline, out_path.read_text()
                time.sleep(0.2)
            stack.send_signal(stop_signal)
            assert stack.wait(timeout=60) == 0
        finally:
            if stack.poll() is None:
                stack.terminate()  # its own cleanup stops the children
                stack.wait(timeout=60)
    output = out_path.read_text()
    for name in ("devhost", "emulator", "example site"):
        found = re.search(rf"{name} +(http://127\.0\.0\.1:\d+)", output)
        assert found, output
        with pytest.raises(urllib.error.URLError):
            urllib.request.urlopen(found.group(1), timeout=2)  # noqa: S310 - loopback URL
