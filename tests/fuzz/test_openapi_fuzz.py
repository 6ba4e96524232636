"""Schemathesis against the running demo stack (devstack: Azurite, the emulator, devhost): every
operation of /api/openapi.json, checked for no 5xx, responses as documented, and no answer over 2 s.

``FUZZ_MAX_EXAMPLES`` sets the cases generated per operation in the fuzzing phase: 10 by default, 200 in
CI (``make fuzz``), where ``FUZZ_MIN_CASES=200`` also requires at least 200 cases for every operation
with inputs. Operations without parameters get a handful; the per-operation counts are printed. One
worker: with two, Schemathesis cut some operations' fuzzing short.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.parse
import urllib.request
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest
from devhost.testing import isolated_app_dir
from devstack.stack import Stack, StackOptions

pytestmark = pytest.mark.e2e

PROJECT_DIR = Path(__file__).resolve().parents[2]
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
)
MAX_RESPONSE_SECONDS = 2


@pytest.fixture(scope="module")
def demo_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    root = tmp_path_factory.mktemp("fuzz")
    options = StackOptions(
        app_dir=isolated_app_dir(PROJECT_DIR, root / "app"),
        run_dir=root / "run",
        port=0,
        azurite_port=0,
        emulator_port=0,
        site_port=0,
    )
    stack = Stack(options, demo=True)
    try:
        stack.start()
        stack.connect_demo_athlete()
        stack.wait_for_stats()
        yield stack
    finally:
        stack.stop()


def case_counts(events: Path) -> dict[str, Counter[str]]:
    """Cases sent per operation and phase (examples, coverage, fuzzing), from Schemathesis' event log;
    the stateful phase's sequences are counted under their own label."""
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for line in events.read_text().splitlines():
        event = json.loads(line)
        finished = event.get("ScenarioFinished")
        if finished is not None:
            recorder = finished["recorder"]
            counts[recorder["label"]][str(finished["phase"]).lower()] += len(recorder.get("cases", {}))
    return dict(sorted(counts.items()))


@pytest.mark.slow(35)
def test_every_operation_holds_up_under_generated_requests(demo_stack: Stack, tmp_path: Path) -> None:
    examples = int(os.environ.get("FUZZ_MAX_EXAMPLES", "10"))
    report_path, events_path = tmp_path / "schemathesis.json", tmp_path / "events.ndjson"
    # from a file: run from the document's own URL, Schemathesis would leave that operation out
    document = tmp_path / "openapi.json"
    with urllib.request.urlopen(f"{demo_stack.url}/api/openapi.json", timeout=30) as response:  # noqa: S310
        document.write_bytes(response.read())
    command = [
        *(sys.executable, "-m", "schemathesis.cli", "run", str(document)),
        *("--url", demo_stack.url, "--checks", ",".join(CHECKS)),
        *("--max-response-time", str(MAX_RESPONSE_SECONDS), "--max-examples", str(examples)),
        *("--max-redirects", "0", "--generation-database", "none", "--no-color", "--workers", "1"),
        *("--report", "json,ndjson", "--report-json-path", str(report_path)),
        *("--report-ndjson-path", str(events_path)),
    ]
    result = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=1800)
    assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-2000:]
    report = json.loads(report_path.read_text())
    counts = case_counts(events_path)
    operations = {label: phases for label, phases in counts.items() if label != "Stateful tests"}
    total = report["test_cases"]["generated"]
    assert report["operations"]["tested"] == report["operations"]["total"] == len(operations)
    assert report["test_cases"]["with_failures"] == 0
    minimum = int(os.environ.get("FUZZ_MIN_CASES", "0"))
    for label, phases in operations.items():  # every operation with inputs gets the cases asked for
        method, path = label.split(" ", 1)
        item = json.loads(document.read_text())["paths"][path]
        if item.get("parameters") or item[method.lower()].get("parameters"):
            assert sum(phases.values()) >= minimum, (label, phases)
    print(f"\nschemathesis: {total} cases, 0 failures (--max-examples {examples}); cases per operation:")
    for label, phases in counts.items():
        detail = ", ".join(f"{phase} {n}" for phase, n in sorted(phases.items()))
        print(f"  {sum(phases.values()):5d}  {label}  ({detail})")


