"""Schemathesis against the running demo stack (devstack: Azurite, the emulator, devhost): every
operation of /api/openapi.json, checked for no 5xx, responses as documented, and no answer over 2 s.

``FUZZ_MAX_EXAMPLES`` sets the generated cases per operation: 10 by default, 200 in CI (``make fuzz``).
Operations with few possible inputs (no parameters) get fewer; the per-operation counts are printed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
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
    )
    stack = Stack(options, demo=True)
    try:
        stack.start()
        stack.connect_demo_athlete()
        stack.wait_for_stats()
        yield stack
    finally:
        stack.stop()


def case_counts(report: dict[str, object]) -> dict[str, int]:
    """Generated cases per operation, over every phase, from Schemathesis' JSON run report."""
    rates = report["valid_rates"]
    assert isinstance(rates, dict)
    return {
        operation: sum(sum(outcomes.values()) for outcomes in phases.values())
        for operation, phases in sorted(rates.items())
    }


def test_every_operation_holds_up_under_generated_requests(demo_stack: Stack, tmp_path: Path) -> None:
    examples = int(os.environ.get("FUZZ_MAX_EXAMPLES", "10"))
    report_path = tmp_path / "schemathesis.json"
    command = [
        *(sys.executable, "-m", "schemathesis.cli", "run", f"{demo_stack.url}/api/openapi.json"),
        *("--url", demo_stack.url, "--checks", ",".join(CHECKS)),
        *("--max-response-time", str(MAX_RESPONSE_SECONDS), "--max-examples", str(examples)),
        *("--max-redirects", "0", "--generation-database", "none", "--no-color", "--workers", "2"),
        *("--report", "json", "--report-json-path", str(report_path)),
    ]
    result = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=1800)
    assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-2000:]
    report = json.loads(report_path.read_text())
    counts = case_counts(report)
    total = report["test_cases"]["generated"]
    assert report["operations"]["tested"] == report["operations"]["total"] == len(counts)
    assert report["test_cases"]["with_failures"] == 0
    print(
        f"\nschemathesis: {total} cases over {len(counts)} operations (at most {examples} generated per "
        "operation and phase), 0 failures"
    )
    for operation, count in counts.items():
        print(f"  {count:5d}  {operation}")
