"""Shared fixtures: every server a test needs is started here, on loopback, and stopped after."""

pytest_plugins = [
    "tests.fixtures.azurite",
    "tests.fixtures.strava_emulator",
    "tests.fixtures.devhost",
]