def concrete_paths(stack: Stack) -> list[tuple[str, str]]:
    """Every (method, path) of the OpenAPI document, its path parameters filled with the demo athlete."""
    with urllib.request.urlopen(f"{stack.url}/api/openapi.json", timeout=30) as response:  # noqa: S310
        document = json.loads(response.read())
    with urllib.request.urlopen(f"{stack.url}/api/stats", timeout=30) as response:  # noqa: S310
        athlete_id = str(json.loads(response.read())["athlete"]["id"])
    return [
        (method.upper(), path.replace("{athleteId}", athlete_id))
        for path, item in document["paths"].items()
        for method in item
        if method in ("get", "post", "delete", "head", "options")
    ]


def send(
    stack: Stack, method: str, target: str, headers: list[tuple[str, str]], body: bytes = b""
) -> tuple[int, dict[str, str], bytes]:
    """One request exactly as given (raw target, headers in order, Host included) over loopback."""
    import http.client
    from urllib.parse import urlsplit

    where = urlsplit(stack.url)
    connection = http.client.HTTPConnection(where.hostname or "", where.port, timeout=30)
    try:
        connection.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
        for name, value in headers:
            connection.putheader(name, value)
        connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body)
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def hostile_cases(
    stack: Stack, method: str, path: str
) -> Iterator[tuple[str, str, list[tuple[str, str]], bytes]]:
    """(label, target, headers, body): malformed Hosts, odd headers and encodings, nested and huge bodies."""
    host = urllib.parse.urlsplit(stack.url).netloc
    plain = [("Host", host)]
    for odd in ("127.0.0.1:7071/x", "127.0.0.1:99999", "127.0.0.1:-1", "127.0.0.1:abc", "[::1", ""):
        yield f"Host {odd!r}", path, [("Host", odd)], b""
    yield (
        "junk headers",
        path,
        [
            *plain,
            ("Accept-Encoding", "br;q=x, gzip;q=-1, *;q=NaN"),
            ("If-None-Match", 'W/"' + "x" * 4000),
            ("If-Modified-Since", "yesterday, 99 Foo 99999"),
            ("Origin", "null"),
            ("Content-Type", "application/json; charset=klingon"),
            ("X-Forwarded-Host", "evil.example"),
            ("Cookie", "strava_binding=" + "%" * 500),
        ],
        b"",
    )
    yield "encodings", f"{path}?{'%zz%ff%c3%28=%80'}&code=%00&publish=%E2%82", plain, b""
    yield "long query", f"{path}?{'a=' + 'b' * 6000}", plain, b""
    if method in ("POST", "DELETE"):
        json_type = [*plain, ("Content-Type", "application/json")]
        yield "nested 5000", path, json_type, b"[" * 5000 + b"]" * 5000
        yield "nested objects", path, json_type, b'{"a":' * 3000 + b"1" + b"}" * 3000
        yield "huge", path, json_type, b'{"x":"' + b"y" * (9 * 1024 * 1024) + b'"}'
        yield "not utf-8", path, json_type, b'{"object_id": "\xff\xfe"}'
        yield "not json", path, [*plain, ("Content-Type", "text/plain")], b"\x00\x01\x02"


def test_nested_huge_and_header_cases_never_answer_5xx(demo_stack: Stack) -> None:
    """Beside the generated cases: what a hostile or broken client sends, on every operation. Never a
    5xx (a storage outage aside), an error body that is JSON with ``error`` (HTML on the browser
    flow), ``nosniff`` on every JSON answer, and no traceback in devhost's log."""
    counted = 0
    for method, path in concrete_paths(demo_stack):
        for label, target, headers, body in hostile_cases(demo_stack, method, path):
            status, answer_headers, answer = send(demo_stack, method, target, headers, body)
            counted += 1
            where = f"{method} {path} [{label}] -> {status}: {answer[:200]!r}"
            assert status < 500, where
            content_type = answer_headers.get("content-type", "")
            if content_type.startswith("application/json"):
                assert answer_headers.get("x-content-type-options") == "nosniff", where
                if status >= 400 and method != "HEAD":
                    assert "error" in json.loads(answer), where
            elif status >= 400 and answer:
                assert content_type.startswith("text/html"), where  # the browser flow's short pages
    log = demo_stack.devhost_log.read_text()
    assert "Traceback" not in log and "RecursionError" not in log
    print(f"\nhostile cases: {counted} sent, 0 failures")
