"""HTTP and timer triggers: thin edges that parse, call the stores or the durable client, and answer."""

from api import athletes, embeds, oauth, stats, watchdog

blueprints = (oauth.bp, stats.bp, embeds.bp, athletes.bp, watchdog.bp)
