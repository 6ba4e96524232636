"""infra/ as text: no secret literal, a data-plane role for every storage service used, legal names."""

from __future__ import annotations

import json
import re
import string

import pytest

from . import bicep

MAIN = bicep.source(bicep.INFRA / "main.bicep")
ROLES = bicep.source(bicep.INFRA / "modules" / "roles.bicep")
APP = bicep.source(bicep.INFRA / "modules" / "functionapp.bicep")
PARAMETERS = json.loads((bicep.INFRA / "main.parameters.json").read_text())["parameters"]

# Each (type, apiVersion) was checked against Microsoft's ARM/Bicep reference and REST specs (see the
# deploy docs, docs/deploying.md). A new type or version fails here until it has been checked too.
CHECKED_TYPES = {
    ("Microsoft.Resources/resourceGroups", "2024-03-01"),
    ("Microsoft.ManagedIdentity/userAssignedIdentities", "2023-01-31"),
    ("Microsoft.Storage/storageAccounts", "2023-05-01"),
    ("Microsoft.Storage/storageAccounts/blobServices", "2023-05-01"),
    ("Microsoft.Storage/storageAccounts/blobServices/containers", "2023-05-01"),
    ("Microsoft.OperationalInsights/workspaces", "2023-09-01"),
    ("Microsoft.Insights/components", "2020-02-02"),
    ("Microsoft.KeyVault/vaults", "2023-07-01"),
    ("Microsoft.KeyVault/vaults/secrets", "2023-07-01"),
    ("Microsoft.Authorization/roleAssignments", "2022-04-01"),
    ("Microsoft.Web/serverfarms", "2024-04-01"),
    ("Microsoft.Web/sites", "2024-04-01"),
    ("Microsoft.Web/sites/config", "2024-04-01"),
}

# Built-in role ids (Azure built-in roles reference) and what each is for here.
ROLE_IDS = {
    "b7e6dc6d-f1e8-4753-8033-0f276bb0955b": "Storage Blob Data Owner",
    "974c5e8b-45b9-4653-ba55-5f855dd0fb88": "Storage Queue Data Contributor",
    "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3": "Storage Table Data Contributor",
    "3913510d-42f4-4e42-8a64-420c390055eb": "Monitoring Metrics Publisher",
    "4633458b-17de-408a-b874-0445c86b69e6": "Key Vault Secrets User",
    "b86a8fe4-44ce-4948-aee5-eccb2c155cd7": "Key Vault Secrets Officer",
}
SERVICE_ROLE = {  # the role each storage service needs for the host and the Durable extension
    "blob": "Storage Blob Data Owner",
    "queue": "Storage Queue Data Contributor",
    "table": "Storage Table Data Contributor",
}


def test_every_resource_type_and_api_version_was_checked() -> None:
    assert bicep.resource_types() == CHECKED_TYPES


def role_names() -> dict[str, str]:
    roles = bicep.keys(bicep.block(ROLES, "var roleIds ="))
    assert {value.strip("'") for value in roles.values()} <= set(ROLE_IDS)
    return {key: ROLE_IDS[value.strip("'")] for key, value in roles.items()}


def assignments() -> list[tuple[str, str, str]]:
    """``(scope, role, principal)`` of each role assignment in roles.bicep."""
    names = role_names()
    storage_roles = [
        names[item.strip().removeprefix("roleIds.")]
        for item in bicep.block(ROLES, "var storageRoles =").split()
    ]
    found = [("storage", role, "appPrincipalId") for role in storage_roles]
    for declaration in bicep.declarations("resource"):
        if "roleAssignments@" not in declaration.rest or declaration.path.name != "roles.bicep":
            continue
        body = bicep.block(ROLES, f"resource {declaration.name} ")
        if "for roleId in storageRoles" in body:
            continue
        fields = bicep.keys(body)
        properties = bicep.keys(bicep.block(body, "properties:"))
        role = re.search(r"roleIds\.(\w+)", properties["roleDefinitionId"])
        assert role, declaration.name
        found.append((fields["scope"], names[role.group(1)], properties["principalId"]))
    return found


