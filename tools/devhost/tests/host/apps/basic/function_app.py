# mypy: disable-error-code="untyped-decorator"
"""A small v2-model app that exercises devhost's host side: routes, keys, timers, settings, durable."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import azure.durable_functions as df
import azure.functions as func

app = df.DFApp(http_auth_level=func.AuthLevel.FUNCTION)


def _json(data: object, status: int = 200) -> func.HttpResponse:
    return func.HttpResponse(json.dumps(data), status_code=status, mimetype="application/json")


@app.route(route="users/{id:int}", methods=["GET"])
async def user_by_id(req: func.HttpRequest) -> func.HttpResponse:
    return _json({"route": "by_id", "params": dict(req.route_params), "query": dict(req.params)})


@app.route(route="users/me", methods=["GET"])
async def user_me(req: func.HttpRequest) -> func.HttpResponse:
    return _json({"route": "me"})


@app.route(route="users/{name:alpha}", methods=["GET", "DELETE"])
def user_by_name(req: func.HttpRequest) -> func.HttpResponse:
    return _json({"route": "by_name", "params": dict(req.route_params), "sync": True})


@app.route(route="files/{*path}", methods=["GET"])
async def files(req: func.HttpRequest) -> str:
    return f"path={req.route_params.get('path', '')}"


@app.route(route="echo", methods=["POST", "PUT"])
async def echo(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse(
        req.get_body(),
        status_code=201,
        headers={
            "Content-Type": "application/x-echo",
            "X-Method": req.method,
            "X-Url": req.url,
            "X-Seen-Header": req.headers.get("x-test", ""),
        },
        mimetype="text/plain",
    )


@app.route(route="text", methods=["GET"])
def text(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("<b>hi</b>", mimetype="text/html")


@app.route(route="boom", methods=["GET"])
async def boom(req: func.HttpRequest) -> func.HttpResponse:
    raise RuntimeError("refresh_token=SECRET-IN-MESSAGE")


@app.route(route="sync-boom", methods=["GET"])
def sync_boom(req: func.HttpRequest) -> func.HttpResponse:
    raise ValueError("access_token=SECRET-IN-MESSAGE")


@app.route(route="slow-sync", methods=["GET"])
def slow_sync(req: func.HttpRequest) -> str:
    """Creates the file ``started``, then blocks this worker thread until the file ``release`` exists."""
    Path(req.params["started"]).write_text("started")
    release = Path(req.params["release"])
    deadline = time.monotonic() + 30
    while not release.exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    return "released"


@app.route(route="context", methods=["GET"])
async def with_context(req: func.HttpRequest, context: func.Context) -> func.HttpResponse:
    return _json({"function_name": context.function_name, "invocation_id": context.invocation_id})


@app.route(route="settings/{name}", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
async def setting(req: func.HttpRequest) -> func.HttpResponse:
    return _json({"value": os.environ.get(req.route_params["name"])})


_calls: list[str] = []  # module state: what a restart of the host must forget


@app.route(route="calls", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)
async def count_call(req: func.HttpRequest) -> func.HttpResponse:
    _calls.append(req.get_body().decode())
    return _json({"calls": _calls})


@app.route(route="open", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
async def open_route(req: func.HttpRequest) -> str:
    return "open"


@app.route(route="admin-only", methods=["GET"], auth_level=func.AuthLevel.ADMIN)
async def admin_only(req: func.HttpRequest) -> str:
    return "admin"


@app.timer_trigger(arg_name="timer", schedule="%TICK_SCHEDULE%")
def tick(timer: func.TimerRequest) -> None:
    target = os.environ.get("TICK_FILE")
    if target:
        with Path(target).open("a") as out:
            out.write(json.dumps({"past_due": timer.past_due, "at": time.time()}) + "\n")


@app.route(route="start/{name}", methods=["POST"])
@app.durable_client_input(client_name="client")
async def start_orchestration(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> Any:
    instance_id = await client.start_new(req.route_params["name"], None, req.get_json())
    return client.create_check_status_response(req, instance_id)


@app.orchestration_trigger(context_name="context")
def greet(context: df.DurableOrchestrationContext) -> Any:
    name = context.get_input()["name"]
    return (yield context.call_activity("say_hello", name))


@app.activity_trigger(input_name="name")
def say_hello(name: str) -> str:
    return f"hello {name}"


@app.orchestration_trigger(context_name="context")
def waits(context: df.DurableOrchestrationContext) -> Any:
    """Runs until an ``approve`` event arrives; returns its data."""
    return (yield context.wait_for_external_event("approve"))
