"""One ``azd provision`` from an environment holding only the documented values (tests/deploy/provision.py
models it) keeps every setting, the Key Vault references and the secrets already in the vault."""

from __future__ import annotations

import re

import pytest

from settings import Settings

from . import bicep, provision

DOCS = (bicep.ROOT / "docs" / "deploying.md").read_text()
# An owner's environment: azd's own values, the secrets, and a non-default value for every setting.
OWNER = {
    "AZURE_ENV_NAME": "my-site",
    "AZURE_LOCATION": "westeurope",
    "AZURE_PRINCIPAL_ID": "00000000-0000-0000-0000-000000000001",
    "STRAVA_CLIENT_ID": "12345",
    "STRAVA_CLIENT_SECRET": "client-secret-value",
    "STRAVA_WEBHOOK_VERIFY_TOKEN": "verify-token-value",
    "PUBLIC_BASE_URL": "https://stats.example.org",
    "SNAPSHOT_SCHEDULE": "0 30 */3 * * *",
    "CORS_ALLOWED_ORIGINS": "https://site.example.org",
    "ALLOWED_ATHLETE_IDS": "111,222",
    "DEFAULT_ATHLETE_ID": "111",
    "SNAPSHOT_VISIBILITY": "everyone,followers_only",
    "SNAPSHOT_MAPS": "outline",
    "SNAPSHOT_MAP_PRIVACY_RADIUS_M": "800",
    "SNAPSHOT_PRIVACY_ZONES": "47.1,8.5,300;47.2,8.6,250",
    "SNAPSHOT_ACTIVITY_COUNT": "12",
    "STATS_CACHE_MAX_AGE_SECONDS": "60",
    "STATS_CACHE_REVALIDATE_SECONDS": "9",
    "TOKEN_REFRESH_MARGIN_SECONDS": "900",
    "OAUTH_STATE_TTL_SECONDS": "300",
    "STRAVA_TIMEOUT_SECONDS": "20",
    "TABLE_PREFIX": "mine",
    "SNAPSHOT_GOALS": "Run:1000km",
    "HISTORY_RESCAN_DAYS": "14",
    "HISTORY_SYNC_OVERLAP_SECONDS": "3600",
    "RATE_BUDGET_PERCENT": "70",
    "RATE_BUDGET_BACKGROUND_PERCENT": "40",
    "WEBHOOK_DEBOUNCE_SECONDS": "20",
    "WEBHOOK_MAX_DELAY_SECONDS": "60",
    "INSTANCE_MEMORY_MB": "512",
    "MAXIMUM_INSTANCE_COUNT": "5",
    "DURABLE_ALWAYS_READY_INSTANCES": "1",
}
SECRETS = ("STRAVA_CLIENT_SECRET", "STRAVA_WEBHOOK_VERIFY_TOKEN")
# The same owner later, from a fresh clone or a CI job: every documented value but the secrets.
FRESH_CLONE = {name: value for name, value in OWNER.items() if name not in SECRETS}