def test_each_storage_service_the_app_uses_has_its_data_role() -> None:
    used = set(re.findall(r"AzureWebJobsStorage__(\w+)ServiceUri", APP))
    assert used == {"blob", "queue", "table"}  # host + Durable: all three; the app's tables: table
    granted = {(scope, role) for scope, role, principal in assignments() if principal == "appPrincipalId"}
    for service in used:
        assert ("storage", SERVICE_ROLE[service]) in granted, service


def test_telemetry_and_secret_roles_are_scoped_to_their_resource() -> None:
    granted = set(assignments())
    assert ("insights", "Monitoring Metrics Publisher", "appPrincipalId") in granted
    assert ("vault", "Key Vault Secrets User", "appPrincipalId") in granted
    assert ("vault", "Key Vault Secrets Officer", "userPrincipalId") in granted
    assert all(scope in {"storage", "insights", "vault"} for scope, _, _ in granted)  # never the group


def test_role_assignment_names_are_deterministic_per_scope_principal_and_role() -> None:
    for declaration in bicep.declarations("resource"):
        if "roleAssignments@" in declaration.rest:
            body = bicep.block(ROLES, f"resource {declaration.name} ")
            if "for roleId in storageRoles:" in body:
                body = bicep.block(body, "for roleId in storageRoles:")
            name = bicep.keys(body)["name"]
            assert re.fullmatch(r"guid\(\w+\.id, \w+, (roleId|roleIds\.\w+)\)", name), name


def test_shared_keys_and_local_auth_are_off() -> None:
    storage = bicep.source(bicep.INFRA / "modules" / "storage.bicep")
    monitoring = bicep.source(bicep.INFRA / "modules" / "monitoring.bicep")
    vault = bicep.source(bicep.INFRA / "modules" / "vault.bicep")
    assert re.search(r"allowSharedKeyAccess: false", storage)
    assert re.search(r"allowBlobPublicAccess: false", storage)
    assert re.search(r"DisableLocalAuth: true", monitoring)
    assert re.search(r"enableRbacAuthorization: true", vault)
    assert "Authorization=AAD" in APP


SECRET_LITERALS = re.compile(
    r"AccountKey=|SharedAccessSignature|[?&]sig=|InstrumentationKey=|listKeys\(|listConnectionStrings\(|"
    r"listSecrets\(|BEGIN [A-Z ]*PRIVATE KEY",
)
KEY_MATERIAL = re.compile(r"(?=[A-Za-z+/]*[0-9])[A-Za-z0-9+/]{32,}={0,2}")  # a pasted key or token


@pytest.mark.parametrize(
    "path", [*bicep.files(), bicep.INFRA / "main.parameters.json", bicep.ROOT / "azure.yaml"], ids=str
)
def test_no_secret_literal_or_key_listing(path) -> None:
    text = bicep.source(path) if path.suffix == ".bicep" else path.read_text()
    assert not SECRET_LITERALS.search(text)
    literals = re.findall(r"'((?:\\.|[^'\\])*)'", text) if path.suffix == ".bicep" else [text]
    assert not [literal for literal in literals if KEY_MATERIAL.search(literal)]


def test_secret_looking_settings_are_never_literals() -> None:
    from .test_app_settings import app_setting_names

    for name, value in app_setting_names().items():
        if (
            re.search(r"SECRET|PASSWORD|KEY(_|$)|TOKEN(_|$)|CONNECTION_STRING", name)
            and "_SECONDS" not in name
        ):
            # a literal only as a Key Vault reference (vault.bicep), never the secret itself
            assert not value.startswith("'") or value.startswith("'@Microsoft.KeyVault("), name


def test_the_secret_parameters_go_to_the_vault_and_nowhere_else() -> None:
    secure = [d for d in bicep.declarations("param") if "@secure()" in d.decorators]
    names = {"stravaClientSecret", "stravaWebhookVerifyToken"}
    assert {(d.path.name, d.name) for d in secure} == {
        (file, name) for file in ("main.bicep", "vault.bicep") for name in names
    }
    assert all(d.rest in ("string = ''", "string") for d in secure), "no secret default"
    vault = bicep.source(bicep.INFRA / "modules" / "vault.bicep")
    for name in names:
        uses = re.findall(rf"\b{name}\b", MAIN)
        assert len(uses) == 3  # declaration, the vault module's parameter name and its value
        assert f"{name}: {name}" in bicep.block(MAIN, "module vault ")
        # in the vault: declared, tested for emptiness, written as one secret's value
        assert len(re.findall(rf"\b{name}\b", vault)) == 3, name
        assert f"value: {name}" in vault
    for output in bicep.declarations("output"):
        assert not re.search(r"\b(stravaClientSecret|stravaWebhookVerifyToken)\b", output.rest), output.name
        # Bicep's linter (outputs-should-not-contain-secrets) also flags such output names
        assert not re.search(r"secret|password", output.name, re.IGNORECASE), output.name


