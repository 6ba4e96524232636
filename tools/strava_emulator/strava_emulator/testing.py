"""The Strava emulator as a real subprocess on a free loopback port, for any test that needs Strava.

One emulator is shared by the tests of a session (per xdist worker): each test's first emulator is it,
reset (``POST /_emulator/reset``) as if started with the flags the test asks for; a second one in the
same test is an emulator of its own.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest
from loopback.processes import ManagedProcess, free_port, python_module, start_process, wait_until_listening

from strava_emulator.config import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET
from strava_emulator.flags import moves_listener

DEFAULT_REDIRECT_URI = "http://127.0.0.1/callback"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


@dataclass
class RunningEmulator:
    """A started emulator: where it listens, its app credentials, and its control API."""

    base_url: str  # "http://127.0.0.1:PORT"
    api_base: str  # base_url + "/api/v3"
    oauth_base: str  # base_url + "/oauth"
    client_id: str
    client_secret: str
    process: ManagedProcess | None = field(default=None, repr=False)

    def stats(self) -> dict[str, Any]:
        """``GET /_emulator/stats``: request, token-rejection, refresh, exchange and fault counters."""
        stats: dict[str, Any] = self._control("GET", "/_emulator/stats")
        return stats

    def configure(self, **changes: Any) -> None:
        """``POST /_emulator/config``, e.g. ``configure(app_inactive=True, token_ttl=4)``."""
        self._control("POST", "/_emulator/config", changes)

    def reset(self) -> None:
        """Back to the state it started in: data, tokens, subscription, counters, settings, holds."""
        self._control("POST", "/_emulator/reset", {})

    def restart_as(self, *flags: str) -> RunningEmulator:
        """Reset as if started with ``flags`` (later resets go back to them): this emulator with those
        flags' credentials."""
        self._control("POST", "/_emulator/reset", {"flags": list(flags)})
        return replace(
            self,
            client_id=_flag_value(flags, "--client-id", DEMO_CLIENT_ID),
            client_secret=_flag_value(flags, "--client-secret", DEMO_CLIENT_SECRET),
        )

    def reset_counters(self) -> None:
        """Zero the counters and the rate-limit usage."""
        self._control("POST", "/_emulator/reset-counters", {})

    def hold(self, *routes: str, answered: bool = False) -> None:
        """Park later requests on ``routes`` (e.g. ``"POST /oauth/token"``) until :meth:`release`;
        with ``answered``, once their answer is made (it shows the data as it was then)."""
        when = "answered" if answered else "received"
        self._control("POST", "/_emulator/holds", {"routes": list(routes), "when": when})

    def wait_until_held(self, count: int = 1, timeout: float = 30.0) -> None:
        """Return once ``count`` requests are parked; fail the test if they are not within ``timeout``.

        Blocks: from async code call it through ``asyncio.to_thread``."""
        self._control("POST", "/_emulator/holds/wait", {"count": count, "timeout": timeout}, timeout + 5)

    def release(self, keep_holding: bool = False) -> None:
        """Let every parked request go on, and hold nothing more unless ``keep_holding``."""
        self._control("POST", "/_emulator/holds/release", {"keep_holding": keep_holding})

    def athletes(self) -> list[dict[str, Any]]:
        """The synthetic athletes (``id``, names, ``activities`` count); the first approves by default."""
        athletes: list[dict[str, Any]] = self._control("GET", "/_emulator/athletes")
        return athletes

    def edit_athlete(self, athlete_id: int, **fields: str) -> None:
        """``PATCH /_emulator/athletes/{id}``: set ``firstname``, ``lastname`` or ``username``."""
        self._control("PATCH", f"/_emulator/athletes/{athlete_id}", fields)

    def edit_activity(self, activity_id: int, **fields: str) -> None:
        """``PATCH /_emulator/activities/{id}``: set its ``name``, ``visibility`` or ``summary_polyline``."""
        self._control("PATCH", f"/_emulator/activities/{activity_id}", fields)

    def authorize(
        self,
        scope: str = "read,activity:read_all",
        *,
        athlete_id: int | None = None,
        state: str = "",
        redirect_uri: str = DEFAULT_REDIRECT_URI,
    ) -> dict[str, str]:
        """The browser step: the redirect's query (``code``, ``scope``, ``state`` or ``error``)."""
        params = {
            "client_id": self.client_id,
            "redirect_uri": redirect_uri,
            "response_type": "code",
            "scope": scope,
            "state": state,
        }
        if athlete_id is not None:
            params["athlete_id"] = str(athlete_id)
        url = f"{self.oauth_base}/authorize?{urllib.parse.urlencode(params)}"
        opener = urllib.request.build_opener(_NoRedirect)
        try:
            opener.open(url, timeout=10)
        except urllib.error.HTTPError as redirect:
            if redirect.code != 302:
                raise
            location = redirect.headers["Location"]
        else:
            raise AssertionError("authorize did not redirect")
        return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query, keep_blank_values=True))

    def connect(
        self, scope: str = "read,activity:read_all", *, athlete_id: int | None = None
    ) -> dict[str, Any]:
        """Authorize and exchange the code: the full token response (with ``athlete``)."""
        code = self.authorize(scope, athlete_id=athlete_id)["code"]
        form = {
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "code": code,
            "grant_type": "authorization_code",
        }
        request = urllib.request.Request(  # noqa: S310 - loopback URL
            f"{self.oauth_base}/token", data=urllib.parse.urlencode(form).encode(), method="POST"
        )
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return json.loads(response.read())  # type: ignore[no-any-return]

    # Push subscriptions, with the app's credentials (``/api/v3/push_subscriptions``).

    def create_subscription(self, callback_url: str, verify_token: str) -> tuple[int, Any]:
        """``POST /api/v3/push_subscriptions``: ``(status, body)``; returns after the validation call."""
        form = {
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "callback_url": callback_url,
            "verify_token": verify_token,
        }
        return self._call("POST", "/api/v3/push_subscriptions", form=form)

    def subscriptions(self) -> list[dict[str, Any]]:
        """``GET /api/v3/push_subscriptions``: ``[]`` or the one subscription."""
        query = urllib.parse.urlencode({"client_id": self.client_id, "client_secret": self.client_secret})
        status, body = self._call("GET", f"/api/v3/push_subscriptions?{query}")
        assert status == 200, body
        return body  # type: ignore[no-any-return]

    def delete_subscription(self, subscription_id: int) -> int:
        """``DELETE /api/v3/push_subscriptions/{id}``: the status (204, or 404 if unknown)."""
        query = urllib.parse.urlencode({"client_id": self.client_id, "client_secret": self.client_secret})
        status, _ = self._call("DELETE", f"/api/v3/push_subscriptions/{subscription_id}?{query}")
        return status

    # Data edits that send webhook events (``/_emulator/...``).

    def ground_truth(self, athlete_id: int) -> list[dict[str, Any]]:
        """Every activity of the athlete, newest first, private and future ones too."""
        found: list[dict[str, Any]] = self._control("GET", f"/_emulator/athletes/{athlete_id}/activities")
        return found

    def create_activity(self, athlete_id: int, **fields: Any) -> dict[str, Any]:
        """A new activity (``name``, ``sport_type``, ``distance``, ``visibility``, …): a create event."""
        created: dict[str, Any] = self._control(
            "POST", f"/_emulator/athletes/{athlete_id}/activities", fields
        )
        return created

    def update_activity(self, activity_id: int, **fields: Any) -> dict[str, Any]:
        """Change an activity: an update event if its title, type or privacy changed."""
        updated: dict[str, Any] = self._control("PUT", f"/_emulator/activities/{activity_id}", fields)
        return updated

    def delete_activity(self, activity_id: int) -> None:
        """Delete an activity: a delete event."""
        self._call_ok("DELETE", f"/_emulator/activities/{activity_id}", expect=204)

    def deauthorize(self, athlete_id: int) -> dict[str, Any]:
        """The athlete revokes the app on Strava: their tokens die, the athlete event is sent."""
        answer: dict[str, Any] = self._control("POST", f"/_emulator/athletes/{athlete_id}/deauthorize", {})
        return answer

    def bulk_edit(
        self, athlete_id: int, *, ids: list[int] | None = None, newest: int | None = None, **changes: Any
    ) -> dict[str, Any]:
        """Strava's bulk edit: ``changes`` to the ``ids`` (or ``newest`` n, or all) activities, one
        update event each. ``{"changed", "events_sent"}``."""
        body: dict[str, Any] = {"changes": changes}
        if ids is not None:
            body["ids"] = ids
        if newest is not None:
            body["newest"] = newest
        answer: dict[str, Any] = self._control(
            "POST", f"/_emulator/athletes/{athlete_id}/activities/bulk", body
        )
        return answer

    def deliver(self, body: bytes | dict[str, Any] | list[Any]) -> dict[str, Any]:
        """POST ``body`` (JSON-encoded unless bytes) to the subscription's callback once, as an outsider
        could: ``{"status", "body", "elapsed_ms"}`` of the callback's answer."""
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        request = urllib.request.Request(  # noqa: S310 - loopback URL
            self.base_url + "/_emulator/webhooks/deliver", data=data, method="POST"
        )
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            answer: dict[str, Any] = json.loads(response.read())
        return answer

    def webhooks(self) -> dict[str, Any]:
        """Webhook counters: events, attempts, delivered, retried, failed, pending, outcomes, validations."""
        counters: dict[str, Any] = self.stats()["webhooks"]
        return counters

    def wait_for_webhooks(self, *, settled: int, timeout: float = 60.0) -> dict[str, Any]:
        """Poll until ``settled`` events have been delivered or given up and none is in flight."""
        deadline = time.monotonic() + timeout
        while True:
            counters = self.webhooks()
            if counters["pending"] == 0 and counters["delivered"] + counters["failed"] >= settled:
                return counters
            if time.monotonic() > deadline:
                raise AssertionError(f"webhooks not settled within {timeout} s: {counters}")
            time.sleep(0.02)

    def _call(self, method: str, path: str, *, form: dict[str, str] | None = None) -> tuple[int, Any]:
        """Any request: ``(status, JSON body or None)``, errors included."""
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        request = urllib.request.Request(self.base_url + path, data=data, method=method)  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback URL
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, raw = error.code, error.read()
        return status, json.loads(raw) if raw else None

    def _call_ok(self, method: str, path: str, *, expect: int) -> None:
        status, body = self._call(method, path)
        if status != expect:
            raise AssertionError(f"{method} {path} -> {status}: {body}")

    def _control(
        self, method: str, path: str, body: dict[str, Any] | None = None, timeout: float = 10
    ) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(  # noqa: S310 - loopback URL
            self.base_url + path, data=data, method=method, headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
                return json.loads(response.read())
        except urllib.error.HTTPError as error:
            raise AssertionError(f"{method} {path} -> {error.code}: {error.read().decode()}") from None


def launch_emulator(flags: tuple[str, ...], log_dir: Path) -> RunningEmulator:
    """Start an emulator with ``flags`` on a free port and wait until it answers; the caller stops it."""
    port = free_port()
    process = start_process(
        "strava-emulator",
        python_module("strava_emulator", "--port", str(port), *flags),
        log_path=log_dir / "emulator.log",
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_until_listening(process, f"{base_url}/_emulator/stats")
    except BaseException:
        process.stop()
        raise
    client_id = _flag_value(flags, "--client-id", DEMO_CLIENT_ID)
    client_secret = _flag_value(flags, "--client-secret", DEMO_CLIENT_SECRET)
    return RunningEmulator(
        base_url, f"{base_url}/api/v3", f"{base_url}/oauth", client_id, client_secret, process
    )


@pytest.fixture(scope="session")
def shared_strava_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningEmulator]:
    """One emulator with the default flags for the whole session; tests take it reset (see below)."""
    emulator = launch_emulator((), Path(tmp_path_factory.mktemp("strava-emulator")))
    try:
        yield emulator
    finally:
        assert emulator.process is not None
        emulator.process.stop()


@pytest.fixture
def start_strava_emulator(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[Callable[..., RunningEmulator]]:
    """Factory: ``start_strava_emulator("--token-ttl", "4")``: an emulator as if started with those flags.

    The first call in a test returns the session's shared emulator, reset as if started with the flags
    (``POST /_emulator/reset``); later ones start an emulator of their own, stopped at teardown, each
    one's log in a tmp dir (``process.log_path``). Flags that set ``--host`` or ``--port`` always get
    an emulator of their own.
    """
    started: list[ManagedProcess] = []
    shared_taken = False

    def start(*flags: str) -> RunningEmulator:
        nonlocal shared_taken
        if not shared_taken and not moves_listener(flags):
            shared_taken = True
            shared: RunningEmulator = request.getfixturevalue("shared_strava_emulator")
            return shared.restart_as(*flags)
        emulator = launch_emulator(flags, Path(tmp_path_factory.mktemp("strava-emulator")))
        assert emulator.process is not None
        started.append(emulator.process)
        return emulator

    try:
        yield start
    finally:
        for process in started:
            process.stop()


@pytest.fixture
def strava_emulator(start_strava_emulator: Callable[..., RunningEmulator]) -> RunningEmulator:
    """The shared emulator with default flags (client 12345 / demo-secret, 3 athletes, 400 activities
    each), reset to its starting state for this test."""
    return start_strava_emulator()


def _flag_value(flags: tuple[str, ...], name: str, default: str) -> str:
    for index, flag in enumerate(flags):
        if flag == name and index + 1 < len(flags):
            return flags[index + 1]
        if flag.startswith(name + "="):
            return flag.split("=", 1)[1]
    return default
