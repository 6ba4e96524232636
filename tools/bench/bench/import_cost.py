"""Cold-import cost of the app against its four required libraries: ``python -m bench.import_cost``.

Each sample is a fresh interpreter that times one import statement with ``perf_counter`` (interpreter
start-up excluded, OS file cache warm, the libraries' bytecode as pip compiled it). The app is imported
from a copy of what ships (the tree minus ``.funcignore``), twice over: with its bytecode cached, and
compiled at every start, as when no ``__pycache__`` ships (``.funcignore`` leaves it out). Statements
run interleaved, round after round, so a noisy neighbour slows all of them alike; the figures are
medians and their ratio to the four libraries. Model libraries that are installed (pydantic, msgspec)
are timed on top of the four, as the least they would add to the app.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

LIBRARIES = "import azure.functions, azure.durable_functions, aiohttp, azure.data.tables.aio"
APP = "import function_app"
CANDIDATES = ("pydantic", "msgspec")  # model libraries weighed for strava/models.py
BUDGET = 1.2  # the app may cost at most this multiple of its libraries
ALWAYS_LEFT_OUT = (".git", ".venv", "node_modules", "__pycache__", "*.pyc")


@dataclass(frozen=True)
class Case:
    label: str
    statement: str
    folder: Path
    cache_bytecode: bool


def app_root() -> Path | None:
    """The folder that holds ``function_app.py``: the current one, or one above this script."""
    for folder in (Path.cwd(), *Path(__file__).resolve().parents):
        if (folder / "function_app.py").is_file():
            return folder
    return None


def copy_shipped_tree(root: Path, destination: Path) -> Path:
    """Copy the app as ``func … publish`` would package it: every path ``.funcignore`` names left out."""
    funcignore = root / ".funcignore"
    lines = funcignore.read_text().splitlines() if funcignore.is_file() else []
    patterns = [line.strip().rstrip("/") for line in lines if line.strip() and not line.startswith("#")]
    shutil.copytree(root, destination, ignore=shutil.ignore_patterns(*patterns, *ALWAYS_LEFT_OUT))
    return destination


def sample(case: Case) -> float:
    """Seconds one fresh interpreter spends on the case's statement."""
    code = f"import time\nt = time.perf_counter()\n{case.statement}\nprint(time.perf_counter() - t)"
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    if not case.cache_bytecode:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=case.folder,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    if done.returncode != 0:
        raise SystemExit(f"{case.statement!r} failed:\n{done.stderr.strip()}")
    return float(done.stdout.strip().splitlines()[-1])


def measure(cases: list[Case], rounds: int) -> dict[str, list[float]]:
    for case in cases:
        sample(case)  # warm-up: fill the file cache; writes the app's bytecode where it is cached
    samples: dict[str, list[float]] = {case.label: [] for case in cases}
    for _ in range(rounds):
        for case in cases:
            samples[case.label].append(sample(case))
    return samples


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Cold-import cost of the app against its four libraries.")
    parser.add_argument("--rounds", type=int, default=15, help="samples per statement (default: 15)")
    parser.add_argument(
        "--app-dir", type=Path, default=app_root(), help="the app's root (default: %(default)s)"
    )
    args = parser.parse_args(argv)
    root: Path | None = args.app_dir
    if root is None or not (root / "function_app.py").is_file():
        parser.error("no function_app.py found: pass --app-dir")
    missing = [name for name in CANDIDATES if importlib.util.find_spec(name) is None]
    with tempfile.TemporaryDirectory(prefix="import-cost-") as scratch:
        compiled = copy_shipped_tree(root, Path(scratch) / "compiled")
        from_source = copy_shipped_tree(root, Path(scratch) / "source")
        cases = [
            Case("4 libraries", LIBRARIES, from_source, cache_bytecode=False),
            Case("function_app, bytecode cached", APP, compiled, cache_bytecode=True),
            Case("function_app, compiled at start", APP, from_source, cache_bytecode=False),
        ] + [
            Case(f"4 libraries + {name}", f"{LIBRARIES}, {name}", from_source, cache_bytecode=False)
            for name in CANDIDATES
            if name not in missing
        ]
        samples = measure(cases, args.rounds)
    medians = {label: statistics.median(values) for label, values in samples.items()}
    base = medians["4 libraries"]
    print(f"import cost, median of {args.rounds} fresh interpreters each (Python {sys.version.split()[0]})")
    for label, median in medians.items():
        spread = f"{min(samples[label]) * 1000:.0f}-{max(samples[label]) * 1000:.0f} ms"
        print(f"  {label:<32} {median * 1000:5.0f} ms  {median / base:4.2f} x libraries  ({spread})")
    for label in ("function_app, bytecode cached", "function_app, compiled at start"):
        ratio = medians[label] / base
        print(f"{label}: {ratio:.2f} x, {'within' if ratio <= BUDGET else 'over'} the {BUDGET} x budget")
    if missing:
        print(f"not installed, not timed: {', '.join(missing)} (pip install them to compare)")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0  # not on Windows
    if load > (os.cpu_count() or 1):
        print(f"warning: load average {load:.1f} on {os.cpu_count()} cores: other work skews these figures")


if __name__ == "__main__":
    main()
