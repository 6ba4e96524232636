"""CPU to start a test server, exec'd vs forked from a zygote: ``python -m bench.server_start [--rounds N]``.

Starts the Strava emulator and devhost (serving the app, on Azurite) the way the test plugins do, until
each is ready, alternating a fresh ``python -m`` (``LOOPBACK_NO_ZYGOTE=1``) with a fork from the warm
zygote (``loopback.forking``), so a noisy neighbour slows both alike. A start's CPU is the server's own
user + system time at ready (``/proc/PID/stat``), plus, when forked, what the zygote spent meanwhile
(the fork); the zygote's one-off imports are shown apart. Figures are medians.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
from collections.abc import Callable
from pathlib import Path

from devhost.testing import PRELOAD as DEVHOST_PRELOAD
from devhost.testing import isolated_app_dir, launch_devhost
from loopback.azurite import azurite_connection_string, start_azurite
from loopback.forking import NO_ZYGOTE_VARIABLE, ZygoteChild, start_python_module
from loopback.processes import ManagedProcess, free_port, wait_until_listening
from strava_emulator.testing import PRELOAD as EMULATOR_PRELOAD

from bench.import_cost import app_root

TICK_S = 1 / os.sysconf("SC_CLK_TCK")
MODES = ("exec", "zygote")


def cpu_seconds(pid: int) -> float:
    """User + system CPU of ``pid`` and of the children it has waited for."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(value) for value in fields[11:15]) * TICK_S


def start_emulator(log_dir: Path) -> tuple[ManagedProcess, str]:
    port = free_port()
    process = start_python_module(
        "strava-emulator",
        "strava_emulator",
        ["--port", str(port)],
        preload=EMULATOR_PRELOAD,
        log_path=log_dir / "emulator.log",
    )
    url = f"http://127.0.0.1:{port}"
    wait_until_listening(process, f"{url}/_emulator/stats")
    return process, url


def measured(
    start: Callable[[], ManagedProcess], zygotes: dict[int, float], preload: dict[str, float]
) -> float:
    """CPU seconds of one start until ready, with what its zygote spent since the previous start (the
    fork, the reaping); ``zygotes`` holds each zygote's CPU so far. The server is stopped after."""
    process = start()
    try:
        cpu = cpu_seconds(process.child.pid)
        if isinstance(process.child, ZygoteChild):
            pid = process.child.zygote.process.child.pid
            now = cpu_seconds(pid)
            if pid in zygotes:
                cpu += now - zygotes[pid]
            else:  # the first fork: the zygote imported its modules meanwhile
                preload[process.name] = now
            zygotes[pid] = now
        return cpu
    finally:
        process.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.server_start", description=__doc__)
    parser.add_argument("--rounds", type=int, default=8, help="starts per server and mode (default: 8)")
    args = parser.parse_args(argv)
    root = app_root()
    if root is None:
        raise SystemExit("run from the checkout: function_app.py not found")
    samples: dict[tuple[str, str], list[float]] = {}
    zygotes: dict[int, float] = {}
    preload: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        app_dir = isolated_app_dir(root, work / "app")
        azurite_port = free_port()
        azurite = start_azurite(azurite_port, work, log_path=work / "azurite.log")
        os.environ[NO_ZYGOTE_VARIABLE] = "1"
        emulator, emulator_url = start_emulator(work)  # the app's Strava, for devhost's settings
        settings = {
            "STRAVA_CLIENT_ID": "12345",
            "STRAVA_CLIENT_SECRET": "demo-secret",
            "STRAVA_API_BASE_URL": f"{emulator_url}/api/v3",
            "STRAVA_OAUTH_BASE_URL": f"{emulator_url}/oauth",
            "TABLE_PREFIX": "benchstart",
            "SNAPSHOT_SCHEDULE": "0 0 0 1 1 *",  # never during the run
        }

        def devhost() -> ManagedProcess:
            connection = azurite_connection_string(azurite_port)
            return launch_devhost(app_dir, connection_string=connection, log_dir=work, env=settings).process

        servers: dict[str, Callable[[], ManagedProcess]] = {
            "strava-emulator": lambda: start_emulator(work)[0],
            "devhost": devhost,
        }
        try:
            for _ in range(args.rounds + 1):  # the first round warms the file cache and the zygotes
                for name, start in servers.items():
                    for mode in MODES:
                        os.environ[NO_ZYGOTE_VARIABLE] = "1" if mode == "exec" else ""
                        samples.setdefault((name, mode), []).append(measured(start, zygotes, preload))
        finally:
            emulator.stop()
            azurite.stop()
    print(f"CPU to start a server until ready (median of {args.rounds}, alternated; preload: zygote's once)")
    for name in servers:
        execed, forked = (statistics.median(samples[name, mode][1:]) for mode in MODES)
        print(
            f"  {name:<16} exec {execed * 1000:4.0f} ms   zygote {forked * 1000:4.0f} ms "
            f"({forked / execed:.0%})   zygote's preload {preload.get(name, 0.0) * 1000:4.0f} ms "
            f"({', '.join(DEVHOST_PRELOAD if name == 'devhost' else EMULATOR_PRELOAD)})"
        )


if __name__ == "__main__":
    main()
