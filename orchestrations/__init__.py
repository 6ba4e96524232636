"""Orchestrations: deterministic, no I/O; time from ``context.current_utc_datetime``. The client-side
starters that start and wake them are ``starters.py``, at the top level. Registered in
``orchestrations/functions.py``."""

from orchestrations import functions

blueprints = (functions.bp,)
