"""The local stack behind `make run`: Azurite, the Strava emulator (demo mode) and devhost."""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devhost import READY_LINE
from devhost.local_settings import apply_local_settings
from loopback.azurite import azurite_connection_string, start_azurite
from loopback.processes import (
    LOOPBACK,
    ManagedProcess,
    free_port,
    python_module,
    start_process,
    wait_for_line,
    wait_until_listening,
)

PROJECT_ROOT = Path(__file__).resolve().parents[3]  # tools/devstack/devstack/stack.py -> the app

DEMO_CLIENT_ID = "12345"
DEMO_CLIENT_SECRET = "demo-secret"  # noqa: S105 - the emulator's documented public demo value


@dataclass(frozen=True)
class StackOptions:
    """Where things run. A port of 0 picks a free one."""

    app_dir: Path = PROJECT_ROOT
    run_dir: Path = PROJECT_ROOT / ".run"
    port: int = 7071
    azurite_port: int = 10002
    emulator_port: int = 8765
    site_port: int = 8080  # the example site (examples/site), on an origin of its own
    demo_token_ttl: int = 300
    emulator_flags: tuple[str, ...] = ()  # extra flags, e.g. ("--latency-ms", "100") for benchmarks


def app_settings(app_dir: Path, env: Mapping[str, str]) -> dict[str, str]:
    """The app's settings as devhost will see them: local.settings.json Values under the environment."""
    settings = dict(env)
    apply_local_settings(app_dir, settings)
    return settings


def has_real_credentials(settings: Mapping[str, str]) -> bool:
    return bool(settings.get("STRAVA_CLIENT_ID") and settings.get("STRAVA_CLIENT_SECRET"))


@dataclass
class Stack:
    """Starts the parts in order, and stops whatever it started."""

    options: StackOptions
    demo: bool
    processes: list[ManagedProcess] = field(default_factory=list)
    url: str = ""
    emulator_url: str = ""
    site_url: str = ""
    app_env: dict[str, str] = field(default_factory=dict)  # the settings devhost was started with

    def start(self) -> None:
        opts = self.options
        opts.run_dir.mkdir(parents=True, exist_ok=True)
        azurite_port = opts.azurite_port or free_port()
        azurite_dir = opts.run_dir / ("azurite-demo" if self.demo else "azurite")
        azurite_dir.mkdir(exist_ok=True)
        self.processes.append(
            start_azurite(
                azurite_port, azurite_dir, log_path=opts.run_dir / "azurite.log", persist=not self.demo
            )
        )
        env = {"AzureWebJobsStorage": azurite_connection_string(azurite_port), "PYTHONUNBUFFERED": "1"}
        if self.demo:
            env |= self._start_emulator()
        env.setdefault("SNAPSHOT_SCHEDULE", os.environ.get("SNAPSHOT_SCHEDULE", "0 */30 * * * *"))
        self.app_env = env
        port = opts.port or free_port()
        log_path = opts.run_dir / "devhost.log"
        log_path.write_text("")
        devhost = start_process(
            "devhost",
            python_module("devhost", "--app-dir", str(opts.app_dir), "--port", str(port), "--host", LOOPBACK),
            env=env,
            log_path=log_path,
        )
        self.processes.append(devhost)
        wait_for_line(devhost, READY_LINE, timeout=90)
        self.url = f"http://{LOOPBACK}:{port}"
        self._start_site()

    def _start_site(self) -> None:
        opts = self.options
        port = opts.site_port or free_port()
        site = start_process(
            "example-site",
            python_module("devstack.site", "--port", str(port), "--api", self.url),
            log_path=opts.run_dir / "site.log",
        )
        self.processes.append(site)
        self.site_url = f"http://{LOOPBACK}:{port}/"
        wait_until_listening(site, self.site_url)

    def _start_emulator(self) -> dict[str, str]:
        opts = self.options
        port = opts.emulator_port or free_port()
        emulator = start_process(
            "strava-emulator",
            python_module(
                "strava_emulator",
                "--port",
                str(port),
                "--client-id",
                DEMO_CLIENT_ID,
                "--client-secret",
                DEMO_CLIENT_SECRET,
                "--token-ttl",
                str(opts.demo_token_ttl),
                *opts.emulator_flags,
            ),
            log_path=opts.run_dir / "strava-emulator.log",
        )
        self.processes.append(emulator)
        self.emulator_url = f"http://{LOOPBACK}:{port}"
        wait_until_listening(emulator, f"{self.emulator_url}/_emulator/stats")
        return {
            "STRAVA_CLIENT_ID": DEMO_CLIENT_ID,
            "STRAVA_CLIENT_SECRET": DEMO_CLIENT_SECRET,
            "STRAVA_API_BASE_URL": f"{self.emulator_url}/api/v3",
            "STRAVA_OAUTH_BASE_URL": f"{self.emulator_url}/oauth",
            # refresh well before the demo token's short life ends (Strava: 20 min before 6 h)
            "TOKEN_REFRESH_MARGIN_SECONDS": str(max(opts.demo_token_ttl // 10, 5)),
            "SNAPSHOT_SCHEDULE": "0 */5 * * * *",
            "CORS_ALLOWED_ORIGINS": "*",
            "STATS_CACHE_MAX_AGE_SECONDS": "60",
        }

    def connect_demo_athlete(self) -> str:
        """Walk the OAuth flow as a browser would (authorize -> emulator -> callback), keeping the cookie
        that binds the authorization to this "browser"; returns the page."""
        browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
        with browser.open(f"{self.url}/api/strava/authorize?publish=yes", timeout=30) as page:
            return str(page.read().decode())

    def wait_for_stats(self, timeout: float = 60.0) -> dict[str, Any]:
        """Poll ``/api/stats`` until the first snapshot is served."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(f"{self.url}/api/stats", timeout=10) as response:  # noqa: S310
                    document: dict[str, Any] = json.loads(response.read())
                    return document
            except urllib.error.HTTPError as error:
                if error.code != 404 or time.monotonic() > deadline:
                    raise
            time.sleep(0.5)

    def failed_process(self) -> ManagedProcess | None:
        return next((p for p in self.processes if not p.alive()), None)

    def stop(self) -> None:
        for process in reversed(self.processes):
            process.stop()
        self.processes.clear()