def documented_values() -> list[str]:
    section = DOCS.split("## azd environment values", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^\| `([A-Z_]+)` \|", section, re.MULTILINE)


def test_the_documented_values_are_exactly_what_a_provision_reads() -> None:
    assert sorted(documented_values()) == sorted(provision.environment_names())
    assert set(OWNER) == set(documented_values())


def test_a_provision_without_the_secrets_keeps_every_app_setting() -> None:
    assert provision.app_settings(FRESH_CLONE) == provision.app_settings(OWNER)


def test_the_key_vault_references_are_written_whether_or_not_a_secret_is_given() -> None:
    for env in (OWNER, FRESH_CLONE, {"AZURE_ENV_NAME": "a", "AZURE_LOCATION": "b"}):
        settings = provision.app_settings(env)
        assert settings["STRAVA_CLIENT_SECRET"] == (
            f"@Microsoft.KeyVault(VaultName={provision.VAULT_NAME};SecretName=strava-client-secret)"
        )
        assert settings["STRAVA_WEBHOOK_VERIFY_TOKEN"] == (
            f"@Microsoft.KeyVault(VaultName={provision.VAULT_NAME};SecretName=strava-webhook-verify-token)"
        )


def test_secrets_are_written_to_the_vault_only_when_given() -> None:
    assert provision.vault_writes(OWNER) == {
        "strava-client-secret": "client-secret-value",
        "strava-webhook-verify-token": "verify-token-value",
    }
    assert provision.vault_writes(FRESH_CLONE) == {}
    only_secret = {**FRESH_CLONE, "STRAVA_CLIENT_SECRET": "rotated"}
    assert provision.vault_writes(only_secret) == {"strava-client-secret": "rotated"}


@pytest.mark.parametrize(
    "name", [name for name in documented_values() if name not in SECRETS and not name.startswith("AZURE_")]
)
def test_each_owner_setting_survives_a_fresh_clone_provision(name: str) -> None:
    settings = provision.app_settings(FRESH_CLONE)
    if name in settings:
        assert settings[name] == OWNER[name]
    else:  # a plan setting, not an app setting
        assert provision.parameter_values(FRESH_CLONE)[provision.environment_names()[name]] == int(
            OWNER[name]
        )


def test_an_unset_value_is_the_bicep_default_and_the_defaults_are_valid() -> None:
    minimal = {"AZURE_ENV_NAME": "my-site", "AZURE_LOCATION": "westeurope"}
    values = provision.parameter_values(minimal)
    assert values["durableAlwaysReadyInstances"] == 0  # off unless asked for
    settings = provision.app_settings(minimal)
    app = Settings.from_env(settings)
    assert not app.strava_configured


def test_every_value_of_the_owner_environment_is_valid_for_the_app() -> None:
    deployed = provision.app_settings(OWNER)
    resolved = {**deployed, "STRAVA_CLIENT_SECRET": "s", "STRAVA_WEBHOOK_VERIFY_TOKEN": "t"}
    app = Settings.from_env(resolved)
    assert app.strava_configured and app.public_base_url == "https://stats.example.org"
    assert app.webhooks.verify_token == "t"


def test_the_references_unresolved_are_strava_not_configured() -> None:
    deployed = provision.app_settings(OWNER)  # a reference to a secret not in the vault stays literal
    app = Settings.from_env(deployed)
    assert not app.strava_configured
    assert app.strava.client_secret == ""  # the literal reference is never a credential
    assert app.webhooks.verify_token == ""  # webhooks off
    assert app.strava_setup_fix is not None and "Key Vault reference" in app.strava_setup_fix


def test_a_required_parameter_without_a_value_would_be_prompted() -> None:
    with pytest.raises(provision.Prompted):
        provision.parameter_values({"AZURE_ENV_NAME": "my-site"})


def test_always_ready_is_the_durable_group_only_when_asked_for() -> None:
    assert "alwaysReady: alwaysReady" in bicep.block(provision.APP, "scaleAndConcurrency:")
    assert "var alwaysReady = durableAlwaysReadyInstances > 0 ? [" in provision.APP
    entry = bicep.keys(bicep.block(provision.APP, "var alwaysReady = durableAlwaysReadyInstances > 0 ? [\n"))
    assert entry == {"name": "'durable'", "instanceCount": "durableAlwaysReadyInstances"}
    assert "] : []" in provision.APP  # none when 0


def test_the_documented_defaults_are_the_templates() -> None:
    section = DOCS.split("## azd environment values", 1)[1].split("\n## ", 1)[0]
    params = provision.main_params()
    checked = 0
    for name, default in re.findall(r"^\| `([A-Z_]+)` \| `([^`]*)` \|", section, re.MULTILINE):
        value = params[provision.environment_names()[name]].default
        shown = str(value).lower() if isinstance(value, bool) else str(value)
        assert shown == default, name
        checked += 1
    assert checked >= 19  # the rest are "empty" or "(required)"
