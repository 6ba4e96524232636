"""HTTP and timer triggers: thin edges that parse, call the stores or the durable client, and answer."""

from api import athletes, oauth, stats, watchdog

blueprints = (oauth.bp, stats.bp, athletes.bp, watchdog.bp)
