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
