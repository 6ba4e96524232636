"""HTTP triggers: thin edges that parse, call the stores or the durable client, and answer
(registered in ``api/functions.py``)."""

from api import functions

blueprints = (functions.bp,)
