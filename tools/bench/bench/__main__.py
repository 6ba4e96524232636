"""``python -m bench`` (``make bench``): run the benchmarks and write their figures to docs/benchmarks.md.

``python -m bench`` runs every benchmark but ``server_start`` and ``test_suite``; ``python -m bench
save_cost read_path`` only those. Each one's
output is printed as it runs and, with ``--write FILE``, becomes that benchmark's row of the generated
table in FILE (between the ``bench:table`` markers), stamped with the commit and the machine; the other
rows stay as they were. The table is never edited by hand.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import platform
import re
import subprocess
import sys
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import TextIO

from bench import (
    app_snapshot,
    app_webhooks,
    devhost_fanout,
    import_cost,
    maps_trim,
    rate_budget,
    read_path,
    save_cost,
    server_start,
    storage_outage,
    test_suite,
)

BENCHMARKS: dict[str, Callable[[], None]] = {
    "import_cost": lambda: import_cost.main([]),
    "devhost_fanout": devhost_fanout.main,
    "app_snapshot": app_snapshot.main,
    "save_cost": save_cost.main,
    "rate_budget": rate_budget.main,
    "read_path": read_path.main,
    "app_webhooks": app_webhooks.main,
    "maps_trim": maps_trim.main,
    "storage_outage": storage_outage.main,
    "server_start": lambda: server_start.main([]),
    "test_suite": test_suite.main,
}
DEFAULT = [name for name in BENCHMARKS if name not in ("server_start", "test_suite")]  # those on request
BEGIN, END = "<!-- bench:table begin (written by `make bench`) -->", "<!-- bench:table end -->"
HEADER = "| benchmark | figures (its output) | commit | machine | when (UTC) |\n|---|---|---|---|---|"


class Tee(io.TextIOBase):
    """Writes to the real stdout and keeps a copy."""

    def __init__(self, out: TextIO) -> None:
        self.out, self.copy = out, io.StringIO()

    def write(self, text: str) -> int:
        self.out.write(text)
        return self.copy.write(text)


def commit(table: Path | None) -> str:
    """HEAD, marked ``(modified)`` if tracked files other than the figures' own file differ from it."""

    def git(*args: str) -> str:
        return subprocess.run(["git", *args], capture_output=True, text=True, check=False).stdout.strip()

    head = git("rev-parse", "--short", "HEAD") or "unknown"
    others = ["--", ".", *([f":!{table}"] if table else [])]
    return head + (" (modified)" if git("status", "--porcelain", "--untracked-files=no", *others) else "")


def machine() -> str:
    model = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        found = re.search(r"model name\s*:\s*(.+)", Path("/proc/cpuinfo").read_text())
        model = found.group(1).strip() if found else model
    load = "load {:.1f}/{:.1f}/{:.1f}".format(*os.getloadavg()) if hasattr(os, "getloadavg") else ""
    return f"{os.cpu_count()} cores, {model}, Python {platform.python_version()}, {load}"


def cell(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return "<br>".join(line.replace("|", "\\|") for line in lines)


def write_rows(path: Path, rows: dict[str, str]) -> None:
    """Replace (or add) the benchmarks' rows in path's generated table, keeping the others."""
    text = path.read_text() if path.exists() else f"# Benchmarks\n\n{BEGIN}\n{END}\n"
    if BEGIN not in text:
        text = text.rstrip("\n") + f"\n\n{BEGIN}\n{END}\n"
    before, rest = text.split(BEGIN, 1)
    table, after = rest.split(END, 1)
    kept = {
        line.split("|")[1].strip().strip("`"): line
        for line in table.strip().splitlines()[2:]
        if line.startswith("| `")
    }
    kept.update(rows)
    ordered = [kept[name] for name in [*BENCHMARKS, *sorted(set(kept) - set(BENCHMARKS))] if name in kept]
    path.write_text(before + BEGIN + "\n" + "\n".join([HEADER, *ordered]) + "\n" + END + after)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("names", nargs="*", help=f"benchmarks to run (default: all): {', '.join(BENCHMARKS)}")
    parser.add_argument("--write", type=Path, help="write the figures to this file's generated table")
    parser.add_argument(
        "--row", default="", help="write under this row name (one benchmark), e.g. 'save_cost before'"
    )
    args = parser.parse_args(argv)
    names: list[str] = args.names or DEFAULT
    if unknown := sorted(set(names) - set(BENCHMARKS)):
        parser.error(f"unknown benchmark: {', '.join(unknown)}")
    if args.row and len(names) != 1:
        parser.error("--row names the row of one benchmark")
    rows: dict[str, str] = {}
    for name in names:
        tee = Tee(sys.stdout)
        argv, sys.argv = sys.argv, [f"bench.{name}"]  # a benchmark reading its own options sees none
        try:
            with contextlib.redirect_stdout(tee):
                BENCHMARKS[name]()
        finally:
            sys.argv = argv
        print()
        stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M")
        row = args.row or name
        stamped = f"{commit(args.write)} | {machine()} | {stamp}"
        rows[row] = f"| `{row}` | {cell(tee.copy.getvalue())} | {stamped} |"
        if args.write:
            write_rows(args.write, rows)


if __name__ == "__main__":
    main()
