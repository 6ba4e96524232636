"""Activities: the only durable functions that do I/O. Each reads tokens from the store by athlete id,
does one job, and returns small JSON-safe results (never a token).
Registered in ``activities/functions.py``."""

from activities import functions

blueprints = (functions.bp,)
