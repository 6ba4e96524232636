"""The public read path's in-process cache: what ``/api/stats`` needs, without a storage read per view.

A public read needs the default athlete, the athlete's consent and token status, and the snapshot's
bytes and ETag. :class:`PublicReadCache` keeps them per process and checks storage again at most every
``STATS_CACHE_REVALIDATE_SECONDS``: a warm hit touches no storage, and the first read after the interval
revalidates for everyone waiting (one storage round at a time per key; an unchanged snapshot costs its
metadata only). A write in this process takes effect at once: a saved snapshot replaces the copy held
(:func:`publish_saved_snapshot`, so an outage right after a save still has the new copy to serve), any
other write (consent, status, deletion) forgets it (:func:`invalidate_public_reads`); other instances
converge within the interval. If storage fails while revalidating, the last good
answer is served for another interval (and the failure logged): a stale answer beats an error on a
personal site. Nobody waits on slow storage for long: while a revalidation is under way the last good
answer is served at once, and a read waits at most ``READ_DEADLINE_S`` for storage, then gets the last
good answer (``COLD_READ_DEADLINE_S`` when there is none, then :class:`StorageUnavailableError`); the
read goes on in the background and fills the cache.
"""

from __future__ import annotations

import asyncio
import gzip
import logging
import time
import weakref
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any, Generic, Protocol, TypeVar

import brotli

from storage import SnapshotInfo, StorageError, StoredSnapshot, TokenRecord, TokenStatus
from storage.errors import StorageUnavailableError

log = logging.getLogger(__name__)

MAX_ENTRIES = 256  # athletes (and unknown ids) remembered; the oldest without a snapshot is forgotten first
DEFAULT_KEY = "default"
READ_DEADLINE_S = 0.4  # per storage round with a last good answer to fall back on (two rounds: < 1 s)
COLD_READ_DEADLINE_S = 0.9  # per storage round with nothing to fall back on: then 503 + Retry-After
T = TypeVar("T")


class TokenReader(Protocol):
    async def get(self, athlete_id: int) -> TokenRecord | None: ...
    async def list_athletes(self) -> list[TokenRecord]: ...


class SnapshotReader(Protocol):
    async def head(self, athlete_id: int) -> SnapshotInfo | None: ...
    async def load(self, athlete_id: int) -> StoredSnapshot | None: ...


class Publication(str, Enum):
    """Whether an athlete's snapshot may be served publicly, and if not, why."""

    PUBLISHED = "published"
    UNKNOWN_ATHLETE = "unknown_athlete"
    NOT_PUBLISHED = "not_published"
    NOT_CONNECTED = "not_connected"
    DEAUTHORIZED = "deauthorized"  # revoked on Strava: the data is deleted
    NO_SNAPSHOT = "no_snapshot_yet"


@dataclass(frozen=True)
class CachedSnapshot:
    """One stored snapshot ready to send: its bytes in each content coding, its validators."""

    etag: str  # the store's strong ETag of ``body``
    generation: int
    generated_at: datetime
    body: bytes = field(repr=False)
    encoded: dict[str, bytes] = field(repr=False)  # content coding ("gzip", "br") -> bytes

    @classmethod
    def encode(cls, stored: StoredSnapshot) -> CachedSnapshot:
        """Compress once per generation (gzip level 9 without a timestamp, brotli at its best)."""
        body = stored.body
        encoded = {"gzip": gzip.compress(body, compresslevel=9, mtime=0), "br": brotli.compress(body)}
        return cls(stored.etag, stored.generation, stored.generated_at, body, encoded)


@dataclass(frozen=True)
class PublicView:
    """What a public read of one athlete answers; ``snapshot`` is set only when ``PUBLISHED``."""

    athlete_id: int
    publication: Publication
    snapshot: CachedSnapshot | None = None


@dataclass(frozen=True)
class _Entry(Generic[T]):
    value: T
    checked_at: float  # the clock when the storage read behind it started


def default_athlete(records: list[TokenRecord]) -> int | None:
    """The only athlete ever connected, else the only active one; ``None`` if that is ambiguous."""
    if len(records) == 1:
        return records[0].athlete_id
    active = [r.athlete_id for r in records if r.status is TokenStatus.ACTIVE]
    return active[0] if len(active) == 1 else None


