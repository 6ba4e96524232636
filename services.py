"""Process-wide clients for the functions: the stores and the Strava client, created once per event loop.

The Functions worker runs async functions on one long-lived event loop, so one aiohttp session and one
Table Storage client serve every invocation of the process (and a new loop, as in tests, gets new ones).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

import aiohttp

if TYPE_CHECKING:
    from read_cache import PublicReadCache
    from settings import Settings
    from storage import (
        ActivityStore,
        DiagnosticsStore,
        OAuthStateStore,
        RateBudgetStore,
        SnapshotStore,
        SyncStateStore,
        TableService,
        TokenStore,
        WebhookStore,
    )
    from strava.client import StravaClient


@dataclass
class Services:
    """What a function needs to do its job; build with :func:`services`."""

    settings: Settings
    tables: TableService
    tokens: TokenStore
    snapshots: SnapshotStore
    states: OAuthStateStore
    diagnostics: DiagnosticsStore
    activities: ActivityStore
    sync_states: SyncStateStore
    budget: RateBudgetStore
    webhooks: WebhookStore
    http: aiohttp.ClientSession
    strava: StravaClient
    public_reads: PublicReadCache

    @classmethod
    def create(cls, settings: Settings) -> Services:
        # the stores and the client load here, on a process's first request, not at indexing
        from read_cache import PublicReadCache
        from storage import (
            ActivityStore,
            DiagnosticsStore,
            OAuthStateStore,
            RateBudgetStore,
            SnapshotStore,
            SyncStateStore,
            TableService,
            TokenStore,
            WebhookStore,
        )
        from storage.retry import INTERACTIVE_POLICY
        from strava.client import StravaClient

        tables = TableService.connect(settings.storage)
        interactive = tables.with_policy(INTERACTIVE_POLICY)
        http = aiohttp.ClientSession()
        names = settings.tables
        tokens = TokenStore(tables, names.tokens)
        snapshots = SnapshotStore(tables, names.snapshots)
        return cls(
            settings=settings,
            tables=tables,
            tokens=tokens,
            snapshots=snapshots,
            states=OAuthStateStore(tables, names.states),
            diagnostics=DiagnosticsStore(tables, names.diagnostics),
            activities=ActivityStore(tables, names.activities),
            sync_states=SyncStateStore(tables, names.history),
            budget=RateBudgetStore(tables, names.budget),
            webhooks=WebhookStore(tables, names.webhooks),
            http=http,
            strava=StravaClient(settings.strava, http),
            # a page view's storage reads give up within a second (a stale copy or 503 is served)
            public_reads=PublicReadCache(
                TokenStore(interactive, names.tokens),
                SnapshotStore(interactive, names.snapshots),
                settings.cache_revalidate,
            ),
        )

    def strava_for_one_call(self) -> StravaClient:
        """A client on the shared session for one invocation, so its ``last_rate_limit`` is only what
        this invocation observed (not another concurrent one's)."""
        from strava.client import StravaClient

        return StravaClient(self.settings.strava, self.http)

    async def close(self) -> None:
        await self.http.close()
        await self.tables.close()


log = logging.getLogger(__name__)

_by_loop: dict[asyncio.AbstractEventLoop, Services] = {}


def services() -> Services:
    """The services of the running event loop, created on first use."""
    loop = asyncio.get_running_loop()
    found = _by_loop.get(loop)
    if found is None:
        from settings import SettingsError, load_settings

        for stale in [other for other in _by_loop if other.is_closed()]:
            del _by_loop[stale]
        try:
            settings = load_settings()
        except SettingsError as error:  # the message names the setting, never its value
            log.error("invalid app settings: %s", error)
            raise
        found = _by_loop[loop] = Services.create(settings)
    return found
