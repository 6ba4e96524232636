"""However a run ends, everything it started stops: Ctrl-C to its process group, SIGTERM and then a
second signal while it cleans up, the shell that started it killed with SIGKILL, or devstack itself
killed. (SIGHUP, the terminal closing, ends the run in test_run_command.)"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from loopback.ports import running
from strava_emulator.testing import RunningEmulator

pytestmark = pytest.mark.e2e


def test_ctrl_c_to_the_process_group_stops_everything(stack_run):
    stack_run.start().wait_until_serving()
    stack_run.signal_group(signal.SIGINT)
    assert stack_run.wait() == 0, stack_run.output()
    stack_run.assert_all_gone()


def test_a_second_signal_while_cleaning_up_kills_what_is_left_at_once(stack_run):
    stack_run.start().wait_until_serving()
    base = f"http://127.0.0.1:{stack_run.ports['emulator']}"
    emulator = RunningEmulator(base, f"{base}/api/v3", f"{base}/oauth", "12345", "demo-secret")
    # a request parked in the emulator keeps it from finishing a graceful stop (aiohttp waits for it)
    emulator.hold("GET /api/v3/athlete")
    parked = threading.Thread(target=_request, args=(f"{base}/api/v3/athlete",), daemon=True)
    parked.start()
    emulator.wait_until_held(1)

    stack_run.signal_group(signal.SIGTERM)
    stack_run.wait_for_output("stopping everything it started")  # SIGTERM started the cleanup
    assert stack_run.popen.poll() is None  # still cleaning up: the emulator has not stopped
    started = time.monotonic()
    stack_run.signal_group(signal.SIGINT)  # impatient: Ctrl-C again
    assert stack_run.wait() == 0, stack_run.output()
    assert time.monotonic() - started < 8  # well inside the 10 s a graceful stop may take
    stack_run.assert_all_gone()


def test_the_shell_that_started_it_killed_with_sigkill_stops_everything(stack_run):
    stack_run.start(wrap=["sh", "-c"]).wait_until_serving()  # `sh -c "python -m devstack ..."`
    shell = stack_run.popen.pid
    [devstack] = [pid for pid in stack_run.pids if _is_devstack(pid)]
    assert devstack != shell
    os.kill(shell, signal.SIGKILL)
    stack_run.assert_all_gone()
    assert not running(devstack)


def test_devstack_itself_killed_with_sigkill_takes_its_children_along(stack_run):
    stack_run.start().wait_until_serving()
    os.kill(stack_run.popen.pid, signal.SIGKILL)
    stack_run.assert_all_gone()


def _request(url: str) -> None:
    with contextlib.suppress(urllib.error.URLError, OSError):  # the emulator is killed under it
        urllib.request.urlopen(url, timeout=60)  # noqa: S310 - loopback URL


def _is_devstack(pid: int) -> bool:
    try:
        return b"\0-m\0devstack\0" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
