"""Orchestration versioning as the Durable extension applies it (host.json ``durableTask``:
``defaultVersion``, ``versionMatchStrategy``, ``versionFailureStrategy``; pure).

A new instance gets ``defaultVersion`` unless its start names one, and keeps it for life (also across
``continue_as_new``); the orchestrator reads it as ``context.version`` (the ``ExecutionStarted`` event's
``Version``). A worker runs an instance only if its version matches: ``None`` any, ``Strict`` equal to
``defaultVersion``, ``CurrentOrOlder`` (the default) not newer. Otherwise ``Reject`` (the default)
leaves the instance as it is for a compatible worker, ``Fail`` fails it.

Versions compare as Microsoft documents: empty (or none) equals empty and is older than any version;
two versions that both parse as ``System.Version`` (2 to 4 dot-separated numbers) compare as such;
otherwise case-insensitively as text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Match = Literal["None", "Strict", "CurrentOrOlder"]
Failure = Literal["Reject", "Fail"]
_SYSTEM_VERSION = re.compile(r"\d+(\.\d+){1,3}")


def compare_versions(left: str | None, right: str | None) -> int:
    """-1, 0 or 1 as ``left`` is older than, equal to or newer than ``right``."""
    left, right = left or "", right or ""
    if not left or not right:
        return (left != "") - (right != "")
    if _SYSTEM_VERSION.fullmatch(left) and _SYSTEM_VERSION.fullmatch(right):
        a = [int(part) for part in left.split(".")]
        b = [int(part) for part in right.split(".")]
        a += [-1] * (len(b) - len(a))  # System.Version: an undefined part is older than 0
        b += [-1] * (len(a) - len(b))
        return (a > b) - (a < b)
    a_text, b_text = left.lower(), right.lower()
    return (a_text > b_text) - (a_text < b_text)


@dataclass(frozen=True)
class Versioning:
    default_version: str | None = None
    match: Match = "CurrentOrOlder"
    failure: Failure = "Reject"

    def version_for_new(self, requested: str | None) -> str | None:
        return requested if requested is not None else self.default_version

    def accepts(self, version: str | None) -> bool:
        """Whether this worker may run an instance of ``version``."""
        if self.match == "None":
            return True
        order = compare_versions(version, self.default_version)
        return order == 0 if self.match == "Strict" else order <= 0
