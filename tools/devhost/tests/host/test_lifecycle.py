"""Stopping cleanly on SIGTERM, and coming back on the same port after kill -9 (the fixture's restart)."""

from __future__ import annotations

from pathlib import Path

from tests.host.calls import call


def test_sigterm_stops_cleanly(basic_app: Path, start_devhost) -> None:
    running = start_devhost(basic_app)
    assert call("GET", f"{running.url}/api/open").text == "open"
    running.stop()
    assert running.process.child.returncode == 0
    assert "stopping" in running.log_text()
    assert "Traceback" not in running.log_text()


def test_restart_after_kill_serves_the_same_url(basic_app: Path, start_devhost) -> None:
    running = start_devhost(basic_app, env={"OVERRIDDEN": "kept-after-restart"})
    url = running.url
    running.kill()
    assert running.process.child.returncode == -9
    running.restart()
    assert running.url == url
    assert call("GET", f"{url}/api/settings/OVERRIDDEN").json() == {"value": "kept-after-restart"}
    assert running.log_text().count("devhost ready on") == 2
