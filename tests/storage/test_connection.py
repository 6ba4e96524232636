"""Which storage connection the settings describe: connection string (Azurite) or identity-based (Azure).

The identity path is pure here (which endpoint, which credential); nothing is sent to Azure. The
connection-string path is exercised end to end against Azurite.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from settings import Settings, SettingsError
from storage import (
    ConnectionString,
    IdentityConnection,
    StorageConnectionError,
    TableService,
    storage_connection,
)
from storage.connection import open_credential

ACCOUNT = "stsnapabc123"
TABLES = f"https://{ACCOUNT}.table.core.windows.net"
CLIENT_ID = "00000000-1111-2222-3333-444444444444"


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        # what infra/ sets on Azure: a user-assigned identity named by its client id
        (
            {
                "AzureWebJobsStorage__tableServiceUri": TABLES + "/",
                "AzureWebJobsStorage__blobServiceUri": f"https://{ACCOUNT}.blob.core.windows.net",
                "AzureWebJobsStorage__credential": "managedidentity",
                "AzureWebJobsStorage__clientId": CLIENT_ID,
            },
            IdentityConnection(TABLES, "managed_identity", CLIENT_ID),
        ),
        # the host's shorthand for public Azure, system-assigned identity
        (
            {
                "AzureWebJobsStorage__accountName": ACCOUNT,
                "AzureWebJobsStorage__credential": "managedidentity",
            },
            IdentityConnection(TABLES, "managed_identity", None),
        ),
        # a client id alone also means that managed identity (the host needs credential too; we do not)
        (
            {"AzureWebJobsStorage__accountName": ACCOUNT, "AzureWebJobsStorage__clientId": CLIENT_ID},
            IdentityConnection(TABLES, "managed_identity", CLIENT_ID),
        ),
        # no identity named: DefaultAzureCredential (managed identity on Azure, az login locally)
        ({"AzureWebJobsStorage__accountName": ACCOUNT}, IdentityConnection(TABLES, "default")),
        # the explicit table URI wins over the account name; setting names are case-insensitive
        (
            {"azurewebjobsstorage__ACCOUNTNAME": "other1", "AzureWebJobsStorage__TableServiceUri": TABLES},
            IdentityConnection(TABLES, "default"),
        ),
        # a connection string wins over identity settings, as it does for the host
        (
            {
                "AzureWebJobsStorage": " UseDevelopmentStorage=true ",
                "AzureWebJobsStorage__accountName": ACCOUNT,
            },
            ConnectionString("UseDevelopmentStorage=true"),
        ),
        # empty values count as unset
        (
            {
                "AzureWebJobsStorage": "",
                "AzureWebJobsStorage__clientId": " ",
                "AzureWebJobsStorage__accountName": ACCOUNT,
            },
            IdentityConnection(TABLES, "default"),
        ),
    ],
)
def test_settings_select_endpoint_and_credential(env, expected):
    assert storage_connection(env) == expected


@pytest.mark.parametrize(
    ("env", "setting"),
    [
        ({}, "AzureWebJobsStorage is not set"),
        ({"AzureWebJobsStorage__clientId": CLIENT_ID}, "AzureWebJobsStorage is not set"),
        (
            {"AzureWebJobsStorage__tableServiceUri": f"http://{ACCOUNT}.table.core.windows.net"},
            "__tableServiceUri",
        ),
        ({"AzureWebJobsStorage__tableServiceUri": "not a url"}, "__tableServiceUri"),
        ({"AzureWebJobsStorage__tableServiceUri": TABLES + "?sv=secret-sas"}, "__tableServiceUri"),
        ({"AzureWebJobsStorage__accountName": "Has-Dashes"}, "__accountName"),
        (
            {"AzureWebJobsStorage__accountName": ACCOUNT, "AzureWebJobsStorage__credential": "key"},
            "__credential",
        ),
        (
            {
                "AzureWebJobsStorage__accountName": ACCOUNT,
                "AzureWebJobsStorage__managedIdentityResourceId": "/x",
            },
            "__managedIdentityResourceId",
        ),
    ],
)
def test_bad_storage_settings_are_named_never_echoed(env, setting):
    with pytest.raises(StorageConnectionError, match=setting) as caught:
        storage_connection(env)
    assert "secret-sas" not in str(caught.value)
    with pytest.raises(SettingsError, match=setting):
        Settings.from_env(env)


def test_connection_string_never_appears_in_a_repr():
    settings = Settings.from_env({"AzureWebJobsStorage": "AccountKey=s3cr3t-key"})
    assert settings.storage == ConnectionString("AccountKey=s3cr3t-key")
    assert "s3cr3t" not in repr(settings)


async def test_identity_credentials_are_the_ones_named_and_closed_with_the_service():
    from azure.identity.aio import DefaultAzureCredential, ManagedIdentityCredential

    user_assigned = IdentityConnection(TABLES, "managed_identity", CLIENT_ID)
    credential = open_credential(user_assigned)
    assert isinstance(credential, ManagedIdentityCredential)
    await credential.close()
    assert isinstance(open_credential(IdentityConnection(TABLES, "default")), DefaultAzureCredential)

    service = TableService.connect(user_assigned)
    assert repr(service) == f"TableService(account='{ACCOUNT}')"
    await service.close()  # closes the credential too; no token was ever requested


def test_a_connection_string_app_never_imports_azure_identity():
    """Cold start: azure.identity (and msal, cryptography) load only for an identity-based connection."""
    probe = textwrap.dedent(
        """
        import sys
        import function_app, services
        from settings import Settings
        from storage import TableService
        TableService.connect(Settings.from_env({"AzureWebJobsStorage": "UseDevelopmentStorage=true"}).storage)
        assert "azure.identity" not in sys.modules, "azure.identity imported"
        from storage import IdentityConnection
        TableService.connect(IdentityConnection("https://a.table.core.windows.net", "default"))
        assert "azure.identity" in sys.modules
        """
    )
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=root, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


async def test_the_settings_connection_string_reaches_azurite(azurite: str, table_prefix: str) -> None:
    settings = Settings.from_env({"AzureWebJobsStorage": azurite})
    async with TableService.connect(settings.storage) as tables:
        table = await tables.checked_table(table_prefix + "conn")
        await table.upsert({"PartitionKey": "p", "RowKey": "r", "v": 1})
        row = await table.get("p", "r")
        assert row is not None
        assert row["v"] == 1
