"""``make test``: the app's suite and each tool's own suite, side by side, each in its own folder.

``python -m devstack.suites [--logs DIR] FOLDER:WORKERS ...`` runs ``pytest -q`` in every FOLDER (with
``-n WORKERS`` xdist workers when WORKERS > 0), each as its own process group with its output in
``DIR/<folder>.log``. Every suite and worker shares one in-memory Azurite (``$LOOPBACK_AZURITE``): one
start instead of one per worker. Compiled modules (and pytest's rewritten test modules) are kept in
``DIR/pycache`` (``$PYTHONPYCACHEPREFIX``), outside the source tree, even where
``PYTHONDONTWRITEBYTECODE`` is set: otherwise every worker and every server compiles them again.

It prints one line per suite as it ends, the whole log of a suite that failed, and a closing total. Any
suite that does not pass fails the run — pytest's exit 5 (no tests collected) included. Ctrl-C, SIGTERM,
SIGHUP or the death of the process that started it stop every suite.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from loopback.azurite import SHARED_AZURITE_SETTING, azurite_connection_string, start_azurite
from loopback.processes import ManagedProcess, free_port, start_process

from devstack.lifetime import Lifetime, Stopping

COUNTS = re.compile(r"(\d+) (passed|failed|errors?|skipped|xfailed|xpassed)")
NO_TESTS = 5


@dataclass(frozen=True)
class Suite:
    """One folder whose pytest configuration and tests form a suite."""

    folder: Path
    workers: int

    @property
    def name(self) -> str:
        return str(self.folder)

    @property
    def log_name(self) -> str:
        """``app`` for the root, ``tools-devhost`` for ``tools/devhost``."""
        return re.sub(r"[^\w.-]+", "-", self.name.strip("./")) or "app"

    def argv(self) -> list[str]:
        workers = ["-n", str(self.workers), "--maxschedchunk", "1"] if self.workers > 0 else []
        return [sys.executable, "-m", "pytest", "-q", *workers]


def parse_suite(text: str) -> Suite:
    """``FOLDER:WORKERS`` (``WORKERS`` defaults to 0: no xdist)."""
    folder, _, workers = text.partition(":")
    if not folder or not (workers or "0").isdigit():
        raise argparse.ArgumentTypeError(f"expected FOLDER:WORKERS, got {text!r}")
    return Suite(Path(folder), int(workers or "0"))


def closing_line(log: str) -> str:
    """pytest's closing summary (``12 passed, 1 skipped in 3.2s``), without its ``=`` padding."""
    for line in reversed(log.splitlines()):
        if COUNTS.search(line) and " in " in line:
            return line.strip(" =")
    return ""


def counts(summary: str) -> dict[str, int]:
    """``{"passed": 12, "failed": 1, ...}`` from a closing line (``error`` and ``errors`` merged)."""
    found: dict[str, int] = {}
    for number, kind in COUNTS.findall(summary):
        key = "errors" if kind.startswith("error") else kind
        found[key] = found.get(key, 0) + int(number)
    return found


def outcome(returncode: int | None) -> str:
    if returncode == 0:
        return "passed"
    if returncode == NO_TESTS:
        return "FAILED (no tests collected)"
    return f"FAILED (exit {returncode})"


@dataclass
class Running:
    suite: Suite
    process: ManagedProcess
    log_path: Path
    started: float
    cpu: float = 0.0  # user + system seconds of the suite and every process it waited for


def _ended(entry: Running) -> bool:
    """Reap the suite's pytest if it ended, keeping its exit code and its CPU time (``wait4``)."""
    pid, status, usage = os.wait4(entry.process.child.pid, os.WNOHANG)
    if pid == 0:
        return False
    entry.process.child.returncode = os.waitstatus_to_exitcode(status)
    entry.cpu = usage.ru_utime + usage.ru_stime
    return True


def _kill_all(running: Sequence[Running]) -> None:
    for entry in running:
        entry.process.send_kill()


def run(suites: Sequence[Suite], logs: Path, lifetime: Lifetime, env: Mapping[str, str] | None = None) -> int:
    """Run ``suites`` side by side, with ``env`` added to their environment; 0 if every one passed."""
    logs.mkdir(parents=True, exist_ok=True)
    running: list[Running] = []
    for suite in suites:
        log_path = logs / f"{suite.log_name}.log"
        log_path.write_text("")
        process = start_process(suite.name, suite.argv(), env=env, cwd=suite.folder, log_path=log_path)
        running.append(Running(suite, process, log_path, time.monotonic()))
    totals: dict[str, int] = {}
    failed: list[str] = []
    try:
        lifetime.watch_signals()
        pending = list(running)
        while pending:
            lifetime.check_parent()
            for entry in [entry for entry in pending if _ended(entry)]:
                pending.remove(entry)
                entry.process.stop()  # reaps the group: servers a suite left behind go with it
                log = entry.log_path.read_text(errors="replace")
                summary = closing_line(log)
                result = outcome(entry.process.child.returncode)
                if result != "passed":
                    failed.append(entry.suite.name)
                    print(f"== {entry.suite.name}\n{log}", flush=True)
                for kind, number in counts(summary).items():
                    totals[kind] = totals.get(kind, 0) + number
                wall = time.monotonic() - entry.started
                print(
                    f"== {entry.suite.name}: {result}, {summary or 'no summary'} ({wall:.1f} s wall, "
                    f"{entry.cpu:.1f} s cpu; log: "
                    f"{entry.log_path})",
                    flush=True,
                )
            time.sleep(0.1)
    except Stopping as reason:
        lifetime.cleaning_up(lambda: _kill_all(running))
        for entry in running:
            entry.process.stop()
        print(f"make test: stopped ({reason}); every suite ended", file=sys.stderr, flush=True)
        return 130
    print(
        f"{totals.get('passed', 0)} passed, {totals.get('failed', 0) + totals.get('errors', 0)} failed"
        + (f", {totals['skipped']} skipped" if totals.get("skipped") else ""),
        flush=True,
    )
    if failed:
        print(f"make test: failed: {' '.join(failed)}", flush=True)
        return 1
    return 0


def bytecode_cache_env(folder: Path) -> dict[str, str]:
    """The environment that keeps compiled modules in ``folder`` (unless the user chose a folder)."""
    return {
        "PYTHONPYCACHEPREFIX": os.environ.get("PYTHONPYCACHEPREFIX") or str(folder),
        "PYTHONDONTWRITEBYTECODE": "",  # empty is unset for Python; the prefix keeps the tree clean
    }


@contextmanager
def shared_azurite(logs: Path) -> Iterator[dict[str, str]]:
    """One in-memory Azurite for every suite: the environment that points the suites' fixtures at it."""
    workdir = logs / "azurite"
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    process = start_azurite(port, workdir, log_path=logs / "azurite.log")
    try:
        yield {SHARED_AZURITE_SETTING: azurite_connection_string(port)}
    finally:
        process.stop()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devstack.suites", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--logs", type=Path, default=Path(".run/test"), help="log folder (default: %(default)s)"
    )
    parser.add_argument("suites", nargs="+", type=parse_suite, metavar="FOLDER:WORKERS")
    options = parser.parse_args(argv)
    logs = options.logs.resolve()
    logs.mkdir(parents=True, exist_ok=True)
    with shared_azurite(logs) as env:
        return run(options.suites, logs, Lifetime(), {**env, **bytecode_cache_env(logs / "pycache")})


if __name__ == "__main__":
    sys.exit(main())
