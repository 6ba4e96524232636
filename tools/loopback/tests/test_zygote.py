"""Servers forked from a zygote behave like ``python -m`` ones: environment, output, exit, process group."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from loopback.forking import EXIT_UNKNOWN, NO_ZYGOTE_VARIABLE, Zygote, ZygoteChild, start_python_module
from loopback.ports import running
from loopback.processes import ManagedProcess, group_alive, wait_for_line

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the zygote is for Linux")

WAIT_S = 30.0
# Blocks until a signal ends the process (stdin is /dev/null, so it cannot wait on that).
PAUSE = "import signal\nsignal.pause()\n"


@pytest.fixture
def zygote(tmp_path: Path) -> Iterator[Zygote]:
    started = Zygote(["json"], bytecode=tmp_path / "bytecode")
    try:
        yield started
    finally:
        started.close()


def fork(
    zygote: Zygote, folder: Path, code: str, *args: str, env: dict[str, str] | None = None
) -> ManagedProcess:
    """Run ``code`` as module ``probe`` from ``folder`` (its cwd), output in ``folder/probe.log``."""
    folder.mkdir(exist_ok=True)
    (folder / "probe.py").write_text(textwrap.dedent(code))
    log = folder / "probe.log"
    child = zygote.fork("probe", args, {"PATH": os.environ["PATH"], **(env or {})}, folder, log)
    return ManagedProcess("probe", child, log)


def wait_until_gone(*pids: int) -> None:
    deadline = time.monotonic() + WAIT_S
    while any(running(pid) for pid in pids):
        assert time.monotonic() < deadline, f"still running: {[pid for pid in pids if running(pid)]}"
        time.sleep(0.02)


def test_a_child_gets_exactly_the_environment_cwd_argv_and_path_of_python_m(
    zygote: Zygote, tmp_path: Path
) -> None:
    probe = """
        import ctypes, json, os, sys
        getenv = ctypes.CDLL(None).getenv
        getenv.restype = ctypes.c_char_p
        open_files = []
        for fd in os.listdir("/proc/self/fd"):
            try:
                open_files.append(os.readlink(f"/proc/self/fd/{fd}"))
            except OSError:
                pass  # the listing's own descriptor, closed by now
        print(json.dumps({
            "argv": sys.argv, "path0": sys.path[0], "cwd": os.getcwd(), "environ": dict(os.environ),
            "c_getenv": getenv(b"PROBE_SETTING").decode(), "stdin": sys.stdin.read(),
            "session": os.getsid(0) == os.getpid() == os.getpgrp(),
            "pipes": [name for name in open_files if name.startswith("pipe:")],
        }))
    """
    process = fork(zygote, tmp_path, probe, "--flag", "value", env={"PROBE_SETTING": "from-the-test"})
    assert process.child.wait(WAIT_S) == 0
    seen = json.loads(process.log_text())
    assert seen["argv"] == [str(tmp_path / "probe.py"), "--flag", "value"]
    assert seen["path0"] == seen["cwd"] == str(tmp_path)
    assert seen["environ"] == {"PATH": os.environ["PATH"], "PROBE_SETTING": "from-the-test"}
    assert seen["c_getenv"] == "from-the-test"
    assert seen["stdin"] == ""  # /dev/null
    assert seen["session"]
    assert seen["pipes"] == []  # none of the zygote's


def test_output_is_appended_to_the_log_unbuffered_with_pythonunbuffered(
    zygote: Zygote, tmp_path: Path
) -> None:
    (tmp_path / "probe.log").write_text("earlier run\n")
    process = fork(zygote, tmp_path, f"print('ready')\n{PAUSE}", env={"PYTHONUNBUFFERED": "1"})
    try:
        wait_for_line(process, "ready", WAIT_S)  # while it runs: nothing waits in a buffer
        assert process.log_text() == "earlier run\nready\n"
    finally:
        process.stop()


def test_stdout_is_buffered_and_stderr_line_buffered_as_in_a_fresh_python(
    zygote: Zygote, tmp_path: Path
) -> None:
    probe = f"import sys\nprint('buffered')\nprint('line', file=sys.stderr)\n{PAUSE}"
    process = fork(zygote, tmp_path, probe)
    try:
        wait_for_line(process, "line", WAIT_S)
        assert "buffered" not in process.log_text()
    finally:
        process.stop()


@pytest.mark.parametrize(
    ("code", "expected"),
    [("print('done')", 0), ("import sys\nsys.exit(3)", 3), ("raise ValueError('boom')", 1)],
)
def test_exit_codes_are_reported(zygote: Zygote, tmp_path: Path, code: str, expected: int) -> None:
    process = fork(zygote, tmp_path, code)
    assert process.child.wait(WAIT_S) == expected
    assert process.child.returncode == expected and not process.alive()
    if expected == 1:
        assert "ValueError: boom" in process.log_text()


def test_a_killed_child_reports_the_signal(zygote: Zygote, tmp_path: Path) -> None:
    terminated = fork(zygote, tmp_path / "terminated", PAUSE)
    killed = fork(zygote, tmp_path / "killed", f"print('ready', flush=True)\n{PAUSE}")
    wait_for_line(killed, "ready", WAIT_S)
    killed.kill()
    terminated.stop()
    assert killed.child.returncode == -signal.SIGKILL
    assert terminated.child.returncode == -signal.SIGTERM


def test_kill_takes_the_whole_group_along(zygote: Zygote, tmp_path: Path) -> None:
    family = """
        import signal, subprocess, sys
        grandchild = subprocess.Popen([sys.executable, "-c", "import signal; signal.pause()"])
        print("grandchild", grandchild.pid, flush=True)
        signal.pause()
    """
    process = fork(zygote, tmp_path, family)
    wait_for_line(process, "grandchild", WAIT_S)
    grandchild = int(process.log_text().split()[1])
    assert running(grandchild) and group_alive(process.child.pid)
    process.kill()
    assert not group_alive(process.child.pid)
    assert not running(grandchild)


def test_a_normal_exit_runs_atexit_and_joins_threads(zygote: Zygote, tmp_path: Path) -> None:
    probe = """
        import atexit, threading
        atexit.register(print, "atexit ran")
        threading.Thread(target=print, args=("thread ran",)).start()
    """
    process = fork(zygote, tmp_path, probe)
    assert process.child.wait(WAIT_S) == 0
    assert process.log_text().splitlines() == ["thread ran", "atexit ran"]


def test_children_draw_different_random_numbers(zygote: Zygote, tmp_path: Path) -> None:
    drawn = []
    for name in ("first", "second"):
        process = fork(zygote, tmp_path / name, "import random\nprint(random.random())")
        assert process.child.wait(WAIT_S) == 0
        drawn.append(process.log_text())
    assert drawn[0] != drawn[1]


def test_the_zygote_dying_takes_every_child_down(zygote: Zygote, tmp_path: Path) -> None:
    children = []
    for name in ("first", "second"):
        children.append(fork(zygote, tmp_path / name, f"print('ready', flush=True)\n{PAUSE}"))
    for child in children:
        wait_for_line(child, "ready", WAIT_S)
    zygote.process.kill()
    wait_until_gone(*(child.child.pid for child in children))
    for child in children:
        assert child.child.wait(WAIT_S) == EXIT_UNKNOWN  # nobody is left to report how it ended
    with pytest.raises(RuntimeError, match="the zygote ended"):
        fork(zygote, tmp_path, "print('never')")


# A test process that starts a server through a zygote, prints the pids, then waits to be killed.
TEST_PROCESS = """
import os, sys
from pathlib import Path
from loopback.forking import start_python_module
folder = Path(sys.argv[1])
(folder / "probe.py").write_text("import signal\\nsignal.pause()\\n")
server = start_python_module("probe", "probe", cwd=folder, log_path=folder / "probe.log")
print(server.child.pid, server.child.zygote.process.child.pid, flush=True)
import signal
signal.pause()
"""


def test_the_test_process_dying_takes_the_zygote_and_its_children_down(tmp_path: Path) -> None:
    env = {key: value for key, value in os.environ.items() if key != NO_ZYGOTE_VARIABLE}
    helper = subprocess.Popen(
        [sys.executable, "-c", TEST_PROCESS, str(tmp_path)], stdout=subprocess.PIPE, text=True, env=env
    )
    try:
        assert helper.stdout is not None
        server, zygote = (int(pid) for pid in helper.stdout.readline().split())
        assert running(server) and running(zygote)
        helper.send_signal(signal.SIGKILL)
        helper.wait(WAIT_S)
        wait_until_gone(server, zygote)
    finally:
        helper.kill()
        helper.wait()


def test_modules_are_compiled_once_into_the_cache_not_next_to_their_source(
    zygote: Zygote, tmp_path: Path
) -> None:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "helper.py").write_text("ANSWER = 42\n")
    env = {"PYTHONDONTWRITEBYTECODE": "1"}
    written = []
    for _ in range(2):
        process = fork(zygote, tmp_path / "app", "import helper\nprint(helper.__cached__)", env=env)
        assert process.child.wait(WAIT_S) == 0
        cached = Path(process.log_text().splitlines()[-1])
        assert cached.is_relative_to(tmp_path / "bytecode")
        written.append(cached.stat().st_mtime_ns)
    assert written[0] == written[1]  # the second child read what the first compiled
    assert not (tmp_path / "app" / "__pycache__").exists()


def test_start_python_module_forks_unless_told_not_to(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "probe.py").write_text("print('ran')")
    monkeypatch.delenv(NO_ZYGOTE_VARIABLE, raising=False)
    forked = start_python_module("probe", "probe", cwd=tmp_path, log_path=tmp_path / "forked.log")
    monkeypatch.setenv(NO_ZYGOTE_VARIABLE, "1")
    execed = start_python_module("probe", "probe", cwd=tmp_path, log_path=tmp_path / "execed.log")
    monkeypatch.delenv(NO_ZYGOTE_VARIABLE)
    reseeded = start_python_module(
        "probe", "probe", cwd=tmp_path, env={"PYTHONHASHSEED": "7"}, log_path=tmp_path / "seeded.log"
    )
    for process in (forked, execed, reseeded):
        assert process.child.wait(WAIT_S) == 0
        assert process.log_text() == "ran\n"
    assert isinstance(forked.child, ZygoteChild)
    assert isinstance(execed.child, subprocess.Popen)
    assert isinstance(reseeded.child, subprocess.Popen)  # a hash seed only a fresh interpreter applies
