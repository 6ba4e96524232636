"""HTTP triggers: thin edges that parse, call the stores or the durable client, and answer."""

from api import athletes, embeds, oauth, openapi, stats

blueprints = (oauth.bp, stats.bp, embeds.bp, athletes.bp, openapi.bp)
