"""A model of ``azd provision`` over infra/, enough to say which app settings and vault writes one
provision makes from one azd environment (no Bicep compiler or Azure offline).

azd resolves infra/main.parameters.json against the environment: a ``${NAME}`` that is unset or empty
leaves the parameter out, so the Bicep default applies (azd's rule for parameters with a default,
Azure/azure-dev#2896); a parameter without a default would be prompted for. The app settings are then
the ``appSettings`` object main.bicep passes to functionapp.bicep (parameters, ``string(...)``, ``?:``
and literals), the Key Vault references vault.bicep outputs, and the platform settings, which depend on
no parameter.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass

from . import bicep

MAIN = bicep.source(bicep.INFRA / "main.bicep")
APP = bicep.source(bicep.INFRA / "modules" / "functionapp.bicep")
VAULT = bicep.source(bicep.INFRA / "modules" / "vault.bicep")
PARAMETERS: dict[str, dict[str, str]] = json.loads((bicep.INFRA / "main.parameters.json").read_text())[
    "parameters"
]
VAULT_NAME = "kv-token"  # stands for vault.name
HOST_NAME = "func-token.azurewebsites.net"  # stands for site.properties.defaultHostName
# What the platform settings' expressions (resource outputs, no parameter) stand for once deployed.
PLATFORM_VALUES = {
    "storageEndpoints.blob": "https://sttoken.blob.core.windows.net/",
    "storageEndpoints.queue": "https://sttoken.queue.core.windows.net/",
    "storageEndpoints.table": "https://sttoken.table.core.windows.net/",
    "identityClientId": "client-id",
    "applicationInsightsConnectionString": "InstrumentationKey=ikey;IngestionEndpoint=https://in.example/",
}


class Prompted(Exception):
    """azd would prompt for this parameter: it has no default and the environment gives no value."""


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    default: str | int | bool | None  # None: no default
    secure: bool


def main_params() -> dict[str, Param]:
    found = {}
    for declaration in bicep.declarations("param"):
        if declaration.path.name != "main.bicep":
            continue
        kind, _, default = (part.strip() for part in declaration.rest.partition("="))
        found[declaration.name] = Param(
            declaration.name,
            kind,
            _literal(default, kind) if default else None,
            "@secure()" in declaration.decorators,
        )
    return found


def environment_names() -> dict[str, str]:
    """azd environment value -> the parameter it sets (each ``${NAME}`` of the parameters file)."""
    names = {}
    for param, entry in PARAMETERS.items():
        match = re.fullmatch(r"\$\{([A-Z_]+)\}", entry["value"])
        assert match, param
        names[match.group(1)] = param
    return names


def parameter_values(env: Mapping[str, str]) -> dict[str, str | int | bool]:
    """The value of every main.bicep parameter after azd has resolved the parameters file."""
    params = main_params()
    given = {param: env.get(name, "") for name, param in environment_names().items()}
    values: dict[str, str | int | bool] = {}
    for name, param in params.items():
        raw = given.get(name, "")
        if raw:
            values[name] = _literal(raw, param.type, quoted=False)
        elif param.default is not None:
            values[name] = param.default
        else:
            raise Prompted(name)
    return values


def app_settings(env: Mapping[str, str]) -> dict[str, str]:
    """Every app setting one provision writes (it replaces the whole set)."""
    values = parameter_values(env)
    settings = {
        name: _evaluate(expression, values)
        for name, expression in bicep.keys(bicep.block(MAIN, "appSettings:")).items()
    }
    platform = bicep.keys(bicep.block(APP, "var platformSettings ="))
    settings |= {name: _platform(expression) for name, expression in platform.items()}
    settings |= vault_references()
    redirect = bicep.keys(
        bicep.block(APP, "properties: union(appSettings, platformSettings, keyVaultReferences,")
    )
    settings |= {name: _evaluate(value, {}) for name, value in redirect.items()}
    return settings


def vault_references() -> dict[str, str]:
    names = _vault_vars()
    references = {}
    for setting, expression in bicep.keys(bicep.block(VAULT, "output references object =")).items():
        text = expression.strip("'").replace("${vault.name}", VAULT_NAME)
        for var, rest in names.items():
            text = text.replace("${" + var + "}", rest)
        references[setting] = text
    return references


def vault_writes(env: Mapping[str, str]) -> dict[str, str]:
    """Secret name -> value for each secret this provision writes to Key Vault."""
    values = parameter_values(env)
    names = _vault_vars()
    passed = bicep.keys(bicep.block(bicep.block(MAIN, "module vault "), "params:"))
    writes = {}
    for match in _CONDITIONAL_SECRET.finditer(VAULT):
        body = bicep.keys(bicep.block(VAULT[match.start() :], "="))
        value = values[passed[match.group(1)]]  # the vault module's parameter is main.bicep's
        if value:
            writes[names[body["name"]]] = str(value)
    return writes


_CONDITIONAL_SECRET = re.compile(
    r"resource \w+ 'Microsoft\.KeyVault/vaults/secrets@[\w-]+' = if \(!empty\((\w+)\)\)"
)


def _vault_vars() -> dict[str, str]:
    return {
        d.name: d.rest.removeprefix("=").strip().strip("'")
        for d in bicep.declarations("var")
        if d.path.name == "vault.bicep"
    }


def _platform(expression: str) -> str:
    if expression in PLATFORM_VALUES:
        return PLATFORM_VALUES[expression]
    assert re.fullmatch(r"'[^']*'", expression), expression
    return re.sub(r"\$\{(\w+)\}", lambda m: PLATFORM_VALUES[m.group(1)], expression[1:-1])


def _literal(text: str, kind: str, *, quoted: bool = True) -> str | int | bool:
    if kind == "int":
        return int(text)
    if kind == "bool":
        assert text in ("true", "false"), text
        return text == "true"
    return text[1:-1] if quoted else text


def _evaluate(expression: str, values: Mapping[str, str | int | bool]) -> str:
    """The Bicep expressions appSettings uses: a parameter, string(parameter), parameter ? 'a' : 'b',
    a literal string (with ${site.properties.defaultHostName})."""
    expression = expression.strip()
    if match := re.fullmatch(r"(\w+) \? '([^']*)' : '([^']*)'", expression):
        return match.group(2) if values[match.group(1)] else match.group(3)
    if match := re.fullmatch(r"string\((\w+)\)", expression):
        return str(values[match.group(1)])
    if re.fullmatch(r"'[^']*'", expression):
        return expression[1:-1].replace("${site.properties.defaultHostName}", HOST_NAME)
    value = values[expression]
    assert isinstance(value, str), expression  # a bare int or bool would not be a string setting
    return value
