"""ASP.NET-style route templates as the Functions host matches them (pure, no I/O).

Templates have literals, ``{p}``, optional ``{p?}``, defaults ``{p=x}``, catch-all ``{*p}``,
inline constraints ``{p:int:min(1)}`` and complex segments such as ``{name}.{ext}``.
Matching is case-insensitive; when several templates match, the most specific wins
(per segment: literal, complex, constrained parameter, parameter, catch-all).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar
from urllib.parse import unquote

from devhost.route_constraints import Constraint, build_constraint, split_constraints

T = TypeVar("T")


@dataclass(frozen=True)
class Literal:
    text: str


@dataclass(frozen=True)
class Parameter:
    name: str
    constraints: tuple[Constraint, ...] = ()
    optional: bool = False
    catch_all: bool = False
    default: str | None = None

    def accepts(self, value: str) -> bool:
        return all(check(value) for check in self.constraints)


Part = Literal | Parameter


@dataclass(frozen=True)
class Segment:
    parts: tuple[Part, ...]
    pattern: re.Pattern[str] | None = None  # only for complex segments

    @property
    def single_parameter(self) -> Parameter | None:
        only = self.parts[0] if len(self.parts) == 1 else None
        return only if isinstance(only, Parameter) else None

    @property
    def precedence(self) -> int:
        if len(self.parts) > 1:
            return 2
        part = self.parts[0]
        if isinstance(part, Literal):
            return 1
        if part.catch_all:
            return 5
        return 3 if part.constraints else 4

    def can_be_absent(self) -> bool:
        param = self.single_parameter
        return param is not None and (param.optional or param.catch_all or param.default is not None)


@dataclass(frozen=True)
class RouteTemplate:
    text: str
    segments: tuple[Segment, ...]

    @property
    def precedence(self) -> tuple[int, ...]:
        return tuple(segment.precedence for segment in self.segments)

    def match(self, path_segments: Sequence[str]) -> dict[str, str] | None:
        """Route values when the decoded ``path_segments`` match, else None."""
        values: dict[str, str] = {}
        for i, segment in enumerate(self.segments):
            param = segment.single_parameter
            if param is not None and param.catch_all:
                return values if _bind(param, "/".join(path_segments[i:]), values) else None
            if i >= len(path_segments):
                return values if _bind_absent(self.segments[i:], values) else None
            if not _match_segment(segment, path_segments[i], values):
                return None
        return values if len(path_segments) == len(self.segments) else None


def _bind(param: Parameter, value: str, values: dict[str, str]) -> bool:
    if value == "":
        if param.default is not None:
            values[param.name] = param.default
        return param.optional or param.catch_all or param.default is not None
    if not param.accepts(value):
        return False
    values[param.name] = value
    return True


def _bind_absent(rest: Sequence[Segment], values: dict[str, str]) -> bool:
    if not all(segment.can_be_absent() for segment in rest):
        return False
    for segment in rest:
        param = segment.single_parameter
        if param is not None and param.default is not None:
            values[param.name] = param.default
    return True


def _match_segment(segment: Segment, value: str, values: dict[str, str]) -> bool:
    if segment.pattern is None:
        part = segment.parts[0]
        if isinstance(part, Literal):
            return part.text.casefold() == value.casefold()
        return value != "" and _bind(part, value, values)
    found = segment.pattern.fullmatch(value)
    if found is None:
        return False
    params = [p for p in segment.parts if isinstance(p, Parameter)]
    captured = {p.name: found.group(f"p{i}") for i, p in enumerate(params)}
    if not all(p.accepts(captured[p.name]) for p in params):
        return False
    values.update(captured)
    return True


def _parse_parameter(text: str) -> Parameter:
    catch_all = text.startswith("*")
    body = text.lstrip("*")
    optional = body.endswith("?")
    body = body[:-1] if optional else body
    name_end = min((i for i in (body.find(":"), body.find("=")) if i >= 0), default=len(body))
    name, rest = body[:name_end], body[name_end:]
    default: str | None = None
    eq = _top_level_index(rest, "=")
    if eq >= 0:
        rest, default = rest[:eq], rest[eq + 1 :]
    if not re.fullmatch(r"\w+", name):
        raise ValueError(f"invalid route parameter name in {{{text}}}")
    constraints = tuple(build_constraint(c) for c in split_constraints(rest[1:])) if rest else ()
    return Parameter(name, constraints, optional, catch_all, default)


def _top_level_index(text: str, char: str) -> int:
    depth = 0
    for i, c in enumerate(text):
        depth += (c == "(") - (c == ")")
        if c == char and depth <= 0:
            return i
    return -1


def _parse_parts(segment: str) -> list[Part]:
    parts: list[Part] = []
    literal, i = "", 0
    while i < len(segment):
        char = segment[i]
        if segment.startswith(("{{", "}}"), i):
            literal, i = literal + char, i + 2
        elif char == "{":
            if literal:
                parts.append(Literal(literal))
                literal = ""
            inner, i = _read_parameter(segment, i + 1)
            parts.append(_parse_parameter(inner))
        elif char == "}":
            raise ValueError(f"unbalanced '}}' in route segment {segment!r}")
        else:
            literal, i = literal + char, i + 1
    if literal:
        parts.append(Literal(literal))
    return parts


def _read_parameter(segment: str, i: int) -> tuple[str, int]:
    inner = ""
    while i < len(segment):
        if segment.startswith(("}}", "{{"), i):
            inner, i = inner + segment[i], i + 2
        elif segment[i] == "}":
            return inner, i + 1
        else:
            inner, i = inner + segment[i], i + 1
    raise ValueError(f"unterminated '{{' in route segment {segment!r}")


def _complex_pattern(parts: list[Part]) -> re.Pattern[str]:
    pieces: list[str] = []
    group = 0
    for part in parts:
        if isinstance(part, Literal):
            pieces.append(re.escape(part.text))
            continue
        if part.optional or part.catch_all:
            raise ValueError("optional and catch-all parameters must be alone in their segment")
        pieces.append(f"(?P<p{group}>.+)")
        group += 1
    return re.compile("".join(pieces), re.IGNORECASE | re.DOTALL)


def parse_template(text: str) -> RouteTemplate:
    """Parse a route template; raises ValueError with the reason if it is invalid."""
    raw_segments = text.strip("/").split("/") if text.strip("/") else []
    segments: list[Segment] = []
    for raw in raw_segments:
        if raw == "":
            raise ValueError(f"route template {text!r} has an empty segment")
        parts = _parse_parts(raw)
        pattern = _complex_pattern(parts) if len(parts) > 1 else None
        segments.append(Segment(tuple(parts), pattern))
    for i, segment in enumerate(segments):
        param = segment.single_parameter
        if param is not None and param.catch_all and i != len(segments) - 1:
            raise ValueError(f"route template {text!r}: a catch-all parameter must be last")
    names = [p.name.lower() for s in segments for p in s.parts if isinstance(p, Parameter)]
    if len(names) != len(set(names)):
        raise ValueError(f"route template {text!r} repeats a parameter name")
    return RouteTemplate(text, tuple(segments))


def split_path(path: str) -> list[str]:
    """Raw (percent-encoded) path below the route prefix -> decoded segments; a trailing '/' is ignored."""
    trimmed = path.strip("/")
    return [unquote(s) for s in trimmed.split("/")] if trimmed else []


@dataclass(frozen=True)
class Route(Generic[T]):
    template: RouteTemplate
    methods: tuple[str, ...]  # upper-case; empty = any
    target: T

    def allows(self, method: str) -> bool:
        return not self.methods or method.upper() in self.methods


@dataclass(frozen=True)
class RouteMatch(Generic[T]):
    route: Route[T]
    values: dict[str, str]


@dataclass(frozen=True)
class MethodNotAllowed:
    allowed: tuple[str, ...]


@dataclass
class RouteTable(Generic[T]):
    """Routes ordered most specific first; :meth:`resolve` picks the winner for a request."""

    routes: list[Route[T]] = field(default_factory=list)

    def add(self, template: str, methods: Sequence[str], target: T) -> None:
        self.routes.append(Route(parse_template(template), tuple(m.upper() for m in methods), target))
        self.routes.sort(key=lambda r: (r.template.precedence, r.template.text.lower()))

    def resolve(self, path_segments: Sequence[str], method: str) -> RouteMatch[T] | MethodNotAllowed | None:
        """The best route for ``method``; MethodNotAllowed if only other methods match; None if none does."""
        allowed: set[str] = set()
        for route in self.routes:
            values = route.template.match(path_segments)
            if values is None:
                continue
            if route.allows(method):
                return RouteMatch(route, values)
            allowed.update(route.methods)
        return MethodNotAllowed(tuple(sorted(allowed))) if allowed else None
