"""``/api/strava/subscription`` (function key): view, create and delete the app's Strava push
subscription, with the app's client credentials. Create points Strava at this app's own public
webhook URL and succeeds only once Strava's validation call has reached it."""

from __future__ import annotations

import contextlib
import logging
import math
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

import azure.functions as func

from api import urls
from api.responses import NO_STORE, error_response, json_response, storage_failure_is_503
from services import services
from strava.errors import (
    ClientCredentialsError,
    NotFoundError,
    RateLimitedError,
    StravaError,
    StravaUnavailableError,
)

if TYPE_CHECKING:
    from services import Services
    from storage.webhooks import StoredSubscription
    from strava.push import PushSubscription

log = logging.getLogger(__name__)


@storage_failure_is_503()
async def strava_subscription(req: func.HttpRequest) -> func.HttpResponse:
    svc = services()
    fix = svc.settings.strava_setup_fix
    if fix is not None:
        return error_response(503, "strava_not_configured", fix)
    callback_url = urls.webhook_callback_url(req.url, svc.settings)
    try:
        if req.method == "GET":
            return await view(svc, callback_url)
        if req.method == "POST":
            return await create(svc, callback_url)
        return await delete(svc)
    except ClientCredentialsError:
        return error_response(
            502, "strava_rejected_credentials", "Check STRAVA_CLIENT_ID and STRAVA_CLIENT_SECRET."
        )
    except RateLimitedError as error:
        wait = max(1, math.ceil((error.retry_at - datetime.now(timezone.utc)).total_seconds()))
        return error_response(
            429,
            "strava_rate_limited",
            "The app's Strava rate limit is used up; try again after Retry-After seconds.",
            {"Retry-After": str(wait)},
        )
    except StravaError as error:
        log.warning("push subscription call failed: %s", type(error).__name__)
        status = 503 if isinstance(error, StravaUnavailableError) else 502
        return error_response(status, "strava_failed", "Strava did not complete the request; try again.")


def describe(subscription: PushSubscription | StoredSubscription | None) -> dict[str, Any] | None:
    if subscription is None:
        return None
    return {"id": subscription.id, "callback_url": subscription.callback_url}


async def view(svc: Services, callback_url: str | None) -> func.HttpResponse:
    """Strava's view of the subscription; one pointing at this app is adopted (its events accepted)."""
    found = await svc.strava.list_push_subscriptions()
    current = found[0] if found else None
    if current is not None and current.callback_url == callback_url:
        await _remember(svc, current.id, callback_url)
    elif current is None:
        await svc.webhooks.clear_subscription()
    stored = await svc.webhooks.subscription()
    body = {
        "subscription": describe(current),
        "accepted_subscription_id": stored.id if stored else None,
        "callback_url": callback_url,
        "points_here": current is not None and current.callback_url == callback_url,
    }
    return json_response(body, headers=NO_STORE)


async def create(svc: Services, callback_url: str | None) -> func.HttpResponse:
    verify_token = svc.settings.webhooks.verify_token
    if not verify_token:
        return error_response(
            409, "verify_token_not_set", "Set STRAVA_WEBHOOK_VERIFY_TOKEN (any random string) first."
        )
    if callback_url is None:
        return error_response(
            409,
            "public_url_unknown",
            "Set PUBLIC_BASE_URL to the public https://host this app is reached at; Strava must reach it.",
        )
    try:
        created = await svc.strava.create_push_subscription(callback_url, verify_token)
    except StravaError as error:
        from strava.push import fault_codes

        codes = fault_codes(error)
        if "already exists" in codes:
            return await _existing(svc, callback_url)
        if "not verifiable" in codes:
            return error_response(
                502,
                "callback_not_verifiable",
                f"Strava could not validate {callback_url}: it must be publicly reachable over HTTPS "
                "and this app must answer there within 2 seconds.",
            )
        if error.status == 400:
            return error_response(400, "subscription_refused", f"Strava refused the callback {callback_url}.")
        raise
    await _remember(svc, created.id, callback_url)
    log.info("push subscription %s created for %s", created.id, callback_url)
    return json_response({"subscription": {"id": created.id, "callback_url": callback_url}}, 201, NO_STORE)


async def _existing(svc: Services, callback_url: str) -> func.HttpResponse:
    """Strava keeps one subscription per app: adopt it if it points here, else say what to do."""
    found = await svc.strava.list_push_subscriptions()
    if found and found[0].callback_url == callback_url:
        await _remember(svc, found[0].id, callback_url)
        return json_response({"subscription": describe(found[0])}, 200, NO_STORE)
    return error_response(
        409,
        "subscription_exists",
        "This Strava app already has a subscription pointing elsewhere; DELETE /api/strava/subscription "
        "first.",
    )


async def delete(svc: Services) -> func.HttpResponse:
    found = await svc.strava.list_push_subscriptions()
    if not found:
        await svc.webhooks.clear_subscription()
        return error_response(404, "no_subscription", "This Strava app has no push subscription.")
    with contextlib.suppress(NotFoundError):  # deleted meanwhile
        await svc.strava.delete_push_subscription(found[0].id)
    await svc.webhooks.clear_subscription()
    log.info("push subscription %s deleted", found[0].id)
    return json_response({"deleted": found[0].id}, headers=NO_STORE)


async def _remember(svc: Services, subscription_id: int, callback_url: str | None) -> None:
    from storage.webhooks import StoredSubscription

    stored = await svc.webhooks.subscription()
    if stored is not None and stored.id == subscription_id:
        return
    await svc.webhooks.save_subscription(
        StoredSubscription(subscription_id, callback_url or "", datetime.now(timezone.utc))
    )
