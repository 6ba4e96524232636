"""App settings as Core Tools reads them: local.settings.json, host.json and the storage connection."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, MutableMapping
from pathlib import Path
from typing import Any

from devhost.durable.versioning import Versioning

DEVELOPMENT_STORAGE = "UseDevelopmentStorage=true"
# Azurite's well-known development account and default table port (public, documented by Microsoft).
AZURITE_DEVELOPMENT_TABLES = (
    "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;"
    "AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;"
    "TableEndpoint=http://127.0.0.1:10002/devstoreaccount1;"
)


class SettingsError(Exception):
    """A setting or settings file the host cannot start with."""


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, ValueError) as error:
        raise SettingsError(f"cannot read {path.name}: {type(error).__name__}") from None
    if not isinstance(data, dict):
        raise SettingsError(f"{path.name} must hold a JSON object")
    return data


def apply_local_settings(app_dir: Path, environ: MutableMapping[str, str]) -> list[str]:
    """Copy ``Values`` of ``app_dir/local.settings.json`` into ``environ``, never overriding a set variable.

    Returns the names that were applied (values are not returned: they may be secrets).
    """
    path = app_dir / "local.settings.json"
    if not path.exists():
        return []
    values = _read_json(path).get("Values") or {}
    if not isinstance(values, dict):
        raise SettingsError("local.settings.json: Values must be an object")
    applied = []
    for name, value in values.items():
        if name not in environ and value is not None:
            environ[str(name)] = value if isinstance(value, str) else json.dumps(value)
            applied.append(str(name))
    return applied


def route_prefix(app_dir: Path) -> str:
    """``extensions.http.routePrefix`` from ``app_dir/host.json`` (default "api"), without slashes."""
    path = app_dir / "host.json"
    if not path.exists():
        return "api"
    http = (_read_json(path).get("extensions") or {}).get("http") or {}
    prefix = http.get("routePrefix", "api") if isinstance(http, dict) else "api"
    return str(prefix).strip("/")


OVERRIDABLE_STATES = {"nonrunningstates": False, "anystate": True}


def replaces_running_instances(app_dir: Path) -> bool:
    """host.json ``extensions.durableTask.overridableExistingInstanceStates``: ``AnyState`` (True)
    lets a start replace a live instance; ``NonRunningStates``, the extension's default, refuses it."""
    path = app_dir / "host.json"
    if not path.exists():
        return False
    durable = (_read_json(path).get("extensions") or {}).get("durableTask") or {}
    if not isinstance(durable, dict):
        raise SettingsError("host.json: extensions.durableTask must be an object")
    value = durable.get("overridableExistingInstanceStates", "NonRunningStates")
    replaces = OVERRIDABLE_STATES.get(str(value).lower())
    if replaces is None:
        raise SettingsError(
            "host.json: extensions.durableTask.overridableExistingInstanceStates must be "
            f"NonRunningStates or AnyState, not {value!r}"
        )
    return replaces


def durable_versioning(app_dir: Path) -> Versioning:
    """host.json ``extensions.durableTask`` ``defaultVersion``, ``versionMatchStrategy`` and
    ``versionFailureStrategy`` (devhost.durable.versioning)."""
    path = app_dir / "host.json"
    durable = ((_read_json(path).get("extensions") or {}).get("durableTask") or {}) if path.exists() else {}
    if not isinstance(durable, dict):
        raise SettingsError("host.json: extensions.durableTask must be an object")
    default = durable.get("defaultVersion")
    match = str(durable.get("versionMatchStrategy", "CurrentOrOlder"))
    failure = str(durable.get("versionFailureStrategy", "Reject"))
    matches = {m.lower(): m for m in ("None", "Strict", "CurrentOrOlder")}
    failures = {f.lower(): f for f in ("Reject", "Fail")}
    if match.lower() not in matches:
        raise SettingsError(
            f"host.json: versionMatchStrategy must be None, Strict or CurrentOrOlder, not {match!r}"
        )
    if failure.lower() not in failures:
        raise SettingsError(f"host.json: versionFailureStrategy must be Reject or Fail, not {failure!r}")
    return Versioning(
        None if default is None else str(default),
        matches[match.lower()],  # type: ignore[arg-type]
        failures[failure.lower()],  # type: ignore[arg-type]
    )


DEFAULT_TASK_HUB = "TestHubName"  # the Durable extension's own default (Core Tools, no hubName)
TASK_HUB_NAME = re.compile(r"[A-Za-z][A-Za-z0-9]{2,44}")  # Azure Storage task hub names


def task_hub_name(app_dir: Path, environ: Mapping[str, str]) -> str:
    """host.json ``extensions.durableTask.hubName`` (``%SETTING%`` names an app setting), else the
    extension's default."""
    path = app_dir / "host.json"
    durable = ((_read_json(path).get("extensions") or {}).get("durableTask") or {}) if path.exists() else {}
    if not isinstance(durable, dict):
        raise SettingsError("host.json: extensions.durableTask must be an object")
    name = str(durable.get("hubName") or DEFAULT_TASK_HUB)
    if setting := re.fullmatch(r"%(\w+)%", name):
        name = environ.get(setting[1], "")
    if not TASK_HUB_NAME.fullmatch(name):
        raise SettingsError(
            "host.json: extensions.durableTask.hubName must be 3-45 letters and digits, starting with "
            f"a letter, not {name!r}"
        )
    return name


def storage_connection_string(environ: MutableMapping[str, str]) -> str:
    """``AzureWebJobsStorage``; the development shorthand maps to Azurite's default table port."""
    value = environ.get("AzureWebJobsStorage", "").strip()
    if not value:
        raise SettingsError("AzureWebJobsStorage is not set (environment or local.settings.json Values)")
    if value.rstrip(";").lower() == DEVELOPMENT_STORAGE.lower():
        return AZURITE_DEVELOPMENT_TABLES
    return value
