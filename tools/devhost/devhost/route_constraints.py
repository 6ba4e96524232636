"""Inline route constraints of ASP.NET route templates (``{id:int}``, ``{s:length(2,8)}``...).

Pure functions: each constraint is a predicate over the decoded segment value,
built once when the template is parsed. Unknown constraints fail at startup.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime

Constraint = Callable[[str], bool]

_INT = re.compile(r"[+-]?\d+\Z")
_DOUBLE = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\Z")
_DECIMAL = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)\Z")
_ALPHA = re.compile(r"[A-Za-z]+\Z")
_HEX = r"[0-9A-Fa-f]"
_GUID_D = rf"{_HEX}{{8}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{12}}"
_GUID = re.compile(rf"({_GUID_D}|{_HEX}{{32}}|\{{{_GUID_D}\}}|\({_GUID_D}\))\Z")
_DATETIME_FORMATS = ("%m/%d/%Y", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M")


def _integer_in(low: int, high: int) -> Constraint:
    return lambda v: bool(_INT.match(v)) and low <= int(v) <= high


def _is_datetime(value: str) -> bool:
    text = value[:-1] + "+00:00" if value.endswith(("Z", "z")) else value
    try:
        datetime.fromisoformat(text)
        return True
    except ValueError:
        pass
    for fmt in _DATETIME_FORMATS:
        try:
            datetime.strptime(value, fmt)
            return True
        except ValueError:
            continue
    return False


_INT32 = (-(2**31), 2**31 - 1)
_INT64 = (-(2**63), 2**63 - 1)

_SIMPLE: dict[str, Constraint] = {
    "int": _integer_in(*_INT32),
    "long": _integer_in(*_INT64),
    "bool": lambda v: v.lower() in ("true", "false"),
    "guid": lambda v: bool(_GUID.match(v)),
    "alpha": lambda v: bool(_ALPHA.match(v)),
    "double": lambda v: bool(_DOUBLE.match(v)),
    "float": lambda v: bool(_DOUBLE.match(v)),
    "decimal": lambda v: bool(_DECIMAL.match(v)),
    "datetime": _is_datetime,
    "required": lambda v: v != "",
}


def _ints(name: str, args: list[str], count: int) -> list[int]:
    if len(args) != count or not all(_INT.match(a.strip()) for a in args):
        raise ValueError(f"route constraint {name!r} needs {count} integer argument(s)")
    return [int(a) for a in args]


def _number_at_least(low: int) -> Constraint:
    return lambda v: bool(_INT.match(v)) and int(v) >= low


def _number_at_most(high: int) -> Constraint:
    return lambda v: bool(_INT.match(v)) and int(v) <= high


def _with_arguments(name: str, raw: str) -> Constraint:
    if name == "regex":
        pattern = re.compile(raw, re.IGNORECASE)
        return lambda v: pattern.search(v) is not None
    args = raw.split(",")
    if name == "min":
        return _number_at_least(_ints(name, args, 1)[0])
    if name == "max":
        return _number_at_most(_ints(name, args, 1)[0])
    if name == "range":
        low, high = _ints(name, args, 2)
        return _integer_in(low, high)
    if name == "length":
        bounds = _ints(name, args, 2 if len(args) == 2 else 1)
        low, high = bounds[0], bounds[-1]
        return lambda v: low <= len(v) <= high
    if name == "minlength":
        least = _ints(name, args, 1)[0]
        return lambda v: len(v) >= least
    if name == "maxlength":
        most = _ints(name, args, 1)[0]
        return lambda v: len(v) <= most
    raise ValueError(f"unknown route constraint {name!r}")


def build_constraint(text: str) -> Constraint:
    """``"int"`` or ``"range(1,5)"`` -> predicate; raises ValueError for unknown or malformed ones."""
    if "(" in text:
        if not text.endswith(")"):
            raise ValueError(f"malformed route constraint {text!r}")
        name, raw = text[: text.index("(")], text[text.index("(") + 1 : -1]
        return _with_arguments(name.lower(), raw)
    simple = _SIMPLE.get(text.lower())
    if simple is None:
        raise ValueError(f"unknown route constraint {text!r}")
    return simple


def split_constraints(text: str) -> list[str]:
    """Split ``int:min(1):regex(a:b)`` on colons outside parentheses."""
    parts: list[str] = []
    depth, start = 0, 0
    for i, char in enumerate(text):
        if char == "(":
            depth += 1
        elif char == ")":
            depth = max(depth - 1, 0)
        elif char == ":" and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return parts
