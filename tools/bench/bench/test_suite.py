"""How long the test suites take: ``make test-fast``, ``make test`` on the machine as it is, then
``make test`` three times in a row under load (one busy loop per core for each whole run, as
``stress --cpu N`` would), wall and CPU, with the machine's load before and after
(``python -m bench.test_suite``; run from the project root).

Not part of a plain ``make bench``: ``make bench BENCH=test_suite`` runs it (~15 minutes on 2 cores).
The suite's time depends on the machine's other work, so the load averages are printed beside the
figures; the busy loops' own CPU is not counted in the runs' CPU.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

LOADED_RUNS = 3
TEST_LOGS = Path(".run/test")  # where make test leaves each suite's log (overwritten by the next run)


def load() -> str:
    return "{:.1f}/{:.1f}/{:.1f}".format(*os.getloadavg())


def cores() -> int:
    return os.cpu_count() or 1


@contextmanager
def busy_loops(count: int) -> Iterator[None]:
    """``count`` processes that spin on a core each until the block ends."""
    loops = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(count)]
    try:
        yield
    finally:
        for loop in loops:
            loop.kill()
            loop.wait()


def timed(target: str) -> tuple[bool, str]:
    """Run ``make target``: whether it passed, and its line of figures."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    load_before, started = load(), time.monotonic()
    result = subprocess.run(["make", target], capture_output=True, text=True, check=False)
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    lines = [line for line in result.stdout.splitlines() if " passed" in line or " failed" in line]
    passed = result.returncode == 0
    outcome = "passed" if passed else f"FAILED (exit {result.returncode})"
    summary = lines[-1].strip("= ") if lines else ""
    figures = (
        f"make {target}: {outcome}, {wall:.0f} s wall, {cpu:.0f} s CPU ({summary}); "
        f"load {load_before} before, {load()} after"
    )
    return passed, figures + ("" if passed else "".join(f"\n    {test}" for test in failed_tests()))


def failed_tests() -> list[str]:
    """The ``FAILED``/``ERROR`` lines of the suites' logs, named by suite, before a next run replaces them."""
    return [
        f"{log.stem}: {line}"
        for log in sorted(TEST_LOGS.glob("*.log"))
        for line in log.read_text(errors="replace").splitlines()
        if line.startswith(("FAILED ", "ERROR "))
    ]


def main() -> None:
    print(f"test suites on {cores()} cores: make test-fast, make test, make test {LOADED_RUNS} times loaded")
    for target in ("test-fast", "test"):
        print("  " + timed(target)[1])
    green = 0
    for run in range(1, LOADED_RUNS + 1):
        with busy_loops(cores()):
            passed, line = timed("test")
        green = green + 1 if passed else 0
        print(f"  loaded ({cores()} busy loops) {run}/{LOADED_RUNS}: {line}")
    print(f"  loaded: {green} green in a row of {LOADED_RUNS}")


if __name__ == "__main__":
    main()
