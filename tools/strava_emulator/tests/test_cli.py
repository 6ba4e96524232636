"""The command line and the process log."""

from __future__ import annotations

import os
import subprocess
import sys

from strava_emulator.testing import launch_emulator

from tests.calls import api_get, connect, refresh

FLAGS = [
    "--host",
    "--port",
    "--client-id",
    "--client-secret",
    "--token-ttl",
    "--code-ttl",
    "--seed",
    "--athletes",
    "--activities",
    "--deny",
    "--grant-scopes",
    "--no-rotate",
    "--app-inactive",
    "--athlete-cap",
    "--rate-limit",
    "--read-rate-limit",
    "--latency-ms",
    "--jitter-ms",
    "--error-rate",
    "--malformed-rate",
    "--hang-rate",
    "--hang-seconds",
    "--webhook-retry-seconds",
]


def test_help_lists_every_flag_with_defaults():
    result = subprocess.run(
        [sys.executable, "-m", "strava_emulator", "--help"],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
        env={**os.environ, "COLUMNS": "250"},
    )
    for flag in FLAGS:
        assert flag in result.stdout, flag
    assert "(default 21600)" in result.stdout
    assert "demo-secret" in result.stdout


def test_bad_flag_value_fails_fast():
    result = subprocess.run(
        [sys.executable, "-m", "strava_emulator", "--error-rate", "nonsense"], capture_output=True, text=True,
        timeout=30,
    )  # fmt: skip
    assert result.returncode == 2
    assert "ROUTE=STATUS:FRACTION" in result.stderr


async def test_log_never_holds_tokens(session, tmp_path):
    emu = launch_emulator(("--client-secret", "s3cret-value"), tmp_path)  # its own: its log is read whole
    assert emu.process is not None
    try:
        tokens = await connect(session, emu)
        await api_get(session, emu, f"/athlete?access_token={tokens['access_token']}", None)
        await refresh(session, emu, tokens["refresh_token"])
    finally:
        emu.process.stop()
    log = emu.process.log_text()
    assert "strava-emulator listening on " + emu.base_url in log
    assert "GET /api/v3/athlete -> 200" in log
    for secret in (tokens["access_token"], tokens["refresh_token"], "s3cret-value"):
        assert secret not in log
