"""The local stack behind `make run`: Azurite, the Strava emulator (demo mode) and devhost."""

from __future__ import annotations

import json
import os
import secrets
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from devhost import READY_LINE
from devhost.local_settings import apply_local_settings
from loopback.azurite import azurite_connection_string, start_azurite
from loopback.ports import port_is_free
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
DEFAULT_SCHEDULE = "0 */30 * * * *"
SETTINGS_ERROR = "invalid app settings: "  # how the app logs a bad setting (by name, never its value)
# Demo settings the user's own environment or local.settings.json may override.
DEMO_DEFAULTS = {
    "SNAPSHOT_SCHEDULE": "0 */5 * * * *",
    "CORS_ALLOWED_ORIGINS": "*",
    "STATS_CACHE_MAX_AGE_SECONDS": "5",
    "WEBHOOK_DEBOUNCE_SECONDS": "3",
    "WEBHOOK_MAX_DELAY_SECONDS": "15",
}


T = TypeVar("T")


class StackError(Exception):
    """A part of the stack cannot start or the app misbehaves; the message is one line for the user."""


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
    storage_port: int = 0  # the table port the app is given; 0: Azurite's (a benchmark puts a proxy there)
    app_overrides: tuple[tuple[str, str], ...] = ()  # app settings over the demo's, e.g. for benchmarks


def app_settings(app_dir: Path, env: Mapping[str, str]) -> dict[str, str]:
    """The app's settings as devhost will see them: local.settings.json Values under the environment."""
    settings = dict(env)
    apply_local_settings(app_dir, settings)
    return settings


def has_real_credentials(settings: Mapping[str, str]) -> bool:
    return bool(settings.get("STRAVA_CLIENT_ID") and settings.get("STRAVA_CLIENT_SECRET"))


