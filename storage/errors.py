"""The storage error family, and the one place where Azure SDK errors are translated into it.

SDK exceptions carry the HTTP request and response, which may echo an entity (tokens included), so
they are never chained: the mapped error keeps only the status code and the service's error code.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable
from typing import TypeVar

from azure.core.exceptions import (
    AzureError,
    HttpResponseError,
    ResourceExistsError,
    ResourceModifiedError,
    ResourceNotFoundError,
    ServiceRequestError,
    ServiceResponseError,
)

T = TypeVar("T")
_CONFLICT_CODES = frozenset({"UpdateConditionNotSatisfied", "ConditionNotMet"})
_BODY_CODE = re.compile(r'"code"\s*:\s*"([A-Za-z]{1,64})"')  # an OData error body's code, nothing else


class StorageError(Exception):
    """A Table Storage operation failed; the message never contains entity data."""

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


class ConcurrencyConflictError(StorageError):
    """A conditional write lost to another writer (ETag mismatch or row gone); re-read and retry."""


class EntityExistsError(StorageError):
    """An insert found the row already present."""


class EntityNotFoundError(StorageError):
    """The row (or table) does not exist."""


class StorageUnavailableError(StorageError):
    """The storage endpoint could not be reached or did not answer."""


class CorruptEntityError(StorageError):
    """A stored row does not have the shape this code writes."""


def map_azure_error(error: AzureError) -> StorageError:
    """Translate one SDK error into the storage family, keeping only non-secret facts."""
    status = error.status_code if isinstance(error, HttpResponseError) else None
    raw_code = getattr(error, "error_code", None)
    code = str(getattr(raw_code, "value", raw_code)) if raw_code is not None else None
    if code is None and isinstance(error, HttpResponseError):  # some calls leave it in the body only
        found = _BODY_CODE.search(str(error))
        code = found.group(1) if found else None
    where = f"status {status}, code {code}"
    if isinstance(error, ResourceModifiedError) or code in _CONFLICT_CODES:
        return ConcurrencyConflictError(f"conditional write lost ({where})", status=status, code=code)
    if isinstance(error, ResourceExistsError) or code == "EntityAlreadyExists":
        return EntityExistsError(f"entity already exists ({where})", status=status, code=code)
    if isinstance(error, ResourceNotFoundError):
        return EntityNotFoundError(f"entity or table not found ({where})", status=status, code=code)
    if isinstance(error, (ServiceRequestError, ServiceResponseError)):
        return StorageUnavailableError(f"table service unreachable ({type(error).__name__})")
    return StorageError(f"table operation failed ({where})", status=status, code=code)


async def guarded(operation: Awaitable[T]) -> T:
    """Await one SDK call; on failure raise the mapped error with no link to the SDK's exception."""
    try:
        return await operation
    except AzureError as error:
        mapped = map_azure_error(error)
    raise mapped
