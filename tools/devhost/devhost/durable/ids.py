"""Instance ids: generation and validation (doc section 6; pure)."""

from __future__ import annotations

import uuid

MAX_INSTANCE_ID_LENGTH = 256
_FORBIDDEN = set("/\\#?")


def new_instance_id() -> str:
    """32 lower-case hex characters, as the extension generates."""
    return uuid.uuid4().hex


def instance_id_problem(instance_id: str) -> str | None:
    """Why ``instance_id`` is not acceptable, or None when it is."""
    if not instance_id:
        return "Instance ID must not be empty."
    if len(instance_id) > MAX_INSTANCE_ID_LENGTH:
        return f"Instance ID must not be longer than {MAX_INSTANCE_ID_LENGTH} characters."
    if instance_id.startswith("@"):
        return "Instance ID must not start with '@'."
    if any(c in _FORBIDDEN or ord(c) < 32 or 127 <= ord(c) < 160 for c in instance_id):
        return "Instance ID must not contain '/', '\\\\', '#', '?' or control characters."
    return None
