"""Child processes: free ports, readiness, and a stop that takes the whole process group along."""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path

import pytest
from loopback.azurite import AZURITE_ACCOUNT, azurite_connection_string, start_azurite
from loopback.processes import LOOPBACK, free_port, python_module, start_process, wait_for_line

# A child that starts a grandchild, prints both pids, then waits forever.
FAMILY = (
    "import subprocess, sys, time\n"
    "grandchild = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)'])\n"
    "print('pids', grandchild.pid, flush=True)\n"
    "time.sleep(600)\n"
)


def _exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}").exists() and "Z" not in Path(f"/proc/{pid}/stat").read_text().split()[2]


def test_free_port_can_be_bound() -> None:
    port = free_port()
    with socket.socket() as sock:
        sock.bind((LOOPBACK, port))


def test_stop_ends_the_whole_process_group(tmp_path: Path) -> None:
    log = tmp_path / "family.log"
    process = start_process("family", [sys.executable, "-c", FAMILY], log_path=log)
    wait_for_line(process, "pids ", timeout=30)
    grandchild = int(log.read_text().split()[1])
    assert _exists(grandchild)
    process.stop(timeout=10)
    assert not process.alive()
    assert not _exists(grandchild)


def test_a_process_that_dies_early_is_reported_with_its_log(tmp_path: Path) -> None:
    process = start_process(
        "failing", python_module("loopback_no_such_module"), log_path=tmp_path / "failing.log"
    )
    with pytest.raises(RuntimeError, match="No module named"):
        wait_for_line(process, "never printed", timeout=30)


def test_azurite_serves_its_table_endpoint(tmp_path: Path) -> None:
    port = free_port()
    process = start_azurite(port, tmp_path, log_path=tmp_path / "azurite.log")
    try:
        assert process.alive()
        assert f"{LOOPBACK}:{port}/{AZURITE_ACCOUNT}" in azurite_connection_string(port)
        with socket.create_connection((LOOPBACK, port), timeout=5):
            pass
    finally:
        process.stop()
    assert not process.alive()
