"""The app under devhost with a Strava secret whose Key Vault reference did not resolve."""

from __future__ import annotations

import json

REFERENCE = "@Microsoft.KeyVault(VaultName=kv-token;SecretName=strava-client-secret)"


async def test_an_unresolved_key_vault_reference_is_strava_not_configured(launch_app) -> None:
    app = launch_app(STRAVA_CLIENT_SECRET=REFERENCE)
    status, _, page = await app.request("GET", "/api/strava/authorize?publish=yes")
    assert status == 503
    assert "Strava is not configured" in page and "Key Vault reference" in page
    status, _, body = await app.request("GET", "/api/strava/subscription")
    assert status == 503
    error = json.loads(body)
    assert error["error"] == "strava_not_configured" and "Key Vault reference" in error["message"]
    assert all(REFERENCE not in text for text in app.bodies)
