"""Shared fixtures: every server a test needs is started here, on loopback, and stopped after."""

pytest_plugins = [
    "loopback.pytest_plugin",
    "strava_emulator.testing",
    "devhost.testing",
]
