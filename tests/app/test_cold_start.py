"""Cold start: ``import function_app`` loads what indexing the functions needs, not what only some
requests do (the figures: ``python -m bench.import_cost``, docs/benchmarks.md)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LAZY = ("card", "card.render", "api.openapi_paths", "azure.identity", "msal", "cryptography")


def test_importing_the_app_leaves_the_card_the_openapi_document_and_azure_identity_out() -> None:
    code = (
        "import gc, json, sys\nimport function_app\n"
        f"loaded = [m for m in {LAZY!r} if m in sys.modules]\n"
        "print(json.dumps({'loaded': loaded, 'frozen': gc.get_freeze_count()}))"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["loaded"] == []
    assert found["frozen"] > 10_000  # the libraries' objects left the collector before the app loaded
