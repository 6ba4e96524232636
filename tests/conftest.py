"""Shared fixtures: every server a test needs is started here, on loopback, and stopped after.

``pytest --no-servers`` (``make test-fast``) runs only the tests that need none of them."""

import pytest

pytest_plugins = [
    "loopback.pytest_plugin",
    "strava_emulator.testing",
    "devhost.testing",
]

# The fixtures that start a server (Azurite, the Strava emulator, devhost) or need one.
SERVER_FIXTURES = frozenset({"azurite", "start_strava_emulator", "start_devhost", "stack", "demo_stack"})


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--no-servers", action="store_true", help="run only the tests that start no server")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Hand out the longest tests first, so parallel workers finish together: those marked
    ``slow(seconds)`` longest first, then the end-to-end ones, then the rest. With ``--no-servers``,
    leave out every test that uses a server fixture (or a browser)."""
    if config.getoption("--no-servers"):
        needs_servers = [item for item in items if SERVER_FIXTURES & set(getattr(item, "fixturenames", ()))]
        if needs_servers:
            config.hook.pytest_deselected(items=needs_servers)
            items[:] = [item for item in items if item not in needs_servers]
    items.sort(key=lambda item: (-expected_seconds(item), item.get_closest_marker("e2e") is None))


def expected_seconds(item: pytest.Item) -> float:
    marker = item.get_closest_marker("slow")
    return float(marker.args[0]) if marker else 0.0
