"""Azurite, the real Azure Storage emulator (npm package ``azurite``): its table service on loopback."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from loopback.processes import LOOPBACK, ManagedProcess, start_process, wait_until_listening

# Azurite's well-known development account (public, documented by Microsoft).
AZURITE_ACCOUNT = "devstoreaccount1"
AZURITE_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
BINARY_SETTING = "AZURITE_TABLE_BIN"
# The connection string of one Azurite that a runner started for several test sessions (``make test``:
# every suite and worker); the pytest plugin's ``azurite`` fixture uses it instead of starting its own.
SHARED_AZURITE_SETTING = "LOOPBACK_AZURITE"


def azurite_connection_string(table_port: int) -> str:
    """Connection string for an Azurite table endpoint on loopback."""
    return (
        f"DefaultEndpointsProtocol=http;AccountName={AZURITE_ACCOUNT};AccountKey={AZURITE_KEY};"
        f"TableEndpoint=http://{LOOPBACK}:{table_port}/{AZURITE_ACCOUNT};"
    )


def find_azurite_table() -> Path:
    """The ``azurite-table`` executable: ``$AZURITE_TABLE_BIN``, else ``node_modules/.bin`` in the current
    directory or any parent of it or of this file, else ``PATH``."""
    if configured := os.environ.get(BINARY_SETTING):
        return Path(configured)
    for start in (Path.cwd(), Path(__file__).resolve().parent):
        for folder in (start, *start.parents):
            candidate = folder / "node_modules" / ".bin" / "azurite-table"
            if candidate.exists():
                return candidate
    if found := shutil.which("azurite-table"):
        return Path(found)
    raise FileNotFoundError("Azurite is not installed: run `npm ci` (make install does it)")


def start_azurite(
    port: int, workdir: Path, *, log_path: Path | None = None, persist: bool = False
) -> ManagedProcess:
    """Start Azurite's table service on ``port`` and wait until it answers.

    In memory by default (tests); with ``persist`` its data lives in ``workdir`` across restarts.
    """
    storage = ["--location", str(workdir)] if persist else ["--inMemoryPersistence"]
    process = start_process(
        "azurite",
        [
            str(find_azurite_table()),
            *storage,
            "--disableTelemetry",
            "--skipApiVersionCheck",
            "--tableHost",
            LOOPBACK,
            "--tablePort",
            str(port),
        ],
        cwd=workdir,
        log_path=log_path,
    )
    wait_until_listening(process, f"http://{LOOPBACK}:{port}/{AZURITE_ACCOUNT}/Tables")
    return process
