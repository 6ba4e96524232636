"""Loopback TCP ports: a free one, whether one is free, and whether the process listening on one is ours.

Ownership is read from ``/proc`` (Linux); elsewhere :func:`listened_by` cannot tell and says yes.
"""

from __future__ import annotations

import contextlib
import os
import random
import socket
from collections.abc import Iterable
from pathlib import Path

LOOPBACK = "127.0.0.1"
PROC = Path("/proc")
TCP_LISTEN = "0A"
_RANDOM = random.SystemRandom()  # never a seeded sequence that another process could share
LOWEST_PORT = 20000  # above the defaults of the servers run here (Azurite 10000-10002, devhost 7071, ...)
EPHEMERAL_RANGE = PROC / "sys" / "net" / "ipv4" / "ip_local_port_range"


def free_port() -> int:
    """A TCP port on loopback that nothing uses right now, below the kernel's ephemeral range.

    A port the kernel hands out for ``bind(0)`` comes from the range it also gives outgoing connections
    their local ports from: on a busy machine a client's connection could take it before the server that
    asked for it binds. Below that range only a server asking for that very port can.
    """
    below = ephemeral_ports().start
    if below - LOWEST_PORT >= 1000:
        for _ in range(100):
            port = _RANDOM.randrange(LOWEST_PORT, below)
            if port_is_free(port):
                return port
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def ephemeral_ports() -> range:
    """The local ports the kernel gives outgoing connections (Linux's default where it cannot be read)."""
    try:
        low, high = (int(part) for part in EPHEMERAL_RANGE.read_text().split())
    except (OSError, ValueError):
        return range(32768, 61000)
    return range(low, high + 1)


def port_is_free(port: int) -> bool:
    """Whether a server could bind ``port`` on loopback now (nothing listens there; as servers do,
    ``SO_REUSEADDR`` ignores connections of an earlier server that are still closing)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((LOOPBACK, port))
        except OSError:
            return False
    return True


def listened_by(pids: Iterable[int], port: int) -> bool:
    """Whether one of ``pids`` holds the socket listening on TCP ``port`` (any address)."""
    if not (PROC / "net" / "tcp").exists():
        return True  # no /proc: cannot tell
    listening = _listening_inodes(port)
    return any(inode in listening for pid in pids for inode in _socket_inodes(pid))


def running(pid: int) -> bool:
    """Whether ``pid`` is a live process (a zombie waiting to be reaped is not), from ``/proc``."""
    fields = _stat_fields(PROC / str(pid) / "stat")
    return fields is not None and fields[0] != "Z"


def group_members(pgid: int) -> list[int]:
    """The running (non-zombie) processes of process group ``pgid``, from ``/proc``."""
    members = []
    for stat in PROC.glob("[0-9]*/stat"):
        fields = _stat_fields(stat)
        if fields is not None and fields[0] != "Z" and int(fields[2]) == pgid:
            members.append(int(stat.parent.name))
    return members


def _stat_fields(stat: Path) -> list[str] | None:
    """The fields of a ``/proc/PID/stat`` after the command name; None if the process is gone."""
    try:
        return stat.read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def _listening_inodes(port: int) -> set[str]:
    inodes = set()
    for table in ("tcp", "tcp6"):
        with contextlib.suppress(OSError):
            for line in (PROC / "net" / table).read_text().splitlines()[1:]:
                fields = line.split()
                local_port = int(fields[1].rsplit(":", 1)[1], 16)
                if local_port == port and fields[3] == TCP_LISTEN:
                    inodes.add(fields[9])
    return inodes


def _socket_inodes(pid: int) -> set[str]:
    inodes = set()
    with contextlib.suppress(OSError):
        for fd in os.scandir(PROC / str(pid) / "fd"):
            with contextlib.suppress(OSError):
                target = os.readlink(fd.path)
                if target.startswith("socket:["):
                    inodes.add(target[len("socket:[") : -1])
    return inodes
