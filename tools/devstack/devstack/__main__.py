"""`python -m devstack` (what `make run` runs): the whole app on this machine.

Demo mode (no STRAVA_CLIENT_ID / STRAVA_CLIENT_SECRET in the environment or local.settings.json):
Azurite + the Strava emulator + devhost, and the OAuth flow completed by itself, so `/api/stats`
serves a snapshot within a minute. With real credentials: Azurite (persistent) + devhost, talking to
real Strava; it prints the authorize URL to open in a browser. Ctrl-C stops everything it started.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from devstack.stack import Stack, StackOptions, app_settings, has_real_credentials


def parse_arguments(argv: Sequence[str] | None) -> tuple[StackOptions, bool]:
    parser = argparse.ArgumentParser(prog="python -m devstack", description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=7071, help="devhost HTTP port (0 = any free port)")
    parser.add_argument("--azurite-port", type=int, default=10002, help="Azurite table port (0 = any)")
    parser.add_argument("--emulator-port", type=int, default=8765, help="Strava emulator port (0 = any)")
    parser.add_argument("--site-port", type=int, default=8080, help="example site port (0 = any)")
    parser.add_argument("--run-dir", type=Path, default=StackOptions.run_dir, help="logs and Azurite data")
    parser.add_argument("--app-dir", type=Path, default=StackOptions.app_dir, help="the Functions app to run")
    parser.add_argument(
        "--check",
        action="store_true",
        help="start, complete the demo, verify /api/stats, then stop (smoke test)",
    )
    args = parser.parse_args(argv)
    options = StackOptions(
        app_dir=args.app_dir,
        run_dir=args.run_dir,
        port=args.port,
        azurite_port=args.azurite_port,
        emulator_port=args.emulator_port,
        site_port=args.site_port,
    )
    return options, args.check


def follow(stack: Stack, log_path: Path) -> int:
    """Print devhost's log as it grows until Ctrl-C or until a part of the stack dies."""
    with log_path.open(errors="replace") as log:
        while True:
            line = log.readline()
            if line:
                print(line, end="", flush=True)
                continue
            failed = stack.failed_process()
            if failed is not None:
                print(f"\n{failed.name} stopped unexpectedly; see {stack.options.run_dir}", file=sys.stderr)
                return 1
            time.sleep(0.2)


def describe(document: dict[str, Any]) -> int:
    """Print a line about the demo snapshot; return its athlete id."""
    athlete, activities = document["athlete"], document["recent_activities"]
    print(f"  demo athlete  {athlete['firstname']} {athlete['lastname']} (id {athlete['id']}), ", end="")
    print(f"{len(activities)} recent activities in the snapshot")
    return int(athlete["id"])


def stop_on_signals() -> None:
    """Ctrl-C, and SIGTERM too, end the run through the same cleanup (even where the shell that started
    us ignores SIGINT, as shells do for background jobs)."""

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, interrupt)
    signal.signal(signal.SIGTERM, interrupt)


def main(argv: Sequence[str] | None = None) -> int:
    options, check = parse_arguments(argv)
    stop_on_signals()
    demo = not has_real_credentials(app_settings(options.app_dir, os.environ))
    stack = Stack(options, demo)
    print("strava-snapshot:", "demo mode (Strava emulator)" if demo else "real Strava", flush=True)
    try:
        stack.start()
        print(f"  devhost       {stack.url}   (log: {options.run_dir / 'devhost.log'})")
        if demo:
            print(f"  emulator      {stack.emulator_url}")
            stack.connect_demo_athlete()
            athlete_id = describe(stack.wait_for_stats())
        else:
            print(f"\nOpen {stack.url}/api/strava/authorize in a browser to connect your Strava account.")
            print(
                "(Strava accepts 127.0.0.1 and localhost callbacks whatever your app's Callback Domain is.)"
            )
        athlete = str(athlete_id) if demo else "<athleteId>"
        print(f"  example site  {stack.site_url}   (the SVG card and the widget)")
        print(f"\nTry:\n  curl {stack.url}/api/stats")
        print(f"  curl {stack.url}/api/athletes/{athlete}/status")
        print(f"  curl -X POST {stack.url}/api/athletes/{athlete}/snapshot\n", flush=True)
        if check:
            return 0
        print("Ctrl-C stops everything.\n", flush=True)
        return follow(stack, options.run_dir / "devhost.log")
    except KeyboardInterrupt:
        return 0
    finally:
        stack.stop()


if __name__ == "__main__":
    sys.exit(main())
