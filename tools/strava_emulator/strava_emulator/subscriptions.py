"""``/api/v3/push_subscriptions``: create (after the validation call), view and delete the app's one
subscription, authenticated with the app's client id and secret, with Strava's error bodies."""

from __future__ import annotations

import hmac
from collections.abc import Mapping

from aiohttp import web

from strava_emulator import errors
from strava_emulator.render import iso
from strava_emulator.state import STATE, EmulatorState
from strava_emulator.webhooks import OUTBOX, Subscription

routes = web.RouteTableDef()
MAX_CALLBACK_LENGTH = 255
RESOURCE = "PushSubscription"


def _credentials_error(state: EmulatorState, params: Mapping[str, object]) -> web.Response | None:
    if str(params.get("client_id", "")) != state.config.client_id:
        return web.json_response(errors.UNKNOWN_CLIENT, status=400)
    secret = params.get("client_secret")
    if not isinstance(secret, str) or not hmac.compare_digest(secret, state.config.client_secret):
        return web.json_response(errors.WRONG_SECRET, status=401)
    return None


def _invalid(field: str, code: str) -> web.Response:
    return web.json_response(errors.fault("Bad Request", RESOURCE, field, code), status=400)


@routes.post("/api/v3/push_subscriptions")
async def create_subscription(request: web.Request) -> web.Response:
    """One per app; answers only after the callback has echoed Strava's challenge."""
    state = request.app[STATE]
    params = {**request.query, **(await request.post())}
    refusal = _credentials_error(state, params)
    if refusal is not None:
        return refusal
    callback_url, verify_token = str(params.get("callback_url", "")), str(params.get("verify_token", ""))
    if not callback_url:
        return _invalid("callback url", "invalid")
    if len(callback_url) > MAX_CALLBACK_LENGTH:
        return _invalid("callback url", "too long")
    if not verify_token:
        return _invalid("verify token", "invalid")
    if state.subscription is not None:
        return _invalid("", "already exists")
    counters = state.counters.webhooks.counts
    if not await request.app[OUTBOX].validate(callback_url, verify_token):
        counters["validation:failed"] += 1
        return _invalid("callback url", "not verifiable")
    counters["validation:ok"] += 1
    if state.subscription is not None:  # another create won while this one was validating
        return _invalid("", "already exists")
    state.subscription = Subscription(
        state.next_subscription_id, int(state.config.client_id), callback_url, iso(state.now())
    )
    state.next_subscription_id += 1
    return web.json_response(state.subscription.as_json(), status=201)


@routes.get("/api/v3/push_subscriptions")
async def view_subscriptions(request: web.Request) -> web.Response:
    """A list: the subscription, or ``[]``."""
    state = request.app[STATE]
    refusal = _credentials_error(state, request.query)
    if refusal is not None:
        return refusal
    found = [] if state.subscription is None else [state.subscription.as_json()]
    return web.json_response(found)


@routes.delete(r"/api/v3/push_subscriptions/{subscription_id:\d+}")
async def delete_subscription(request: web.Request) -> web.Response:
    """204 and no body; an unknown id is Strava's 404 "Record Not Found"."""
    state = request.app[STATE]
    params = {**request.query, **(await request.post())}
    refusal = _credentials_error(state, params)
    if refusal is not None:
        return refusal
    current = state.subscription
    if current is None or current.id != int(request.match_info["subscription_id"]):
        return web.json_response(errors.fault("Record Not Found", RESOURCE, "id", "invalid"), status=404)
    state.subscription = None
    return web.Response(status=204)
