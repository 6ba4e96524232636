"""Diagnostics are best effort: recording a fact never fails the work it describes (a failed activity
is retried, and a retried fetch or refresh would call Strava again)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from storage import DiagnosticsStore
    from storage.diagnostics import FactValue

log = logging.getLogger(__name__)


async def record_quietly(
    diagnostics: DiagnosticsStore, athlete_id: int, facts: Mapping[str, FactValue | None]
) -> bool:
    """Merge ``facts`` into the athlete's diagnostics; on any error log it and return False."""
    try:
        await diagnostics.record(athlete_id, facts)
    except Exception as error:
        log.warning("athlete %s: diagnostics not recorded (%s)", athlete_id, type(error).__name__)
        return False
    return True
