"""How a run ends: Ctrl-C, SIGTERM, SIGHUP (the terminal closed), a second signal while cleaning up, or
the processes that started it dying; and one run at a time per run directory."""

from __future__ import annotations

import fcntl
import os
import signal
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import IO

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class Stopping(Exception):
    """A signal, or the death of the process that started the run, asks the run to end."""


class AlreadyRunning(Exception):
    """Another run holds the run directory's lock."""


class RunLock:
    """``RUN_DIR/devstack.lock``, held for the run's life; the kernel drops it however the run ends."""

    def __init__(self, run_dir: Path) -> None:
        self.path = run_dir / "devstack.lock"
        self._file: IO[str] | None = None

    def acquire(self) -> None:
        """Take the lock or raise :class:`AlreadyRunning` naming the holder's pid; never truncates first."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            handle.close()
            raise AlreadyRunning(holder) from None
        handle.truncate(0)
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self._file = handle

    def release(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


def _start_time(pid: int) -> str | None:
    """A process's start time (clock ticks since boot), which tells a live pid from a reused one."""
    try:
        return (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def _parent_of(pid: int) -> int:
    try:
        return int((Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return 0


class Lifetime:
    """Turns stop signals into :class:`Stopping` and watches the processes that started this one.

    The parent (``make``, or the shell) and its ancestors up to, not including, pid 1 are watched; if one
    dies, even by SIGKILL, the run ends as after Ctrl-C. Under ``nohup`` (SIGHUP ignored) the run is
    meant to outlive its terminal: nothing is watched and SIGHUP stays ignored.
    """

    def __init__(self) -> None:
        self.nohup = signal.getsignal(signal.SIGHUP) is signal.SIG_IGN
        self.parent = os.getppid()
        self.ancestors = {} if self.nohup else self._ancestors()
        self.stopping = False  # a stop signal has raised Stopping already

    def _ancestors(self) -> dict[int, str | None]:
        chain, pid = {}, self.parent
        while pid > 1 and pid not in chain:
            chain[pid] = _start_time(pid)
            pid = _parent_of(pid)
        return chain

    def watch_signals(self) -> None:
        """From now on the first stop signal raises :class:`Stopping` in the main thread."""
        for signum in self._signals():
            signal.signal(signum, self._stop)

    def cleaning_up(self, hurry: Callable[[], None]) -> None:
        """While cleaning up, a further stop signal calls ``hurry`` (kill at once) instead of raising."""

        def again(signum: int, frame: FrameType | None) -> None:
            hurry()

        for signum in self._signals():
            signal.signal(signum, again)

    def check_parent(self) -> None:
        """Raise :class:`Stopping` if the process that started the run, or one of its ancestors, died."""
        if self.nohup:
            return
        if os.getppid() != self.parent:
            raise Stopping("the process that started the run ended")
        for pid, started in self.ancestors.items():
            if started is not None and _start_time(pid) != started:
                raise Stopping(f"process {pid}, which started the run, ended")

    def _signals(self) -> tuple[signal.Signals, ...]:
        return tuple(s for s in STOP_SIGNALS if not (self.nohup and s is signal.SIGHUP))

    def _stop(self, signum: int, frame: FrameType | None) -> None:
        """The first stop signal raises; one that comes before :meth:`cleaning_up` takes over (a whole
        process group signalled at once) must not raise again inside the clean-up."""
        if self.stopping:
            return
        self.stopping = True
        raise Stopping(signal.Signals(signum).name)
