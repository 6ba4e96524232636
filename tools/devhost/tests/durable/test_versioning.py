"""Orchestration versioning as the Durable extension applies it: host.json's defaultVersion on start,
the version kept for life (continue-as-new included) and seen as ``context.version``, and the match and
failure strategies."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from devhost.durable.versioning import Versioning, compare_versions
from devhost.local_settings import SettingsError, durable_versioning

from tests.durable.conftest import Host, start_host
from tests.durable.waiting import wait_done, wait_status


@pytest.mark.parametrize(
    ("left", "right", "order"),
    [
        ("", None, 0),  # empty and none are equal ...
        (None, "1.0", -1),  # ... and older than any version
        ("1.0", "", 1),
        ("1.10", "1.9", 1),  # System.Version, not text
        ("2.0", "2.0.0", -1),  # an undefined part is older than 0
        ("1.0.0.1", "1.0.0.1", 0),
        ("v2", "V2", 0),  # otherwise case-insensitive text
        ("2025-01-02", "2025-01-10", -1),
    ],
)
def test_versions_compare_as_microsoft_documents(left: str | None, right: str | None, order: int) -> None:
    assert compare_versions(left, right) == order
    assert compare_versions(right, left) == -order


def test_match_strategies() -> None:
    current = Versioning("2.0")
    assert current.accepts("1.0") and current.accepts("2.0") and current.accepts(None)
    assert not current.accepts("2.1")
    strict = Versioning("2.0", "Strict")
    assert strict.accepts("2.0") and not strict.accepts("1.0")
    assert Versioning("1.0", "None").accepts("9.0")
    assert Versioning().accepts(None) and not Versioning().accepts("1.0")  # no defaultVersion


def test_host_json_settings(tmp_path: Path) -> None:
    assert durable_versioning(tmp_path) == Versioning()
    (tmp_path / "host.json").write_text(
        json.dumps({"extensions": {"durableTask": {"defaultVersion": "3", "versionMatchStrategy": "strict"}}})
    )
    assert durable_versioning(tmp_path) == Versioning("3", "Strict", "Reject")
    (tmp_path / "host.json").write_text(
        json.dumps({"extensions": {"durableTask": {"versionFailureStrategy": "x"}}})
    )
    with pytest.raises(SettingsError, match="versionFailureStrategy"):
        durable_versioning(tmp_path)


async def host_with(conformance, azurite: str, table_prefix: str, versioning: Versioning) -> Host:
    return await start_host(conformance[0], azurite, table_prefix, versioning=versioning)


@pytest.fixture
async def v2_host(conformance, azurite: str, table_prefix: str) -> AsyncIterator[Host]:
    started = await host_with(conformance, azurite, table_prefix, Versioning("2.0"))
    yield started
    await started.close()


async def test_a_new_instance_gets_the_default_version_and_keeps_it_across_continue_as_new(
    v2_host: Host,
) -> None:
    default = await v2_host.client.start_new("versioned", None, 2)
    named = await v2_host.client.start_new("versioned", None, 1, version="1.5")
    assert (await wait_done(v2_host.client, default)).output == "2.0"
    assert (await wait_done(v2_host.client, named)).output == "1.5"


async def test_an_instance_newer_than_the_worker_is_rejected_or_failed(
    conformance, azurite: str, table_prefix: str
) -> None:
    reject = await host_with(conformance, azurite, table_prefix + "r", Versioning("1.0"))
    try:
        newer = await reject.client.start_new("versioned", None, 0, version="2.0")
        older = await reject.client.start_new("versioned", None, 0, version="0.9")
        assert (await wait_done(reject.client, older)).output == "0.9"  # it ran after the newer was met
        status = await reject.client.get_status(newer)
        assert status.runtime_status.value == "Pending"  # left for a worker of version 2.0
    finally:
        await reject.close()
    fail = await host_with(conformance, azurite, table_prefix + "f", Versioning("1.0", failure="Fail"))
    try:
        newer = await fail.client.start_new("versioned", None, 0, version="2.0")
        failed = await wait_status(fail.client, newer, ("Failed",))
        assert "does not match" in str(failed.output)
    finally:
        await fail.close()
