"""Strava's webhook event: its shape checked, and a fingerprint that is the same for every delivery
of one event (pure; events are unsigned hints, never trusted data)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from strava.json_text import scan_brackets

MAX_BODY_BYTES = 16 * 1024
MAX_DEPTH = 4  # Strava's events nest one level (``updates``); deeper JSON is refused before parsing
MAX_UPDATES = 32
MAX_ID_DIGITS = 19
MAX_ID = 2**63 - 1
OBJECT_TYPES = ("activity", "athlete")
ASPECT_TYPES = ("create", "update", "delete")

ObjectType = Literal["activity", "athlete"]
AspectType = Literal["create", "update", "delete"]


class MalformedEventError(ValueError):
    """The body is not a Strava event; the message names the field, never echoes its value."""


@dataclass(frozen=True)
class WebhookEvent:
    object_type: ObjectType
    object_id: int
    aspect_type: AspectType
    owner_id: int  # the athlete
    subscription_id: int
    event_time: int  # epoch seconds
    updates: Mapping[str, str] = field(default_factory=dict)

    @property
    def is_deauthorization(self) -> bool:
        """The athlete revoked this app's access (``updates.authorized`` is the string ``"false"``)."""
        return self.object_type == "athlete" and self.updates.get("authorized") == "false"

    def fingerprint(self) -> str:
        """The same for each delivery (Strava resends the identical event), different across events."""
        canonical = json.dumps(
            [
                self.object_type,
                self.object_id,
                self.aspect_type,
                self.owner_id,
                self.subscription_id,
                self.event_time,
                sorted(self.updates.items()),
            ],
            separators=(",", ":"),
        )
        return hashlib.sha256(canonical.encode()).hexdigest()

    def hint(self) -> dict[str, Any]:
        """What the debouncer is told: which kind of change to which object, without any user text."""
        return {"object_type": self.object_type, "aspect_type": self.aspect_type, "object_id": self.object_id}


def parse_event(body: bytes) -> WebhookEvent:
    """The event in ``body``, or ``MalformedEventError``."""
    if len(body) > MAX_BODY_BYTES:
        raise MalformedEventError(f"the body is larger than {MAX_BODY_BYTES} bytes")
    if nesting_depth(body) > MAX_DEPTH:
        raise MalformedEventError(f"the body nests deeper than {MAX_DEPTH} levels")
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise MalformedEventError("the body is not JSON") from None
    if not isinstance(data, dict):
        raise MalformedEventError("the body is not a JSON object")
    object_type = _choice(data, "object_type", OBJECT_TYPES)
    aspect_type = _choice(data, "aspect_type", ASPECT_TYPES)
    event = WebhookEvent(
        object_type=object_type,  # type: ignore[arg-type]
        object_id=_identifier(data, "object_id"),
        aspect_type=aspect_type,  # type: ignore[arg-type]
        owner_id=_identifier(data, "owner_id"),
        subscription_id=_identifier(data, "subscription_id"),
        event_time=_identifier(data, "event_time", low=0),
        updates=_updates(data.get("updates", {})),
    )
    if event.object_type == "athlete" and event.object_id != event.owner_id:
        raise MalformedEventError("an athlete event's object_id must be its owner_id")
    return event


def _choice(data: Mapping[str, Any], name: str, allowed: tuple[str, ...]) -> str:
    value = data.get(name)
    if value not in allowed:
        raise MalformedEventError(f"{name} must be one of {', '.join(allowed)}")
    return str(value)


def nesting_depth(body: bytes) -> int:
    """How deep arrays and objects nest in ``body`` (JSON text; brackets inside strings do not count).

    Checked before parsing: ``json.loads`` recurses once per level and fails with ``RecursionError``
    at about a thousand."""
    return scan_brackets(body).deepest


def _identifier(data: Mapping[str, Any], name: str, *, low: int = 1) -> int:
    """An integer, or a string of ASCII digits (older subscriptions send ``"subscription_id": "1"``)."""
    value = data.get(name)
    if isinstance(value, str) and 0 < len(value) <= MAX_ID_DIGITS and value.isascii() and value.isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= MAX_ID:
        raise MalformedEventError(
            f"{name} must be an integer (or a string of digits) between {low} and 2**63-1"
        )
    return value


def _updates(value: object) -> dict[str, str]:
    """Strava's ``updates`` hash: string keys; values are strings (``"true"``), tolerated as scalars."""
    if not isinstance(value, dict) or len(value) > MAX_UPDATES:
        raise MalformedEventError(f"updates must be an object of at most {MAX_UPDATES} fields")
    updates: dict[str, str] = {}
    for key, item in value.items():
        if isinstance(item, bool):
            updates[key] = "true" if item else "false"
        elif isinstance(item, str | int | float):
            updates[key] = str(item)
        else:
            raise MalformedEventError("updates values must be strings")
    return updates
