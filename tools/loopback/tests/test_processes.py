"""Child processes: free ports, readiness, and a stop that takes the whole process group along."""

from __future__ import annotations

import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from loopback.azurite import AZURITE_ACCOUNT, azurite_connection_string, start_azurite
from loopback.ports import LOWEST_PORT, ephemeral_ports, port_is_free, running
from loopback.processes import (
    LOOPBACK,
    free_port,
    python_module,
    start_process,
    wait_for_line,
    wait_until_listening,
)

# A child that starts a grandchild, prints both pids, then waits forever.
FAMILY = (
    "import subprocess, sys, time\n"
    "grandchild = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)'])\n"
    "print('pids', grandchild.pid, flush=True)\n"
    "time.sleep(600)\n"
)


# A parent that starts a child through loopback, prints the child's pid, then waits to be killed.
PARENT = (
    "import sys, time\n"
    "from loopback.processes import start_process\n"
    "child = start_process('sleeper', [sys.executable, '-c', 'import time; time.sleep(600)'])\n"
    "print('child', child.child.pid, flush=True)\n"
    "time.sleep(600)\n"
)


def test_free_port_can_be_bound() -> None:
    port = free_port()
    with socket.socket() as sock:
        sock.bind((LOOPBACK, port))


def test_free_ports_are_never_ones_outgoing_connections_take() -> None:
    ephemeral = ephemeral_ports()
    assert len(ephemeral) > 1000  # precondition: the range was read (or defaulted) sensibly
    ports = {free_port() for _ in range(50)}
    assert all(LOWEST_PORT <= port < ephemeral.start for port in ports)
    assert len(ports) > 40  # spread out, so two servers starting together rarely pick the same one
    with (
        socket.create_server((LOOPBACK, 0)) as server,
        socket.create_connection(server.getsockname()) as client,
    ):
        assert client.getsockname()[1] in ephemeral  # what free_port keeps away from


def test_processes_with_the_same_random_seed_pick_different_ports() -> None:
    random.seed(8)  # two test workers whose global random state is the same (seeded by a library)
    first = [free_port() for _ in range(5)]
    random.seed(8)
    assert [free_port() for _ in range(5)] != first


def test_stop_ends_the_whole_process_group(tmp_path: Path) -> None:
    log = tmp_path / "family.log"
    process = start_process("family", [sys.executable, "-c", FAMILY], log_path=log)
    wait_for_line(process, "pids ", timeout=30)
    grandchild = int(log.read_text().split()[1])
    assert running(grandchild)
    process.stop(timeout=10)
    assert not process.alive()
    assert not running(grandchild)


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


def test_a_child_stops_when_its_parent_is_killed_with_sigkill(tmp_path: Path) -> None:
    parent = subprocess.Popen([sys.executable, "-c", PARENT], stdout=subprocess.PIPE, text=True)
    try:
        assert parent.stdout is not None
        child = int(parent.stdout.readline().split()[1])
        assert running(child)
        parent.send_signal(signal.SIGKILL)
        parent.wait(timeout=10)
        deadline = time.monotonic() + 10
        while running(child):
            assert time.monotonic() < deadline, "the child outlived its killed parent"
            time.sleep(0.05)
    finally:
        parent.kill()
        parent.wait()


class _Answer(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def another_server() -> Iterator[int]:
    """Someone else's HTTP server on a loopback port; yields the port."""
    server = ThreadingHTTPServer((LOOPBACK, 0), _Answer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def test_an_answer_from_another_program_on_the_port_is_not_taken_for_ours(
    tmp_path: Path, another_server: int
) -> None:
    url = f"http://{LOOPBACK}:{another_server}/"
    ours = start_process("never-listens", [sys.executable, "-c", "import time; time.sleep(600)"])
    try:
        with pytest.raises(TimeoutError, match=f"another program answers on port {another_server}"):
            wait_until_listening(ours, url, timeout=1.0)
    finally:
        ours.stop()
    assert not port_is_free(another_server)


def test_our_own_server_is_recognised_as_listening(tmp_path: Path) -> None:
    port = free_port()
    assert port_is_free(port)
    server = start_process("http", python_module("http.server", "--bind", LOOPBACK, str(port)), cwd=tmp_path)
    try:
        wait_until_listening(server, f"http://{LOOPBACK}:{port}/", timeout=30)
        assert not port_is_free(port)
    finally:
        server.stop()
    assert port_is_free(port)
