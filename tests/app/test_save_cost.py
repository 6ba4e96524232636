"""A save costs what changed: on a 5,000-activity history in Azurite, the save after a webhook reads at
most 50 entities and writes the snapshot and its diagnostics; the document equals the one computed from
the whole partition. Counts, not timings (``bench.save_cost`` prints the same figures)."""

from __future__ import annotations

from typing import Any

import pytest
from bench.save_cost import environment, measure

import services as services_module
import settings as settings_module
from history.section import history_fields, recent_activities
from timestamps import parse_utc


@pytest.mark.slow(28)
async def test_a_save_after_a_webhook_reads_at_most_50_entities(
    azurite: str, table_prefix: str, monkeypatch: Any
) -> None:
    for name, value in environment(azurite, table_prefix).items():
        monkeypatch.setenv(name, value)
    settings_module.load_settings.cache_clear()
    try:
        after_webhook, unchanged, saved = await measure()
        assert after_webhook.read <= 50 and after_webhook.written == 2  # the snapshot, the diagnostics
        assert unchanged.read <= 50 and unchanged.written == 1  # the diagnostics only
        svc = services_module.services()
        stored = await svc.activities.all(saved["athlete"]["id"])
        state = await svc.sync_states.get(saved["athlete"]["id"])
        fields = history_fields(
            stored,
            complete=state.complete,
            synced_at=state.synced_at or None,
            goals=svc.settings.goals,
            now=parse_utc(saved["generated_at"]),
        )
        assert saved["history"] == fields["history"] and saved["goals"] == fields["goals"]
        assert saved["recent_activities"] == recent_activities(stored, svc.settings.snapshot_activity_count)
    finally:
        await services_module.services().close()
        settings_module.load_settings.cache_clear()
