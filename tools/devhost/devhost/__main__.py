"""``python -m devhost``: run a Python v2-model (Durable) Functions app locally."""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import logging
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

from aiohttp.http_exceptions import HttpProcessingError

from devhost import READY_LINE, logs
from devhost.banner import banner
from devhost.host import DevHost, HostOptions, StartupError
from devhost.local_settings import DEFAULT_TASK_HUB
from devhost.restart import RestartableHost

DESCRIPTION = """\
Run a Python v2-model Azure Functions app (HTTP, timer and Durable Functions) locally.
Values from APP_DIR/local.settings.json are applied to the environment, but never override
variables that are already set. AzureWebJobsStorage is required ("UseDevelopmentStorage=true"
means Azurite on 127.0.0.1:10002). With --require-keys, keys come from DEVHOST_MASTER_KEY and
DEVHOST_FUNCTION_KEY, or are generated and printed once at start."""


def parse_arguments(argv: Sequence[str] | None = None) -> HostOptions:
    parser = argparse.ArgumentParser(prog="python -m devhost", description=DESCRIPTION)
    parser.add_argument(
        "--app-dir", type=Path, default=Path.cwd(), help="folder with function_app.py (default: .)"
    )
    parser.add_argument("--port", type=int, default=7071, help="HTTP port (default: 7071)")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    parser.add_argument(
        "--require-keys", action="store_true", help="enforce function/master keys (Core Tools does not)"
    )
    parser.add_argument(
        "--task-hub",
        help=f"durable task hub name (default: host.json's durableTask.hubName, else {DEFAULT_TASK_HUB})",
    )
    parser.add_argument(
        "--testing",
        action="store_true",
        help="serve POST /_devhost/restart: restart with new app settings (test harnesses; loopback only)",
    )
    args = parser.parse_args(argv)
    if not args.require_keys and not is_loopback(args.host):
        parser.exit(
            2, f"devhost: error: --host {args.host} is reachable from the network: add --require-keys\n"
        )
    if args.testing and not is_loopback(args.host):
        parser.exit(2, f"devhost: error: --testing serves loopback only, not --host {args.host}\n")
    return HostOptions(args.app_dir, args.host, args.port, args.require_keys, args.task_hub, args.testing)


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 or ``localhost``: an address only this machine reaches."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


async def serve(options: HostOptions) -> None:
    """Start the host, announce it, and run until SIGINT or SIGTERM (or a failed ``--testing`` restart)."""
    stopping = asyncio.Event()
    host: DevHost | RestartableHost = (
        RestartableHost(options, on_failure=stopping.set) if options.testing else DevHost(options)
    )
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stopping.set)
    try:
        await host.start()
        shown = host.host if isinstance(host, RestartableHost) else host
        print(
            banner(shown.index, shown.schedules, options.base_url, shown.prefix, shown.keys, shown.task_hub)
        )
        print(f"{READY_LINE}{options.base_url}", flush=True)
        await stopping.wait()
        logging.getLogger("devhost").info("stopping")
    finally:
        await host.stop()
    if isinstance(host, RestartableHost) and host.failure:
        raise StartupError(host.failure)


class MalformedRequestFilter(logging.Filter):
    """aiohttp logs a rejected request with a traceback that quotes the request line, which may carry
    an OAuth ``code`` or ``state``; keep one line that names the error type only."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, HttpProcessingError):
            record.msg, record.args, record.exc_info, record.exc_text = (
                "rejected a malformed request (%s)",
                (type(error).__name__,),
                None,
                None,
            )
        return True


def main(argv: Sequence[str] | None = None) -> int:
    options = parse_arguments(argv)
    logs.configure()
    logging.getLogger("aiohttp.server").addFilter(MalformedRequestFilter())
    try:
        asyncio.run(serve(options))
    except StartupError as error:
        print(f"devhost: error: {error}", file=sys.stderr)
        return 2
    except OSError as error:  # e.g. the port is taken
        print(f"devhost: error: {type(error).__name__}: {error.strerror or error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
