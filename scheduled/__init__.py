"""Timer triggers: the scheduled snapshot job and lifecycle watchdog (``SNAPSHOT_SCHEDULE``)."""

from scheduled import watchdog

blueprints = (watchdog.bp,)
