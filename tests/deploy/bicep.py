"""Just enough Bicep reading for structural checks (no compiler offline): comments stripped, strings
skipped while matching braces, declarations and object keys found by pattern."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
INFRA = ROOT / "infra"

_DECLARATION = re.compile(r"^(resource|module|param|var|output)\s+(\w+)\s+(.*)$", re.MULTILINE)
_RESOURCE_TYPE = re.compile(r"^resource\s+\w+\s+'([\w./]+)@([\w-]+)'", re.MULTILINE)
_KEY = re.compile(r"^\s*'?([A-Za-z_][\w-]*)'?\s*:\s*(.*?)\s*$")


def files() -> list[Path]:
    return sorted(INFRA.rglob("*.bicep"))


def source(path: Path) -> str:
    """The file without ``//`` comments (outside strings)."""
    out, text, i = [], path.read_text(), 0
    while i < len(text):
        if text[i] == "'":
            end = _string_end(text, i)
            out.append(text[i:end])
            i = end
        elif text.startswith("//", i):
            i = text.find("\n", i) if "\n" in text[i:] else len(text)
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def _string_end(text: str, start: int) -> int:
    i = start + 1
    while text[i] != "'":
        i += 2 if text[i] == "\\" else 1
    return i + 1


def block(text: str, marker: str) -> str:
    """The ``{...}`` or ``[...]`` body that follows the first occurrence of ``marker``."""
    start = text.index(marker) + len(marker)
    opening = min(i for i in (text.find("{", start), text.find("[", start)) if i >= 0)
    closing = {"{": "}", "[": "]"}[text[opening]]
    depth, i = 0, opening
    while True:
        char = text[i]
        if char == "'":
            i = _string_end(text, i)
            continue
        if char in "{[":
            depth += 1
        elif char in "}]":
            depth -= 1
            if depth == 0:
                assert char == closing
                return text[opening + 1 : i]
        i += 1


def keys(body: str) -> dict[str, str]:
    """Top-level ``key: value`` pairs of an object body (nested objects' keys are skipped)."""
    found: dict[str, str] = {}
    depth = 0
    for line in body.splitlines():
        match = _KEY.match(line)
        if depth == 0 and match:
            found[match.group(1)] = match.group(2)
        depth += _balance(line)
    return found


def _balance(line: str) -> int:
    without_strings = re.sub(r"'(?:\\.|[^'\\])*'", "''", line)
    return sum(without_strings.count(c) for c in "{[") - sum(without_strings.count(c) for c in "}]")


@dataclass(frozen=True)
class Declaration:
    kind: str
    name: str
    rest: str
    path: Path
    decorators: tuple[str, ...]  # the ``@...`` lines right above it


def declarations(kind: str) -> list[Declaration]:
    found = []
    for path in files():
        text = source(path)
        for match in _DECLARATION.finditer(text):
            if match.group(1) != kind:
                continue
            above = text[: match.start()].rstrip("\n").splitlines()
            decorators: list[str] = []
            while above and above[-1].startswith("@"):
                decorators.insert(0, above.pop())
            found.append(Declaration(kind, match.group(2), match.group(3), path, tuple(decorators)))
    return found


def resource_types() -> set[tuple[str, str]]:
    """Every ``(type, apiVersion)`` declared (child resources are declared with full types and ``parent``)."""
    return {found for path in files() for found in _RESOURCE_TYPE.findall(source(path))}
