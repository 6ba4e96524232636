"""HTTP triggers through a real devhost subprocess over loopback."""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from devhost.testing import RunningDevhost, launch_devhost

from tests.host.calls import call
from tests.polling import wait_until


@pytest.fixture(scope="module")
def host(basic_app: Path, azurite: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningDevhost]:
    running = launch_devhost(
        basic_app, connection_string=azurite, log_dir=tmp_path_factory.mktemp("devhost-http")
    )
    yield running
    running.stop()


def test_route_params_and_query_reach_the_function(host: RunningDevhost) -> None:
    answer = call("GET", f"{host.url}/api/users/42?sort=desc&x=1")
    assert answer.status == 200
    assert answer.json() == {"route": "by_id", "params": {"id": "42"}, "query": {"sort": "desc", "x": "1"}}


def test_literal_beats_parameter_and_matching_ignores_case(host: RunningDevhost) -> None:
    assert call("GET", f"{host.url}/api/users/me").json() == {"route": "me"}
    assert call("GET", f"{host.url}/API/Users/ME").json() == {"route": "me"}
    by_name = call("GET", f"{host.url}/api/users/Bob").json()
    assert by_name == {"route": "by_name", "params": {"name": "Bob"}, "sync": True}


def test_catch_all_and_str_result(host: RunningDevhost) -> None:
    answer = call("GET", f"{host.url}/api/files/a/b%20c/d.txt")
    assert (answer.status, answer.text) == (200, "path=a/b c/d.txt")
    assert answer.headers["Content-Type"].startswith("text/plain")


def test_wrong_method_is_405_with_allow(host: RunningDevhost) -> None:
    answer = call("POST", f"{host.url}/api/users/7")
    assert answer.status == 405
    assert answer.headers["Allow"] == "GET"
    assert answer.json()["error"] == "method_not_allowed"


@pytest.mark.parametrize("path", ["/api/nothing/here", "/api/users/1.5", "/elsewhere", "/api"])
def test_unknown_path_is_404_json(host: RunningDevhost, path: str) -> None:
    answer = call("GET", f"{host.url}{path}")
    assert answer.status == 404
    assert answer.json()["error"] == "not_found"


def test_body_headers_method_and_url_reach_the_function(host: RunningDevhost) -> None:
    payload = json.dumps({"k": [1, 2]}).encode()
    answer = call("PUT", f"{host.url}/api/echo?a=1", payload, {"X-Test": "seen"})
    assert (answer.status, answer.body) == (201, payload)
    assert answer.headers["Content-Type"] == "application/x-echo"  # explicit header beats mimetype
    assert answer.headers["X-Method"] == "PUT"
    assert answer.headers["X-Url"] == f"{host.url}/api/echo?a=1"
    assert answer.headers["X-Seen-Header"] == "seen"


def test_mimetype_and_charset(host: RunningDevhost) -> None:
    answer = call("GET", f"{host.url}/api/text")
    assert answer.headers["Content-Type"] == "text/html; charset=utf-8"
    assert answer.text == "<b>hi</b>"


@pytest.mark.parametrize(
    ("path", "function", "error"),
    [("/api/boom", "boom", "RuntimeError"), ("/api/sync-boom", "sync_boom", "ValueError")],
)
def test_user_exception_is_500_json_without_details(
    host: RunningDevhost, path: str, function: str, error: str
) -> None:
    answer = call("GET", f"{host.url}{path}")
    assert answer.status == 500
    assert answer.json()["error"] == "internal_error"
    assert "SECRET" not in answer.text and "Traceback" not in answer.text
    assert "SECRET" not in host.log_text()
    assert f"function {function} raised {error} at function_app.py:" in host.log_text()


def test_context_parameter_is_passed(host: RunningDevhost) -> None:
    first = call("GET", f"{host.url}/api/context").json()
    second = call("GET", f"{host.url}/api/context").json()
    assert first["function_name"] == "with_context"
    assert first["invocation_id"] != second["invocation_id"]


