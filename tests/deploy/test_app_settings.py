"""The template sets every setting the app reads, the way the app and the Flex Consumption host expect."""

from __future__ import annotations

import re
from importlib.metadata import metadata

import pytest
from packaging.specifiers import SpecifierSet

from settings import Settings
from storage import IdentityConnection, storage_connection

from . import bicep

MAIN = bicep.source(bicep.INFRA / "main.bicep")
APP = bicep.source(bicep.INFRA / "modules" / "functionapp.bicep")

# Read by the app but deliberately not set by the template: Azure sets WEBSITE_HOSTNAME itself.
DOCUMENTED_OPTIONAL: frozenset[str] = frozenset({"WEBSITE_HOSTNAME"})


def app_setting_names() -> dict[str, str]:
    """Every app setting the template writes, with its Bicep value expression."""
    found = bicep.keys(bicep.block(MAIN, "appSettings:"))
    found |= bicep.keys(bicep.block(APP, "var platformSettings ="))
    found |= bicep.keys(
        bicep.block(APP, "properties: union(appSettings, platformSettings, keyVaultReferences,")
    )
    vault = bicep.source(bicep.INFRA / "modules" / "vault.bicep")
    found |= bicep.keys(bicep.block(vault, "output references object ="))
    return found


def settings_the_app_reads() -> set[str]:
    """Names settings.py reads, plus the %NAME% settings trigger bindings resolve (the timer schedule)."""
    text = (bicep.ROOT / "settings.py").read_text()
    names = set(re.findall(r'reader\.\w+\(\s*"(\w+)"', text))
    for path in [*(bicep.ROOT / "api").glob("*.py"), *(bicep.ROOT / "scheduled").glob("*.py")]:
        names |= set(re.findall(r'"%(\w+)%"', path.read_text()))
    return names


def test_the_reader_patterns_see_the_settings_table() -> None:
    reads = settings_the_app_reads()
    assert {"STRAVA_CLIENT_ID", "SNAPSHOT_SCHEDULE", "TABLE_PREFIX", "OAUTH_STATE_TTL_SECONDS"} <= reads
    assert len(reads) >= 17


@pytest.mark.parametrize("name", sorted(settings_the_app_reads()))
def test_every_setting_the_app_reads_is_set_or_documented_optional(name: str) -> None:
    table = (bicep.ROOT / "docs" / "settings.md").read_text()
    assert f"`{name}`" in table, f"{name} is missing from the settings table (docs/settings.md)"
    assert name in app_setting_names() or name in DOCUMENTED_OPTIONAL, f"{name} is not set by infra/"


def test_storage_is_an_identity_connection_to_the_accounts_table_endpoint() -> None:
    settings = app_setting_names()
    assert "AzureWebJobsStorage" not in settings, "no connection string: shared keys are disabled"
    assert settings["AzureWebJobsStorage__tableServiceUri"] == "storageEndpoints.table"
    assert settings["AzureWebJobsStorage__clientId"] == "identityClientId"
    assert settings["AzureWebJobsStorage__credential"] == "'managedidentity'"
    # what the app makes of exactly these settings
    deployed = {
        "AzureWebJobsStorage__tableServiceUri": "https://staccount123.table.core.windows.net/",
        "AzureWebJobsStorage__credential": "managedidentity",
        "AzureWebJobsStorage__clientId": "client-id",
    }
    assert storage_connection(deployed) == IdentityConnection(
        "https://staccount123.table.core.windows.net", "managed_identity", "client-id"
    )


def test_defaults_are_the_readmes_and_valid_for_the_app() -> None:
    """What a provision with no setting of the owner's writes passes the app's own validation, and
    equals its documented defaults."""
    from .provision import app_settings

    deployed = app_settings({"AZURE_ENV_NAME": "my-site", "AZURE_LOCATION": "westeurope"})
    expected = {
        "TOKEN_REFRESH_MARGIN_SECONDS": "1200",
        "OAUTH_STATE_TTL_SECONDS": "600",
        "STRAVA_TIMEOUT_SECONDS": "15",
        "TABLE_PREFIX": "strava",
        "STRAVA_API_BASE_URL": "https://www.strava.com/api/v3",
        "STRAVA_OAUTH_BASE_URL": "https://www.strava.com/oauth",
        "SNAPSHOT_VISIBILITY": "everyone",
        "SNAPSHOT_ACTIVITY_COUNT": "30",
        "STATS_CACHE_MAX_AGE_SECONDS": "15",
        "SNAPSHOT_SCHEDULE": "0 0 */2 * * *",
    }
    assert {name: deployed[name] for name in expected} == expected
    settings = Settings.from_env(deployed)
    assert settings.storage == IdentityConnection(
        "https://sttoken.table.core.windows.net", "managed_identity", "client-id"
    )


def test_flex_consumption_settings_are_not_app_settings() -> None:
    """Flex Consumption takes runtime and deployment from functionAppConfig; these settings are rejected."""
    retired = {
        "FUNCTIONS_WORKER_RUNTIME",
        "FUNCTIONS_EXTENSION_VERSION",
        "WEBSITE_RUN_FROM_PACKAGE",
        "WEBSITE_CONTENTAZUREFILECONNECTIONSTRING",
        "WEBSITE_CONTENTSHARE",
        "SCM_DO_BUILD_DURING_DEPLOYMENT",
    }
    assert not retired & set(app_setting_names())


def test_python_version_is_the_newest_the_pinned_azure_functions_supports() -> None:
    runtime = bicep.keys(bicep.block(APP, "runtime:"))
    assert runtime["name"] == "'python'"
    version = runtime["version"].strip("'")
    supported = SpecifierSet(metadata("azure-functions")["Requires-Python"])
    major, minor = (int(part) for part in version.split("."))
    assert f"{version}.0" in supported
    assert f"{major}.{minor + 1}.0" not in supported, "a newer Python is supported: raise the runtime"
    pinned = (bicep.ROOT / "requirements.txt").read_text()
    assert f"azure-functions=={metadata('azure-functions')['Version']}" in pinned


def test_the_vault_settings_are_key_vault_references_read_as_the_apps_identity() -> None:
    from settings import VAULT_SETTINGS

    names = app_setting_names()
    assert set(VAULT_SETTINGS) <= set(names)
    for name in VAULT_SETTINGS:
        assert names[name].startswith("'@Microsoft.KeyVault(VaultName=${vault.name};SecretName=${"), name
    assert "keyVaultReferences: vault.outputs.references" in MAIN
    site = bicep.block(APP, "resource site ")
    assert bicep.keys(bicep.block(site, "properties:"))["keyVaultReferenceIdentity"] == "identityId"


def test_redirect_uri_is_the_callback_route_on_the_apps_host() -> None:
    value = app_setting_names()["STRAVA_REDIRECT_URI"]
    assert value == "'https://${site.properties.defaultHostName}/api/strava/callback'"
    from api.urls import ROUTE_PREFIX

    assert ROUTE_PREFIX == "/api"