class PublicReadCache:
    """Per process (per event loop): the default athlete and each athlete's :class:`PublicView`."""

    def __init__(
        self,
        tokens: TokenReader,
        snapshots: SnapshotReader,
        revalidate_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._tokens = tokens
        self._snapshots = snapshots
        self._interval = revalidate_seconds
        self._clock = clock
        self._entries: OrderedDict[object, _Entry[Any]] = OrderedDict()
        self._pending: dict[object, asyncio.Task[Any]] = {}
        self._epochs: dict[object, int] = {}
        _caches.add(self)

    async def default_athlete(self) -> int | None:
        """The athlete of ``/api/stats`` when DEFAULT_ATHLETE_ID is not set."""
        return await self._cached(DEFAULT_KEY, self._load_default)

    async def view(self, athlete_id: int) -> PublicView:
        async def load(previous: PublicView | None) -> PublicView:
            return await self._load_view(athlete_id, previous)

        return await self._cached(athlete_id, load)

    def invalidate(self, athlete_id: int) -> None:
        """Forget ``athlete_id`` and the default athlete; a read already under way is not reused."""
        self.invalidate_snapshot(athlete_id)
        self._epochs[DEFAULT_KEY] = self._epochs.get(DEFAULT_KEY, 0) + 1
        self._entries.pop(DEFAULT_KEY, None)
        self._pending.pop(DEFAULT_KEY, None)

    async def replace_snapshot(self, stored: StoredSnapshot) -> None:
        """A snapshot this process just saved: a published copy held for its athlete becomes it, so it
        is served at once and stays the fallback if storage fails next. Otherwise (nothing published
        held, an older save, or the entry changed while encoding) the athlete is forgotten, as by
        :meth:`invalidate_snapshot`."""
        athlete_id = stored.athlete_id
        entry = self._entries.get(athlete_id)
        held = entry.value.snapshot if entry is not None else None
        if held is not None and held.generation <= stored.generation:
            snapshot = await asyncio.to_thread(CachedSnapshot.encode, stored)
            if self._entries.get(athlete_id) is entry:  # no consent change or newer read meanwhile
                self.invalidate_snapshot(athlete_id)
                view = PublicView(athlete_id, Publication.PUBLISHED, snapshot)
                self._entries[athlete_id] = _Entry(view, self._clock())
                return
        self.invalidate_snapshot(athlete_id)

    def invalidate_snapshot(self, athlete_id: int) -> None:
        """Forget ``athlete_id``'s view (not the default athlete); a read already under way is not reused."""
        self._epochs[athlete_id] = self._epochs.get(athlete_id, 0) + 1
        self._entries.pop(athlete_id, None)
        self._pending.pop(athlete_id, None)

    async def _cached(self, key: object, load: Callable[[Any], Awaitable[T]]) -> T:
        entry = self._entries.get(key)
        if entry is not None and self._clock() - entry.checked_at < self._interval:
            self._entries.move_to_end(key)  # recently read: the last to be forgotten
            return entry.value  # type: ignore[no-any-return]
        task = self._pending.get(key)
        if task is not None and entry is not None:
            return entry.value  # type: ignore[no-any-return]  # revalidating already: serve the last answer
        if task is None:
            task = self._pending[key] = asyncio.ensure_future(self._refill(key, entry, load))
            task.add_done_callback(_retrieve)
        try:
            # shielded: neither the deadline nor a caller that goes away cancels the read
            deadline = READ_DEADLINE_S if entry is not None else COLD_READ_DEADLINE_S
            return await asyncio.wait_for(asyncio.shield(task), deadline)
        except asyncio.TimeoutError:
            if entry is not None:
                log.warning("public reads: storage is slow, serving the last answer")
                return entry.value  # type: ignore[no-any-return]
            raise StorageUnavailableError("table storage did not answer in time") from None

    async def _refill(self, key: object, entry: _Entry[T] | None, load: Callable[[Any], Awaitable[T]]) -> T:
        epoch, started = self._epochs.get(key, 0), self._clock()
        try:
            value = await load(None if entry is None else entry.value)
        except StorageError as error:
            if entry is None:
                raise
            log.warning("public reads: storage failed (%s), serving the last answer", type(error).__name__)
            value, started = entry.value, self._clock()
        finally:
            if self._pending.get(key) is asyncio.current_task():
                del self._pending[key]
        if self._epochs.get(key, 0) == epoch:  # not invalidated while reading
            self._entries[key] = _Entry(value, started)
            self._entries.move_to_end(key)
            while len(self._entries) > MAX_ENTRIES:
                del self._entries[self._victim()]
        return value

    def _victim(self) -> object:
        """The entry to forget: the oldest that holds no snapshot (ids any client can make up are cheap to
        read again), else the oldest."""
        for key, entry in self._entries.items():
            if getattr(entry.value, "snapshot", None) is None:
                return key
        return next(iter(self._entries))

    async def _load_default(self, _previous: int | None) -> int | None:
        return default_athlete(await self._tokens.list_athletes())

    async def _load_view(self, athlete_id: int, previous: PublicView | None) -> PublicView:
        record = await self._tokens.get(athlete_id)
        if record is None:
            return PublicView(athlete_id, Publication.UNKNOWN_ATHLETE)
        if record.status is TokenStatus.DEAUTHORIZED:
            return PublicView(athlete_id, Publication.DEAUTHORIZED)
        if not record.publish_consent:
            return PublicView(athlete_id, Publication.NOT_PUBLISHED)
        if record.status is not TokenStatus.ACTIVE:
            return PublicView(athlete_id, Publication.NOT_CONNECTED)
        known = previous.snapshot if previous is not None else None
        if known is not None:
            info = await self._snapshots.head(athlete_id)
            if info is not None and info.etag == known.etag:
                return PublicView(athlete_id, Publication.PUBLISHED, known)
        stored = await self._snapshots.load(athlete_id)
        if stored is None:
            return PublicView(athlete_id, Publication.NO_SNAPSHOT)
        snapshot = await asyncio.to_thread(CachedSnapshot.encode, stored)
        return PublicView(athlete_id, Publication.PUBLISHED, snapshot)


def _retrieve(task: asyncio.Task[Any]) -> None:
    """Consume a background read's failure (a caller that stopped waiting re-raised it already)."""
    if not task.cancelled():
        task.exception()


_caches: weakref.WeakSet[PublicReadCache] = weakref.WeakSet()


async def publish_saved_snapshot(stored: StoredSnapshot) -> None:
    """Call after saving a snapshot: every cache of this process holds it at once (see
    :meth:`PublicReadCache.replace_snapshot`); other instances see it within the interval."""
    for cache in list(_caches):
        await cache.replace_snapshot(stored)


def invalidate_public_reads(athlete_id: int) -> None:
    """Call after writing what a public read shows other than a saved snapshot: a consent or status
    change, a deauthorization or deletion. Every cache of this process forgets the athlete (and the default
    athlete) at once; other instances see the change within STATS_CACHE_REVALIDATE_SECONDS."""
    for cache in list(_caches):
        cache.invalidate(athlete_id)
