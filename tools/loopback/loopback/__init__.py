"""loopback: servers on 127.0.0.1 for development and tests — free ports, child processes in their own
process group that stop cleanly, and Azurite's table service.

Shared by devstack (``make run``), the app's tests and the tools' test fixtures. Knows nothing of the
app, devhost or the Strava emulator.
"""
