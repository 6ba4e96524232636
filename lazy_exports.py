"""A package's ``__getattr__`` that imports each re-exported name from its module on first use (PEP 562),
so importing one module of a package does not compile the rest (cold start, tests/app/test_cold_start.py)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from importlib import import_module
from typing import Any


def lazy_exports(package: str, homes: Mapping[str, str]) -> Callable[[str], Any]:
    """``__getattr__ = lazy_exports(__name__, {"Name": "package.module", ...})``."""

    def __getattr__(name: str) -> Any:
        home = homes.get(name)
        if home is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(import_module(home), name)
        setattr(sys.modules[package], name, value)  # found directly from now on
        return value

    return __getattr__