def test_sync_functions_do_not_block_the_host(host: RunningDevhost, tmp_path: Path) -> None:
    started, release = tmp_path / "started", tmp_path / "release"
    with ThreadPoolExecutor(4) as pool:
        slow = pool.submit(call, "GET", f"{host.url}/api/slow-sync?started={started}&release={release}")
        wait_until(started.exists, 20, "the slow function to start")
        fast = call("GET", f"{host.url}/api/open")  # while the slow one holds a worker thread
        assert fast.text == "open"
        assert not slow.done()
        release.write_text("go")
        assert slow.result().text == "released"


def test_too_large_body_is_413(host: RunningDevhost) -> None:
    answer = call("POST", f"{host.url}/api/echo", b"x" * (10 * 1024 * 1024 + 1))
    assert answer.status == 413


def test_each_execution_is_logged(host: RunningDevhost) -> None:
    call("GET", f"{host.url}/api/users/5")
    assert "http GET /api/users/5 " in host.log_text()


def test_banner_lists_functions_with_methods_and_urls(host: RunningDevhost) -> None:
    log = host.log_text()
    assert f"[GET] {host.url}/api/users/{{id:int}}" in log
    assert f"[POST,PUT] {host.url}/api/echo" in log
    assert f"devhost ready on {host.url}" in log


def test_keys_are_not_enforced_by_default(host: RunningDevhost) -> None:
    assert call("GET", f"{host.url}/api/admin-only").status == 200


def _with_host(
    host: RunningDevhost, path: str, *hosts: str, method: str = "GET"
) -> tuple[int, dict[str, str], bytes]:
    """A request whose Host header(s) are sent exactly as given."""
    import http.client
    from urllib.parse import urlsplit

    where = urlsplit(host.url)
    connection = http.client.HTTPConnection(where.hostname or "", where.port, timeout=30)
    try:
        connection.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        for value in hosts:
            connection.putheader("Host", value)
        connection.putheader("Content-Length", "0")
        connection.endheaders()
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


@pytest.mark.parametrize(
    "hosts",
    [
        ("127.0.0.1:7071/x",),
        ("127.0.0.1:-1",),
        ("127.0.0.1:abc",),
        ("127.0.0.1:",),
        (":7071",),
        ("a b",),
        ("[::1",),
        ("[]:80",),
        ("user@127.0.0.1",),
    ],
)
def test_a_malformed_host_header_is_400_json_as_kestrel_answers(
    host: RunningDevhost, hosts: tuple[str]
) -> None:
    for path in ("/api/open", "/runtime/webhooks/durabletask/instances/x", "/admin/host/status"):
        status, headers, body = _with_host(host, path, *hosts)
        assert status == 400, (hosts, path, body)
        assert json.loads(body)["error"] == "bad_request"
        assert headers["X-Content-Type-Options"] == "nosniff"
    assert "Traceback" not in host.log_text()


@pytest.mark.parametrize("hosts", [("127.0.0.1", "127.0.0.2"), ()])
def test_a_repeated_or_missing_host_is_400_at_the_protocol_layer(
    host: RunningDevhost, hosts: tuple[str]
) -> None:
    """Refused before any route (by aiohttp's parser or the Host check), as Kestrel does."""
    assert _with_host(host, "/api/open", *hosts)[0] == 400
    assert "Traceback" not in host.log_text()


def test_a_port_of_digits_out_of_range_reaches_the_function_as_sent(host: RunningDevhost) -> None:
    """Kestrel checks that a port is digits, not its range: the worker gets the URL as sent."""
    for value in ("127.0.0.1:99999", "127.0.0.1:0", "[::1]:7071", "localhost", ""):
        status, headers, _ = _with_host(host, "/api/echo?a=1", value, method="POST")
        assert status == 201, value
        assert headers["X-Url"] == f"http://{value}/api/echo?a=1"
    assert "Traceback" not in host.log_text()
