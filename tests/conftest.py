"""Shared fixtures: every server a test needs is started here, on loopback, and stopped after."""

import pytest

pytest_plugins = [
    "loopback.pytest_plugin",
    "strava_emulator.testing",
    "devhost.testing",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """End-to-end tests take longest: hand them out first, so parallel workers finish together."""
    items.sort(key=lambda item: item.get_closest_marker("e2e") is None)
