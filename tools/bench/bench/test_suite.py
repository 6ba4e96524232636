"""How long the test suites take: ``make test-fast`` and ``make test``, wall and CPU, with the machine's
load before and after (``python -m bench.test_suite``; run from the project root).

Not part of a plain ``make bench``: ``make bench BENCH=test_suite`` runs it. The suite's time depends
on the machine's other work, so the load averages are printed beside the figures.
"""

from __future__ import annotations

import os
import resource
import subprocess
import time


def load() -> str:
    return "{:.1f}/{:.1f}/{:.1f}".format(*os.getloadavg())


def timed(target: str) -> str:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    load_before, started = load(), time.monotonic()
    result = subprocess.run(["make", target], capture_output=True, text=True, check=False)
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    lines = [line for line in result.stdout.splitlines() if " passed" in line or " failed" in line]
    outcome = "passed" if result.returncode == 0 else f"FAILED (exit {result.returncode})"
    summary = lines[-1].strip("= ") if lines else ""
    return (
        f"  make {target}: {outcome}, {wall:.0f} s wall, {cpu:.0f} s CPU ({summary}); "
        f"load {load_before} before, {load()} after, {os.cpu_count()} cores"
    )


def main() -> None:
    print("test suites (make test-fast, make test), one run each")
    print(timed("test-fast"))
    print(timed("test"))


if __name__ == "__main__":
    main()
