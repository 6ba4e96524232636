"""Push subscriptions (Strava webhooks): the app's one subscription, managed with its credentials."""

from __future__ import annotations

from dataclasses import dataclass

from strava.errors import StravaError
from strava.json_fields import JsonObject


@dataclass(frozen=True)
class PushSubscription:
    """Strava's subscription record (the create answer may be only ``{"id": …}``)."""

    id: int
    callback_url: str | None

    @classmethod
    def from_json(cls, data: object) -> PushSubscription:
        obj = JsonObject(data, "PushSubscription")
        callback = obj.get("callback_url")
        return cls(id=obj.identifier("id"), callback_url=callback if isinstance(callback, str) else None)


def fault_codes(error: StravaError) -> frozenset[str]:
    """The ``code`` of each detail of Strava's answer, e.g. ``already exists`` or ``not verifiable``."""
    return frozenset(detail.code for detail in error.errors)
