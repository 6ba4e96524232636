"""A local stand-in for the Strava API v3 and its OAuth endpoints (a dev tool, no app imports).

Run it with ``python -m strava_emulator --port PORT``; see ``--help`` for modes and faults.
"""

from strava_emulator.app import build_app
from strava_emulator.config import EmulatorConfig

__all__ = ["EmulatorConfig", "build_app"]
