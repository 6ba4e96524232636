"""`python -m devstack` (what `make run` runs): the whole app on this machine.

Demo mode (no STRAVA_CLIENT_ID / STRAVA_CLIENT_SECRET in the environment or local.settings.json):
Azurite + the Strava emulator + devhost, and the OAuth flow completed by itself, so `/api/stats`
serves a snapshot within a minute. With real credentials: Azurite (persistent) + devhost, talking to
real Strava; it prints the authorize URL to open in a browser. However the run ends (Ctrl-C, SIGTERM,
SIGHUP, the terminal or `make` dying), everything it started stops.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from devhost.local_settings import SettingsError

from devstack.lifetime import AlreadyRunning, Lifetime, RunLock, Stopping
from devstack.stack import Stack, StackError, StackOptions, app_settings, has_real_credentials

DEFAULTS = StackOptions()


def parse_arguments(argv: Sequence[str] | None) -> tuple[StackOptions, bool]:
    parser = argparse.ArgumentParser(
        prog="python -m devstack",
        description=__doc__.split("\n\n")[0] + ' `make run RUN_ARGS="..."` passes these options.',
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument(
        "--port", type=int, default=DEFAULTS.port, help="devhost HTTP port (0 = any free port)"
    )
    parser.add_argument(
        "--azurite-port", type=int, default=DEFAULTS.azurite_port, help="Azurite table port (0 = any)"
    )
    parser.add_argument(
        "--emulator-port",
        type=int,
        default=DEFAULTS.emulator_port,
        help="Strava emulator port, demo mode (0 = any)",
    )
    parser.add_argument(
        "--site-port", type=int, default=DEFAULTS.site_port, help="example site port (0 = any)"
    )
    parser.add_argument(
        "--run-dir", type=Path, default=DEFAULTS.run_dir, help="logs, the run lock and Azurite data"
    )
    parser.add_argument("--app-dir", type=Path, default=DEFAULTS.app_dir, help="the Functions app to run")
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


def say(*lines: str, err: bool = False) -> None:
    """Print, unless the terminal is gone (after SIGHUP writing fails; the run still cleans up)."""
    with contextlib.suppress(OSError):
        print(*lines, sep="\n", file=sys.stderr if err else sys.stdout, flush=True)


def follow(stack: Stack, lifetime: Lifetime) -> int:
    """Print devhost's log as it grows until a stop, the parent's death, or a part of the stack dying."""
    with stack.devhost_log.open(errors="replace") as log:
        while True:
            lifetime.check_parent()
            line = log.readline()
            if line:
                try:
                    print(line, end="", flush=True)
                except OSError:
                    raise Stopping("the terminal is gone") from None
                continue
            failed = stack.failed_process()
            if failed is not None:
                say(f"\n{failed.name} stopped unexpectedly; see {failed.log_path}", err=True)
                return 1
            time.sleep(0.2)  # the log has no more lines yet


def describe(document: dict[str, Any]) -> int:
    """Print a line about the demo snapshot; return its athlete id."""
    athlete, activities = document["athlete"], document["recent_activities"]
    say(
        f"  demo athlete  {athlete['firstname']} {athlete['lastname']} (id {athlete['id']}), "
        f"{len(activities)} recent activities in the snapshot"
    )
    return int(athlete["id"])


def demo_settings_lines(stack: Stack) -> list[str]:
    shown = " ".join(
        f"{name}={value!r}" if " " in value else f"{name}={value}" for name, value in stack.demo_set.items()
    )
    lines = [f"  demo set      {shown}"]
    if stack.kept:
        lines.append(f"  yours kept    {', '.join(stack.kept)} (your environment or local.settings.json)")
    return lines


def run(stack: Stack, check: bool, lifetime: Lifetime) -> int:
    """Start, complete the demo or print how to connect, then follow the log (or stop, with ``check``)."""
    stack.check_ports()
    stack.start()
    stack.check_app()
    demo, url = stack.demo, stack.url
    if check:  # it stops right after: ports, not URLs that will be dead
        parts = [("devhost", url), ("emulator", stack.emulator_url), ("example site", stack.site_url)]
        ports = ", ".join(f"{name} on port {u.rstrip('/').rsplit(':', 1)[1]}" for name, u in parts if u)
        say(f"  started       {ports}")
    else:
        say(f"  devhost       {url}   (log: {stack.devhost_log})")
        if demo:
            say(f"  emulator      {stack.emulator_url}")
    if demo:
        say(*demo_settings_lines(stack))
        stack.connect_demo_athlete()
        athlete = str(describe(stack.wait_for_stats()))
        subscription = stack.create_webhook_subscription()
        where = "validated by the emulator" if check else f"-> {subscription['callback_url']}"
        say(f"  webhooks      subscription {subscription['id']} {where}")
    else:
        athlete = "<athleteId>"
    if not check:
        say(f"  example site  {stack.site_url}   (the SVG card and the widget)")
    if check:
        say("check passed: devhost served the demo snapshot at /api/stats; stopping everything again.")
        return 0
    if not demo:
        say(f"\nOpen {url}/api/strava/authorize in a browser to connect your Strava account.")
        say("(Strava accepts 127.0.0.1 and localhost callbacks whatever your app's Callback Domain is.)")
    say(f"\nTry:\n  curl {url}/api/stats", f"  curl {url}/api/athletes/{athlete}/status")
    say(f"  curl -X POST {url}/api/athletes/{athlete}/snapshot")
    if demo:
        say(
            f"  curl -X POST {stack.emulator_url}/_emulator/athletes/{athlete}/activities "
            """-H 'Content-Type: application/json' -d '{"name": "Webhook demo"}'""",
            "    (a new activity on 'Strava': its webhook event puts it in /api/stats within seconds)",
        )
    say("", "Ctrl-C stops everything.\n")
    return follow(stack, lifetime)


def main(argv: Sequence[str] | None = None) -> int:
    options, check = parse_arguments(argv)
    lifetime = Lifetime()
    lock = RunLock(options.run_dir)
    stack: Stack | None = None
    problem = ""
    try:
        lifetime.watch_signals()
        lock.acquire()
        demo = not has_real_credentials(app_settings(options.app_dir, os.environ))
        stack = Stack(options, demo)
        say("strava-snapshot: " + ("demo mode (Strava emulator)" if demo else "real Strava"))
        return run(stack, check, lifetime)
    except Stopping:
        return 0
    except AlreadyRunning as holder:
        problem = (
            f"another run (pid {holder}) is using {options.run_dir}; stop it first (Ctrl-C in its terminal), "
            "or start this one with --run-dir elsewhere"
        )
        return 1
    except (StackError, SettingsError) as error:
        problem = str(error)
        return 1
    finally:
        if stack is not None:
            lifetime.cleaning_up(stack.kill)
            if stack.processes and not check and not problem:
                say("stopping everything it started (Ctrl-C again to kill at once)")
            stack.stop()
        lock.release()
        if problem:
            say(f"devstack: {problem}", err=True)


if __name__ == "__main__":
    sys.exit(main())
