"""``/api/strava/webhook``, anonymous as Strava calls it: the subscription handshake (GET) and event
delivery (POST). An event is acknowledged at once, with one reply for every well-formed event, and
handed to a durable orchestration. It is only a hint (events are unsigned): nothing is deleted, hidden
or spent on its word; Strava is asked first (docs/webhooks.md).
"""

from __future__ import annotations

import hmac
import logging
from datetime import datetime, timezone

import azure.durable_functions as df
import azure.functions as func

from api.responses import NO_STORE, error_response, json_response
from api.webhook_events import MalformedEventError, WebhookEvent, parse_event
from orchestrations.webhook_debounce import DebounceState, fold
from services import Services, services
from starters import signal_debouncer, start_deauthorization
from storage import TokenStatus

log = logging.getLogger(__name__)
MAX_CHALLENGE_LENGTH = 255


async def strava_webhook(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    svc = services()
    if req.method == "GET":
        return handshake(req, svc.settings.webhooks.verify_token)
    try:
        event = parse_event(req.get_body())
    except MalformedEventError as error:
        return error_response(400, "malformed_event", f"Not a Strava webhook event: {error}.")
    return await receive(svc, client, event)


def handshake(req: func.HttpRequest, verify_token: str) -> func.HttpResponse:
    """Echo ``hub.challenge`` when ``hub.verify_token`` is ours (compared in constant time)."""
    challenge = req.params.get("hub.challenge", "")
    offered = req.params.get("hub.verify_token", "").encode()
    valid = (
        bool(verify_token)
        and req.params.get("hub.mode") == "subscribe"
        and 0 < len(challenge) <= MAX_CHALLENGE_LENGTH
        and hmac.compare_digest(offered, verify_token.encode())
    )
    if not valid:
        return error_response(
            403, "verification_failed", "This is not a valid subscription request for this app."
        )
    return json_response({"hub.challenge": challenge}, headers=NO_STORE)


ACCEPTED = {"received": True}


def accepted() -> func.HttpResponse:
    """The one reply to every well-formed event, whatever became of it: a sender learns nothing from
    it (not whether the subscription id, the athlete or the activity is right), so ids cannot be
    guessed by probing. What happened goes to the log."""
    return json_response(ACCEPTED, headers=NO_STORE)


async def receive(
    svc: Services, client: df.DurableOrchestrationClient, event: WebhookEvent
) -> func.HttpResponse:
    subscription = await svc.webhooks.subscription(cached=True)
    if subscription is None or subscription.id != event.subscription_id:
        log.warning("webhook: event of another subscription; dropped")
        return accepted()
    record = await svc.tokens.get(event.owner_id)
    wanted = (
        {TokenStatus.ACTIVE, TokenStatus.REAUTHORIZATION_REQUIRED}
        if event.is_deauthorization
        else {TokenStatus.ACTIVE}
    )
    if record is None or record.status not in wanted:
        log.info("webhook: event of athlete %s, who is not connected; dropped", event.owner_id)
        return accepted()
    fingerprint = event.fingerprint()
    if not await svc.webhooks.record_event(event.owner_id, fingerprint, datetime.now(timezone.utc)):
        log.info("webhook: duplicate delivery of an event of athlete %s; dropped", event.owner_id)
        return accepted()
    try:
        outcome = await _hand_on(svc, client, event)
    except Exception as error:  # the event is not lost: forget the receipt so Strava's retry counts
        log.error("webhook: event of athlete %s not queued (%s)", event.owner_id, type(error).__name__)
        try:
            await svc.webhooks.forget_event(event.owner_id, fingerprint)
        except Exception as cleanup:
            log.error("webhook: receipt not removed (%s)", type(cleanup).__name__)
        return error_response(503, "unavailable", "The event could not be queued; Strava delivers it again.")
    log.info(
        "webhook: %s %s of athlete %s: %s", event.object_type, event.aspect_type, event.owner_id, outcome
    )
    return accepted()


async def _hand_on(svc: Services, client: df.DurableOrchestrationClient, event: WebhookEvent) -> str:
    """A deauthorization goes to its own run (which first asks Strava whether the grant is really
    gone); every other event to the athlete's debouncer, which checks the activities it names."""
    if event.is_deauthorization:
        return await start_deauthorization(client, event.owner_id)
    timing = svc.settings.webhooks
    idle = DebounceState(
        athlete_id=event.owner_id,
        debounce_s=int(timing.debounce.total_seconds()),
        max_delay_s=int(timing.max_delay.total_seconds()),
    )
    initial = fold(idle, event.hint(), datetime.now(timezone.utc))
    return await signal_debouncer(client, event.owner_id, initial.to_dict(), event.hint())
