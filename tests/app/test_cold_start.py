"""Cold start: ``import function_app`` loads what indexing the functions needs, not what only some
requests do (the figures: ``python -m bench.import_cost``, docs/benchmarks.md)."""

from __future__ import annotations

import ast
import inspect
import json
import subprocess
import sys
from collections.abc import Callable
from importlib import import_module
from pathlib import Path
from typing import Any

import pytest

import storage

ROOT = Path(__file__).resolve().parents[2]
LAZY = ("card", "card.render", "api.openapi_paths", "azure.identity", "msal", "cryptography")

# The app's modules that indexing loads: each package's registrations (``<package>/functions.py``: the
# decorators and the signatures the worker reads) and the names and result types they use. Every body
# (handlers, activities, orchestrators, the job) loads in its function, on a process's first call. A
# module that joins this list costs every cold start its compile time (a package without __pycache__
# compiles each one): keep registrations thin (docs/architecture.md, "Cold start").
AT_INDEXING = frozenset(
    {
        "function_app",
        *("activities", "api", "orchestrations", "scheduled"),
        *("activities.functions", "api.functions", "orchestrations.functions", "scheduled.functions"),
        *("orchestrations.contract", "orchestrations.history_contract"),
    }
)


def _app_packages() -> set[str]:
    """The top-level names the app ships: its root modules and packages (not tests or tools)."""
    names = {path.stem for path in ROOT.glob("*.py")}
    names |= {path.parent.name for path in ROOT.glob("*/__init__.py")}
    return names - {"tests", "tools"}


def _after_importing_the_app() -> dict[str, object]:
    code = (
        "import gc, json, sys\nimport function_app\n"
        f"app = {sorted(_app_packages())!r}\n"
        "print(json.dumps({\n"
        "    'modules': sorted(m for m in sys.modules if m.split('.')[0] in app),\n"
        f"    'lazy': [m for m in {LAZY!r} if m in sys.modules],\n"
        "    'frozen': gc.get_freeze_count(),\n"
        "}))"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    found: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return found


def test_importing_the_app_leaves_the_card_the_openapi_document_and_azure_identity_out() -> None:
    found = _after_importing_the_app()
    assert found["lazy"] == []
    assert isinstance(found["frozen"], int)
    assert found["frozen"] > 10_000  # the libraries' objects left the collector before the app loaded


def test_importing_the_app_loads_only_the_modules_indexing_needs() -> None:
    modules = _after_importing_the_app()["modules"]
    assert isinstance(modules, list)
    assert sorted(set(modules) - AT_INDEXING) == []


def test_a_package_name_loads_from_its_module_and_an_unknown_one_is_an_attribute_error() -> None:
    from storage.snapshots import SnapshotStore

    assert storage.SnapshotStore is SnapshotStore
    assert "SnapshotStore" in vars(storage)  # looked up once, then an ordinary attribute
    with pytest.raises(AttributeError, match="no attribute 'Missing'"):
        _ = storage.Missing  # type: ignore[attr-defined]


def test_every_function_signature_resolves_at_indexing() -> None:
    """The worker reads each function's type hints when it indexes the app, so a name a trigger's
    signature uses must be imported at run time, never only under ``TYPE_CHECKING`` (a fresh
    interpreter: ``get_functions`` builds the functions once per app)."""
    code = (
        "import typing\nimport function_app\n"
        "functions = function_app.app.get_functions()\n"
        "for function in functions:\n"
        "    typing.get_type_hints(function.get_user_function())\n"
        "print(len(functions))"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr.strip().splitlines()[-1:]
    assert int(done.stdout.strip().splitlines()[-1]) > 0


def _registrations() -> list[tuple[str, ast.AsyncFunctionDef | ast.FunctionDef]]:
    """Every registered function of ``<package>/functions.py``, with the package it is in."""
    found = []
    for package in ("activities", "api", "orchestrations", "scheduled"):
        tree = ast.parse((ROOT / package / "functions.py").read_text())
        found += [
            (package, node)
            for node in tree.body
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.decorator_list
        ]
    return found


def _body_of(registration: ast.AsyncFunctionDef | ast.FunctionDef) -> Callable[..., Any]:
    """What a registration calls: ``from m import n`` then ``n.f(...)`` (awaited) or ``yield from n(...)``."""
    statements = [node for node in registration.body if not isinstance(node, ast.Expr)]  # no docstring
    assert len(statements) == 2, f"{registration.name}: an import and a return, no logic"
    imported, returned = statements
    assert isinstance(imported, ast.ImportFrom) and imported.module and isinstance(returned, ast.Return)
    bound: dict[str, Any] = {}
    for alias in imported.names:
        try:
            bound[alias.asname or alias.name] = import_module(f"{imported.module}.{alias.name}")
        except ModuleNotFoundError:
            bound[alias.asname or alias.name] = getattr(import_module(imported.module), alias.name)
    call = returned.value
    call = call.value if isinstance(call, ast.Await | ast.YieldFrom) else call
    assert isinstance(call, ast.Call)
    if isinstance(call.func, ast.Attribute) and isinstance(call.func.value, ast.Name):
        body: Callable[..., Any] = getattr(bound[call.func.value.id], call.func.attr)
    else:
        assert isinstance(call.func, ast.Name)
        body = bound[call.func.id]
    return body


@pytest.mark.parametrize(
    ("package", "registration"), _registrations(), ids=lambda value: getattr(value, "name", value)
)
def test_a_registration_calls_a_body_that_takes_its_parameters(
    package: str, registration: ast.AsyncFunctionDef | ast.FunctionDef
) -> None:
    """A registration imports its body only when called, so a misspelt module or name, or a body that
    takes other parameters, would fail on a first call in production: here it fails at once."""
    body = _body_of(registration)
    assert list(inspect.signature(body).parameters) == [arg.arg for arg in registration.args.args]
    if package == "orchestrations":
        assert inspect.isgeneratorfunction(body)
    else:
        assert inspect.iscoroutinefunction(body) is isinstance(registration, ast.AsyncFunctionDef)
