"""HTTP triggers: thin edges that parse, call the stores or the durable client, and answer."""

from api import athletes, embeds, oauth, openapi, stats, subscription, webhook

blueprints = (oauth.bp, stats.bp, embeds.bp, athletes.bp, openapi.bp, webhook.bp, subscription.bp)