def test_parameters_file_maps_environment_values_only() -> None:
    params = {d.name: d.rest for d in bicep.declarations("param") if d.path.name == "main.bicep"}
    assert set(PARAMETERS) <= set(params)
    for name, entry in PARAMETERS.items():
        assert re.fullmatch(r"\$\{[A-Z_]+\}", entry["value"]), name
    required = {name for name, rest in params.items() if "=" not in rest}
    assert required <= set(PARAMETERS), "azd would prompt for these"
    assert PARAMETERS["stravaClientSecret"]["value"] == "${STRAVA_CLIENT_SECRET}"


def resolved_names(environment: str, token: str) -> dict[str, str]:
    names = bicep.keys(bicep.block(MAIN, "var names ="))
    return {
        key: value.strip("'").replace("${token}", token).replace("${environmentName}", environment)
        for key, value in names.items()
    }


LONGEST_ENV = "e" * 63 + "1"  # environmentName: @maxLength(64)
TOKEN = "abcdefghij123"  # uniqueString(): 13 lowercase letters and digits


def test_token_is_a_lowercased_unique_string() -> None:
    assert "var token = toLower(uniqueString(subscription().id, environmentName, location))" in MAIN
    (environment,) = (d for d in bicep.declarations("param") if d.name == "environmentName")
    assert "@maxLength(64)" in environment.decorators


# Azure's naming rules (Microsoft.* resource name restrictions), as full-match patterns.
RULES = {
    "resourceGroup": r"[\w.()-]{1,89}[\w()-]",
    "identity": r"[A-Za-z0-9][\w-]{2,127}",
    "storage": r"[a-z0-9]{3,24}",
    "deploymentContainer": r"(?!.*--)[a-z0-9][a-z0-9-]{1,61}[a-z0-9]",
    "logs": r"[A-Za-z0-9][A-Za-z0-9-]{2,61}[A-Za-z0-9]",
    "insights": r"[^%&\\?/]{1,260}",
    "vault": r"(?!.*--)[A-Za-z][A-Za-z0-9-]{1,22}[A-Za-z0-9]",
    "plan": r"[A-Za-z0-9][A-Za-z0-9-]{0,58}[A-Za-z0-9]",
    "functionApp": r"[A-Za-z0-9][A-Za-z0-9-]{0,58}[A-Za-z0-9]",
}


@pytest.mark.parametrize("environment", ["a", "my-site", LONGEST_ENV])
@pytest.mark.parametrize("token", [TOKEN, string.digits + "abc", "z" * 13])
def test_names_follow_azure_rules(environment: str, token: str) -> None:
    names = resolved_names(environment, token)
    assert set(names) == set(RULES)
    for key, name in names.items():
        assert re.fullmatch(RULES[key], name), (key, name)


def test_secret_name_and_task_hub_are_legal() -> None:
    vault = bicep.source(bicep.INFRA / "modules" / "vault.bicep")
    secrets = re.findall(r"var \w+Name = '([^']+)'", vault)
    assert len(secrets) == 2
    assert all(re.fullmatch(r"[A-Za-z0-9-]{1,127}", secret) for secret in secrets)


def test_outputs_give_url_callback_domain_and_authorize_url() -> None:
    outputs = {d.name: d.rest for d in bicep.declarations("output") if d.path.name == "main.bicep"}
    assert outputs["APP_URL"] == "string = functionApp.outputs.url"
    assert outputs["STRAVA_CALLBACK_DOMAIN"] == "string = functionApp.outputs.hostName"
    assert outputs["STRAVA_AUTHORIZE_URL"] == "string = '${functionApp.outputs.url}/api/strava/authorize'"
    app_outputs = {d.name: d.rest for d in bicep.declarations("output") if d.path.name == "functionapp.bicep"}
    assert app_outputs["hostName"] == "string = site.properties.defaultHostName"
