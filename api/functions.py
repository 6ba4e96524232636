"""The HTTP functions as the app registers them: routes, methods, auth levels and bindings only.

Each one calls the handler of the same name in the module that holds it, imported on its first
request in a process, so indexing the app compiles none of them (cold start, docs/architecture.md).
"""

from __future__ import annotations

import azure.durable_functions as df
import azure.functions as func

bp = df.Blueprint()
READS = ["GET", "HEAD", "OPTIONS"]  # the public reads (OPTIONS: their CORS preflight)


@bp.route(route="strava/authorize", methods=["GET"], auth_level=func.AuthLevel.FUNCTION)
async def strava_authorize(req: func.HttpRequest) -> func.HttpResponse:
    from api import oauth

    return await oauth.strava_authorize(req)


@bp.route(route="strava/callback", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
@bp.durable_client_input(client_name="client")
async def strava_callback(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    from api import oauth

    return await oauth.strava_callback(req, client)


@bp.route(route="athletes/{athleteId}/stats", methods=READS, auth_level=func.AuthLevel.ANONYMOUS)
async def athlete_stats(req: func.HttpRequest) -> func.HttpResponse:
    from api import stats

    return await stats.athlete_stats(req)


@bp.route(route="stats", methods=READS, auth_level=func.AuthLevel.ANONYMOUS)
async def default_stats(req: func.HttpRequest) -> func.HttpResponse:
    from api import stats

    return await stats.default_stats(req)


@bp.route(route="card.svg", methods=READS, auth_level=func.AuthLevel.ANONYMOUS)
async def default_card(req: func.HttpRequest) -> func.HttpResponse:
    from api import embeds

    return await embeds.default_card(req)


@bp.route(route="athletes/{athleteId}/card.svg", methods=READS, auth_level=func.AuthLevel.ANONYMOUS)
async def athlete_card(req: func.HttpRequest) -> func.HttpResponse:
    from api import embeds

    return await embeds.athlete_card(req)


@bp.route(route="routes.svg", methods=READS, auth_level=func.AuthLevel.ANONYMOUS)
async def default_routes(req: func.HttpRequest) -> func.HttpResponse:
    from api import embeds

    return await embeds.default_routes(req)


@bp.route(route="athletes/{athleteId}/routes.svg", methods=READS, auth_level=func.AuthLevel.ANONYMOUS)
async def athlete_routes(req: func.HttpRequest) -> func.HttpResponse:
    from api import embeds

    return await embeds.athlete_routes(req)


@bp.route(route="widget.json", methods=READS, auth_level=func.AuthLevel.ANONYMOUS)
async def default_widget_document(req: func.HttpRequest) -> func.HttpResponse:
    from api import embeds

    return await embeds.default_widget_document(req)


@bp.route(route="athletes/{athleteId}/widget.json", methods=READS, auth_level=func.AuthLevel.ANONYMOUS)
async def athlete_widget_document(req: func.HttpRequest) -> func.HttpResponse:
    from api import embeds

    return await embeds.athlete_widget_document(req)


@bp.route(route="widget.js", methods=READS, auth_level=func.AuthLevel.ANONYMOUS)
async def widget(req: func.HttpRequest) -> func.HttpResponse:
    from api import embeds

    return await embeds.widget(req)


@bp.route(route="athletes/{athleteId}/snapshot", methods=["GET", "POST"], auth_level=func.AuthLevel.FUNCTION)
@bp.durable_client_input(client_name="client")
async def athlete_snapshot(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    from api import athletes

    return await athletes.athlete_snapshot(req, client)


@bp.route(route="athletes/{athleteId}/status", methods=["GET"], auth_level=func.AuthLevel.FUNCTION)
@bp.durable_client_input(client_name="client")
async def athlete_status(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    from api import athletes

    return await athletes.athlete_status(req, client)


@bp.route(route="openapi.json", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
def openapi(req: func.HttpRequest) -> func.HttpResponse:
    from api import openapi as documents

    return documents.openapi(req)


@bp.route(route="snapshot.schema.json", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
def snapshot_schema(req: func.HttpRequest) -> func.HttpResponse:
    from api import openapi as documents

    return documents.snapshot_schema(req)


@bp.route(route="strava/webhook", methods=["GET", "POST"], auth_level=func.AuthLevel.ANONYMOUS)
@bp.durable_client_input(client_name="client")
async def strava_webhook(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    from api import webhook

    return await webhook.strava_webhook(req, client)


@bp.route(route="strava/subscription", methods=["GET", "POST", "DELETE"], auth_level=func.AuthLevel.FUNCTION)
async def strava_subscription(req: func.HttpRequest) -> func.HttpResponse:
    from api import subscription

    return await subscription.strava_subscription(req)
