"""The README's run command: `make run` is `python -m devstack`; --check runs its demo once and stops."""

import re
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

from devstack.processes import PROJECT_ROOT

pytestmark = pytest.mark.e2e


def test_demo_stack_serves_a_snapshot_then_stops_everything(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "devstack",
            "--check",
            "--port",
            "0",
            "--azurite-port",
            "0",
            "--emulator-port",
            "0",
            "--run-dir",
            str(tmp_path),
        ],
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
    for name in ("devhost", "emulator"):
        found = re.search(rf"{name} +(http://127\.0\.0\.1:\d+)", result.stdout)
        assert found, result.stdout
        with pytest.raises(urllib.error.URLError):  # stopped with the stack
            urllib.request.urlopen(found.group(1), timeout=2)  # noqa: S310 - loopback URL
