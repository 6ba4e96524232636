"""Where the app's tables live, read from the same settings the Functions host reads for its own storage.

Either ``AzureWebJobsStorage`` holds a connection string (Azurite locally, or an account key), or the
``AzureWebJobsStorage__*`` settings describe an identity-based connection: ``__tableServiceUri`` (or
``__accountName``, for public Azure) says where, and ``__clientId`` / ``__credential`` say which
identity, as the host reads them. A connection string wins when both are set, as it does for the host.
Setting names are matched case-insensitively, like the host's configuration.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from azure.core.credentials_async import AsyncTokenCredential

HOST_STORAGE = "AzureWebJobsStorage"
_ACCOUNT_NAME = re.compile(r"[a-z0-9]{3,24}")


class StorageConnectionError(ValueError):
    """The storage settings are missing or malformed; the message names the setting, never its value."""


@dataclass(frozen=True)
class ConnectionString:
    """A storage connection string (it may hold an account key, so it never appears in a repr)."""

    value: str = field(repr=False)


@dataclass(frozen=True)
class IdentityConnection:
    """Table endpoint plus the Microsoft Entra credential to reach it with.

    ``credential`` is ``"managed_identity"`` when the settings name a managed identity (``client_id``:
    a user-assigned one; ``None``: the system-assigned one), else ``"default"``: azure-identity's
    DefaultAzureCredential, which is the managed identity on Azure and ``az login`` on a workstation.
    """

    table_endpoint: str
    credential: Literal["managed_identity", "default"]
    client_id: str | None = None


StorageConnection = ConnectionString | IdentityConnection


def storage_connection(env: Mapping[str, str], name: str = HOST_STORAGE) -> StorageConnection:
    """The connection the settings in ``env`` describe (pure: nothing is contacted)."""
    value = _get(env, name)
    if value:
        return ConnectionString(value)
    section = {
        key[len(name) + 2 :].lower(): raw.strip()
        for key, raw in env.items()
        if key.lower().startswith(name.lower() + "__") and raw.strip()
    }
    endpoint = _table_endpoint(name, section)
    if section.get("managedidentityresourceid") and not section.get("clientid"):
        raise StorageConnectionError(
            f"{name}__managedIdentityResourceId is not supported by the app's table client; "
            f"set {name}__clientId to the identity's client id"
        )
    credential = section.get("credential", "").lower()
    if credential not in ("", "managedidentity"):
        raise StorageConnectionError(f"{name}__credential must be managedidentity or unset")
    client_id = section.get("clientid") or None
    if client_id or credential == "managedidentity":
        return IdentityConnection(endpoint, "managed_identity", client_id)
    return IdentityConnection(endpoint, "default")


def open_credential(connection: IdentityConnection) -> AsyncTokenCredential:
    """A new async credential for ``connection``; the caller closes it. azure-identity is imported here
    only, so a connection-string app (and every cold start that does not need it) never loads it."""
    if connection.credential == "managed_identity":
        from azure.identity.aio import ManagedIdentityCredential

        return ManagedIdentityCredential(client_id=connection.client_id)
    from azure.identity.aio import DefaultAzureCredential

    return DefaultAzureCredential()


def _table_endpoint(name: str, section: Mapping[str, str]) -> str:
    uri = section.get("tableserviceuri")
    if uri:
        parts = urlsplit(uri)
        if parts.scheme != "https" or not parts.hostname or parts.query or parts.fragment:
            raise StorageConnectionError(f"{name}__tableServiceUri must be an https URL of a table service")
        return uri.rstrip("/")
    account = section.get("accountname")
    if account:
        if not _ACCOUNT_NAME.fullmatch(account):
            raise StorageConnectionError(f"{name}__accountName must be 3-24 lowercase letters and digits")
        return f"https://{account}.table.core.windows.net"
    raise StorageConnectionError(
        f"{name} is not set: give a connection string, or {name}__tableServiceUri "
        f"(or {name}__accountName) for an identity-based connection"
    )


def _get(env: Mapping[str, str], name: str) -> str:
    for key, value in env.items():
        if key.lower() == name.lower():
            return value.strip()
    return ""
