"""A durable HTTP starter: 202 + check-status payload whose URLs point at devhost itself and work; with
--require-keys they carry the scoped durable system key, which opens nothing but the durable webhooks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.host.calls import Answer, call
from tests.polling import wait_until

MASTER = "durable-test-master-key"
FUNCTION = "fn-key"
DURABLE = "durable-system-key"


def _finished(status_url: str) -> Answer | None:
    answer = call("GET", status_url)
    return answer if answer.status != 202 else None


@pytest.mark.parametrize("require_keys", [False, True])
def test_starter_returns_check_status_urls_on_devhost_port(
    basic_app: Path, start_devhost, require_keys: bool
) -> None:
    env = {"DEVHOST_MASTER_KEY": MASTER, "DEVHOST_FUNCTION_KEY": FUNCTION, "DEVHOST_DURABLE_KEY": DURABLE}
    running = start_devhost(basic_app, env=env, require_keys=require_keys)
    started = call(
        "POST",
        f"{running.url}/api/start/greet?code={FUNCTION}",
        json.dumps({"name": "devhost"}).encode(),
        {"Content-Type": "application/json"},
    )
    assert started.status == 202, started.text
    links = started.json()
    assert started.headers["Location"] == links["statusQueryGetUri"]
    for key in ("statusQueryGetUri", "sendEventPostUri", "terminatePostUri", "purgeHistoryDeleteUri"):
        assert links[key].startswith(f"{running.url}/runtime/webhooks/durabletask/instances/{links['id']}")
        assert (f"code={DURABLE}" in links[key]) == require_keys
        assert MASTER not in links[key]
    done = wait_until(lambda: _finished(links["statusQueryGetUri"]), 20, "the orchestration to finish")
    assert done.status == 200, done.text
    status = done.json()
    assert (status["runtimeStatus"], status["output"]) == ("Completed", "hello devhost")
    assert "http POST /api/start/greet" in running.log_text()
    if require_keys:
        bare = links["statusQueryGetUri"].replace(f"&code={DURABLE}", "")
        assert call("GET", bare).status == 401
        for scoped_out in ("/api/admin-only", "/api/users/me", "/admin/host/status"):
            assert call("GET", f"{running.url}{scoped_out}?code={DURABLE}").status == 401, scoped_out
        webhook = f"{running.url}/runtime/webhooks/durabletask/orchestrators/greet?code={DURABLE}"
        direct = call(
            "POST", webhook, json.dumps({"name": "hook"}).encode(), {"Content-Type": "application/json"}
        )
        assert direct.status == 202, direct.text
        assert f"code={DURABLE}" in direct.json()["statusQueryGetUri"]
        assert MASTER not in direct.text
