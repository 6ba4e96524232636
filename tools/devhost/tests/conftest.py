"""devhost's tests: Azurite per session, devhost subprocesses per test."""

pytest_plugins = ["loopback.pytest_plugin", "devhost.testing"]
