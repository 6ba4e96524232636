"""Timer triggers: the scheduled snapshot job and lifecycle watchdog (``SNAPSHOT_SCHEDULE``), registered in
``scheduled/functions.py``."""

from scheduled import functions

blueprints = (functions.bp,)