def settings_problem(log_text: str) -> str | None:
    """The app's last "invalid app settings" message in devhost's log, e.g. "X must be between 1 and 200"."""
    found = [line.split(SETTINGS_ERROR, 1)[1] for line in log_text.splitlines() if SETTINGS_ERROR in line]
    return found[-1].strip() if found else None


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
    demo_set: dict[str, str] = field(default_factory=dict)  # the demo's own settings, as applied
    kept: list[str] = field(default_factory=list)  # demo settings the user's own values override
    browser: urllib.request.OpenerDirector = field(  # keeps cookies, as the OAuth flow needs
        default_factory=lambda: urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
    )

    @property
    def devhost_log(self) -> Path:
        return self.options.run_dir / "devhost.log"

    def check_ports(self) -> None:
        """Refuse, before starting anything, if one of the fixed ports is taken (``StackError``)."""
        opts = self.options
        wanted = [
            ("devhost", opts.port, "--port"),
            ("Azurite", opts.azurite_port, "--azurite-port"),
            ("the example site", opts.site_port, "--site-port"),
        ]
        if self.demo:
            wanted.append(("the Strava emulator", opts.emulator_port, "--emulator-port"))
        for name, port, flag in wanted:
            if port and not port_is_free(port):
                raise StackError(
                    f"port {port} ({name}) is already in use by another program; stop it, "
                    f'or pick a free port: make run RUN_ARGS="{flag} 0"'
                )

    def start(self) -> None:
        opts = self.options
        opts.run_dir.mkdir(parents=True, exist_ok=True)
        user = app_settings(opts.app_dir, os.environ)
        azurite_port = opts.azurite_port or free_port()
        azurite_dir = opts.run_dir / ("azurite-demo" if self.demo else "azurite")
        azurite_dir.mkdir(exist_ok=True)
        azurite_log = opts.run_dir / "azurite.log"
        self._started(
            lambda: start_azurite(azurite_port, azurite_dir, log_path=azurite_log, persist=not self.demo),
            azurite_log,
        )
        storage_port = opts.storage_port or azurite_port
        env = {"AzureWebJobsStorage": azurite_connection_string(storage_port), "PYTHONUNBUFFERED": "1"}
        if self.demo:
            env |= self._start_emulator()
            for name, value in DEMO_DEFAULTS.items():
                if user.get(name):
                    self.kept.append(name)
                else:
                    env[name] = self.demo_set[name] = value
        elif not user.get("SNAPSHOT_SCHEDULE"):
            env["SNAPSHOT_SCHEDULE"] = DEFAULT_SCHEDULE
        env |= dict(opts.app_overrides)
        self.app_env = env
        port = opts.port or free_port()
        self.devhost_log.write_text("")  # this run's log only; the run lock guards it
        argv = python_module(
            "devhost", "--app-dir", str(opts.app_dir), "--port", str(port), "--host", LOOPBACK
        )
        devhost = self._started(
            lambda: start_process("devhost", argv, env=env, log_path=self.devhost_log), self.devhost_log
        )
        self._ready(lambda: wait_for_line(devhost, READY_LINE, timeout=90), self.devhost_log)
        self.url = f"http://{LOOPBACK}:{port}"
        self._start_site()

    def _start_site(self) -> None:
        opts = self.options
        port = opts.site_port or free_port()
        log_path = opts.run_dir / "site.log"
        argv = python_module("devstack.site", "--port", str(port), "--api", self.url)
        site = self._started(lambda: start_process("example-site", argv, log_path=log_path), log_path)
        self.site_url = f"http://{LOOPBACK}:{port}/"
        self._ready(lambda: wait_until_listening(site, self.site_url), log_path)

    def _started(self, start: Callable[[], ManagedProcess], log_path: Path) -> ManagedProcess:
        """Start a part (and keep it, to stop it later); a failure becomes a one-line ``StackError``."""
        process = self._ready(start, log_path)
        self.processes.append(process)
        return process

    @staticmethod
    def _ready(wait: Callable[[], T], log_path: Path) -> T:
        try:
            return wait()
        except (RuntimeError, TimeoutError) as error:
            raise StackError(f"{str(error).splitlines()[0]}; see {log_path}") from None

    def _start_emulator(self) -> dict[str, str]:
        opts = self.options
        port = opts.emulator_port or free_port()
        log_path = opts.run_dir / "strava-emulator.log"
        flags = ("--client-id", DEMO_CLIENT_ID, "--client-secret", DEMO_CLIENT_SECRET)
        argv = python_module(
            "strava_emulator", "--port", str(port), *flags, "--token-ttl", str(opts.demo_token_ttl)
        )
        emulator = self._started(
            lambda: start_process("strava-emulator", [*argv, *opts.emulator_flags], log_path=log_path),
            log_path,
        )
        self.emulator_url = f"http://{LOOPBACK}:{port}"
        self._ready(lambda: wait_until_listening(emulator, f"{self.emulator_url}/_emulator/stats"), log_path)
        # refresh well before the demo token's short life ends (Strava: 20 min before 6 h)
        margin = str(max(opts.demo_token_ttl // 10, 5))
        self.demo_set["TOKEN_REFRESH_MARGIN_SECONDS"] = margin
        return {
            "STRAVA_CLIENT_ID": DEMO_CLIENT_ID,
            "STRAVA_CLIENT_SECRET": DEMO_CLIENT_SECRET,
            "STRAVA_API_BASE_URL": f"{self.emulator_url}/api/v3",
            "STRAVA_OAUTH_BASE_URL": f"{self.emulator_url}/oauth",
            "TOKEN_REFRESH_MARGIN_SECONDS": margin,
            # webhooks: the app subscribes; the emulator validates and calls its /api/strava/webhook
            "STRAVA_WEBHOOK_VERIFY_TOKEN": secrets.token_urlsafe(24),
        }

    def check_app(self) -> None:
        """Ask ``/api/stats`` once: a 500 means the app cannot run (e.g. a bad setting): ``StackError``."""
        self._get("/api/stats", ok=(200, 404, 410))

    def connect_demo_athlete(self) -> str:
        """Walk the OAuth flow as a browser would (authorize -> emulator -> callback), keeping the cookie
        that binds the authorization to this "browser"; returns the page."""
        return self._get("/api/strava/authorize?publish=yes").decode()

    def create_webhook_subscription(self) -> dict[str, Any]:
        """Ask the app to create its push subscription (Strava, here the emulator, validates the
        callback first); the ``subscription`` object of the answer."""
        request = urllib.request.Request(f"{self.url}/api/strava/subscription", method="POST")  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                answer: dict[str, Any] = json.loads(response.read())
        except urllib.error.HTTPError as error:
            raise StackError(
                f"POST /api/strava/subscription answered {error.code}; see {self.devhost_log}"
            ) from None
        return dict(answer["subscription"])

    def wait_for_stats(self, timeout: float = 60.0) -> dict[str, Any]:
        """Poll ``/api/stats`` until the first snapshot is served."""
        deadline = time.monotonic() + timeout
        while True:
            body = self._get("/api/stats", ok=(200, 404, 503))  # 503 + Retry-After: storage busy, ask again
            document: dict[str, Any] = json.loads(body) if body.startswith(b"{") else {}
            if "schema_version" in document:
                return document
            if time.monotonic() > deadline:
                raise StackError(f"no snapshot at /api/stats within {timeout:.0f}s; see {self.devhost_log}")
            time.sleep(0.5)

    def _get(self, path: str, ok: tuple[int, ...] = (200,)) -> bytes:
        """GET ``path`` on devhost; an unexpected answer becomes a ``StackError`` naming the cause."""
        try:
            with self.browser.open(f"{self.url}{path}", timeout=30) as response:
                return bytes(response.read())
        except urllib.error.HTTPError as error:
            if error.code in ok:
                return bytes(error.read())
            problem = settings_problem(self.devhost_log.read_text(errors="replace"))
            if problem is not None:
                raise StackError(
                    f"the app's settings are invalid: {problem} (fix it in your environment or "
                    "local.settings.json)"
                ) from None
            raise StackError(
                f"GET {path.split('?')[0]} answered {error.code}; see {self.devhost_log}"
            ) from None
        except (urllib.error.URLError, OSError) as error:
            raise StackError(
                f"devhost did not answer GET {path.split('?')[0]} ({error}); see {self.devhost_log}"
            ) from None

    def failed_process(self) -> ManagedProcess | None:
        return next((p for p in self.processes if not p.alive()), None)

    def stop(self) -> None:
        """Stop every part, newest first (SIGTERM, then SIGKILL after a grace period)."""
        for process in reversed(self.processes):
            process.stop()
        self.processes.clear()

    def kill(self) -> None:
        """SIGKILL every part at once (a second Ctrl-C while stopping)."""
        for process in self.processes:
            process.send_kill()
