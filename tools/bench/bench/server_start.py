"""CPU to start a test server, and to restart a shared devhost in place: ``python -m bench.server_start
[--rounds N]``.

Starts the Strava emulator and devhost (serving the app, on Azurite) the way the test plugins do, until
each is ready, and restarts one ``--testing`` devhost in place (``POST /_devhost/restart``, what the
app's end-to-end tests do between tests) as often, alternated, so a noisy neighbour slows all alike. A
start's CPU is the server's own user + system time at ready (``/proc/PID/stat``); a restart's is what
the devhost process spent during the call. Figures are medians.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
from collections.abc import Callable
from pathlib import Path

from devhost.testing import RunningDevhost, isolated_app_dir, launch_devhost
from loopback.azurite import azurite_connection_string, start_azurite
from loopback.processes import free_port
from strava_emulator.testing import launch_emulator

from bench.import_cost import app_root

TICK_S = 1 / os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU of ``pid`` and of the children it has waited for."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(value) for value in fields[11:15]) * TICK_S


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.server_start", description=__doc__)
    parser.add_argument("--rounds", type=int, default=8, help="samples of each (default: 8)")
    args = parser.parse_args(argv)
    root = app_root()
    if root is None:
        raise SystemExit("run from the checkout: function_app.py not found")
    samples: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        app_dir = isolated_app_dir(root, work / "app")
        azurite_port = free_port()
        azurite = start_azurite(azurite_port, work, log_path=work / "azurite.log")
        connection = azurite_connection_string(azurite_port)
        emulator = launch_emulator((), work)  # the app's Strava, for devhost's settings
        assert emulator.process is not None
        emulator_process = emulator.process
        settings = {
            "STRAVA_CLIENT_ID": emulator.client_id,
            "STRAVA_CLIENT_SECRET": emulator.client_secret,
            "STRAVA_API_BASE_URL": emulator.api_base,
            "STRAVA_OAUTH_BASE_URL": emulator.oauth_base,
            "TABLE_PREFIX": "benchstart",
            "SNAPSHOT_SCHEDULE": "0 0 0 1 1 *",  # never during the run
        }
        shared = launch_devhost(
            app_dir, connection_string=connection, log_dir=work, env=settings, testing=True
        )

        def start_emulator() -> float:
            started = launch_emulator((), work).process
            assert started is not None  # launch_emulator always starts one
            try:
                return cpu_seconds(started.child.pid)
            finally:
                started.stop()

        def start_devhost() -> float:
            started = launch_devhost(app_dir, connection_string=connection, log_dir=work, env=settings)
            try:
                return cpu_seconds(started.process.child.pid)
            finally:
                started.stop()

        def restart(host: RunningDevhost = shared) -> float:
            before = cpu_seconds(host.process.child.pid)
            host.reset(settings)
            return cpu_seconds(host.process.child.pid) - before

        measures: dict[str, Callable[[], float]] = {
            "strava-emulator start": start_emulator,
            "devhost start": start_devhost,
            "devhost restart in place": restart,
        }
        try:
            for _ in range(args.rounds + 1):  # the first round warms the file and bytecode caches
                for name, measure in measures.items():
                    samples.setdefault(name, []).append(measure())
        finally:
            shared.stop()
            emulator_process.stop()
            azurite.stop()
    print(f"CPU to start a server until ready, or to restart devhost in place (median of {args.rounds})")
    for name, values in samples.items():
        print(f"  {name:<25} {statistics.median(values[1:]) * 1000:4.0f} ms")


if __name__ == "__main__":
    main()
