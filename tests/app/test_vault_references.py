"""A Key Vault reference that did not resolve is no value: Strava is "not configured", with the fix."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from api.diagnosis import diagnose
from settings import Settings

from .test_http_logic import observations

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=timezone.utc)
REFERENCE = "@Microsoft.KeyVault(VaultName=kv-token;SecretName=strava-client-secret)"
BASE = {"AzureWebJobsStorage": "UseDevelopmentStorage=true", "STRAVA_CLIENT_ID": "12345"}


@pytest.mark.parametrize("reference", [REFERENCE, "  @microsoft.keyvault(SecretUri=https://kv/secrets/x/)"])
def test_an_unresolved_secret_reference_is_not_a_secret(reference: str) -> None:
    settings = Settings.from_env({**BASE, "STRAVA_CLIENT_SECRET": reference})
    assert settings.strava.client_secret == ""  # never sent to Strava
    assert not settings.strava_configured
    assert settings.unresolved == frozenset({"STRAVA_CLIENT_SECRET"})
    fix = settings.strava_setup_fix
    assert fix is not None and "Key Vault reference" in fix and "azd provision" in fix
    assert "KeyVault(" not in fix  # names the setting, not its text


def test_an_unresolved_verify_token_turns_webhooks_off() -> None:
    token = "@Microsoft.KeyVault(VaultName=kv-token;SecretName=strava-webhook-verify-token)"
    settings = Settings.from_env({**BASE, "STRAVA_CLIENT_SECRET": "s", "STRAVA_WEBHOOK_VERIFY_TOKEN": token})
    assert settings.webhooks.verify_token == ""
    assert settings.strava_configured and settings.strava_setup_fix is None


def test_missing_credentials_keep_their_fix() -> None:
    assert Settings.from_env(BASE).strava_setup_fix == "Set STRAVA_CLIENT_ID and STRAVA_CLIENT_SECRET."


def test_the_status_diagnosis_names_the_fix() -> None:
    fix = Settings.from_env({**BASE, "STRAVA_CLIENT_SECRET": REFERENCE}).strava_setup_fix
    status = diagnose(observations(strava_setup_fix=fix), NOW)
    assert status["healthy"] is False
    assert {"problem": "strava_not_configured", "source": "settings", "fix": fix} in status["problems"]
    assert diagnose(observations(), NOW)["healthy"] is True
