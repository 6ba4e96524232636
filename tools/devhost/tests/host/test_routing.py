"""Route templates as the Functions host matches them (pure)."""

from __future__ import annotations

import pytest
from devhost.routing import MethodNotAllowed, RouteMatch, RouteTable, parse_template, split_path


def match(template: str, path: str) -> dict[str, str] | None:
    return parse_template(template).match(split_path(path))


@pytest.mark.parametrize(
    ("template", "path", "expected"),
    [
        ("users/{id}", "users/42", {"id": "42"}),
        ("Users/{id}", "USERS/abc", {"id": "abc"}),
        ("users/{id}", "users/42/", {"id": "42"}),
        ("users/{id}", "users", None),
        ("users/{id}", "users/1/2", None),
        ("users/{id?}", "users", {}),
        ("users/{id=7}", "users", {"id": "7"}),
        ("files/{*path}", "files/a/b/c.txt", {"path": "a/b/c.txt"}),
        ("files/{*path}", "files", {}),
        ("files/{name}.{ext}", "files/report.v2.pdf", {"name": "report.v2", "ext": "pdf"}),
        ("files/{name}.{ext}", "files/report", None),
        ("say/{word}", "say/hello%20world", {"word": "hello world"}),
    ],
)
def test_template_matching(template: str, path: str, expected: dict[str, str] | None) -> None:
    assert match(template, path) == expected


@pytest.mark.parametrize(
    ("constraint", "accepted", "rejected"),
    [
        ("int", ["0", "-12", "2147483647"], ["2147483648", "1.5", "x"]),
        ("long", ["9223372036854775807"], ["9223372036854775808", "abc"]),
        ("bool", ["true", "FALSE"], ["yes", "1"]),
        ("guid", ["6f9619ff-8b86-d011-b42d-00c04fc964ff", "{6F9619FF-8B86-D011-B42D-00C04FC964FF}"], ["123"]),
        ("alpha", ["abcXYZ"], ["abc1", "a-b"]),
        ("double", ["1.5", "-2", "1e3", ".5"], ["1.2.3", "abc"]),
        ("datetime", ["2024-05-01", "2024-05-01T10:00:00Z", "05/01/2024"], ["2024-13-01", "tomorrow"]),
        ("min(10)", ["10", "99"], ["9", "x"]),
        ("max(10)", ["10", "-3"], ["11"]),
        ("range(1,5)", ["1", "5"], ["0", "6"]),
        ("length(3)", ["abc"], ["ab", "abcd"]),
        ("length(2,4)", ["ab", "abcd"], ["a", "abcde"]),
        ("minlength(2)", ["ab"], ["a"]),
        ("maxlength(2)", ["ab"], ["abc"]),
        ("regex(^[a-z]{{2}}\\d+$)", ["ab12", "AB3"], ["a12", "abc1"]),
        ("int:min(1):max(3)", ["1", "3"], ["0", "4", "x"]),
    ],
)
def test_constraints(constraint: str, accepted: list[str], rejected: list[str]) -> None:
    template = parse_template(f"x/{{v:{constraint}}}")
    for value in accepted:
        assert template.match(["x", value]) == {"v": value}, value
    for value in rejected:
        assert template.match(["x", value]) is None, value


def test_optional_constrained_parameter() -> None:
    assert match("items/{id:int?}", "items") == {}
    assert match("items/{id:int?}", "items/3") == {"id": "3"}
    assert match("items/{id:int?}", "items/x") is None


@pytest.mark.parametrize(
    "template",
    ["a/{id", "a/id}", "a/{id:nosuch}", "a/{*rest}/b", "a/{x}/{X}", "a//b", "a/{x?}.{y}", "a/{-}"],
)
def test_invalid_templates_fail(template: str) -> None:
    with pytest.raises(ValueError, match=r"\S"):
        parse_template(template)


def build_table() -> RouteTable[str]:
    table: RouteTable[str] = RouteTable()
    table.add("{*all}", [], "catch_all")
    table.add("users/{name}", ["GET"], "by_name")
    table.add("users/{id:int}", ["GET"], "by_id")
    table.add("users/me", ["GET"], "me")
    table.add("users/me", ["DELETE"], "delete_me")
    table.add("orders/{id}", ["POST", "PUT"], "order")
    return table


@pytest.mark.parametrize(
    ("path", "method", "target"),
    [
        ("users/me", "GET", "me"),
        ("users/ME", "delete", "delete_me"),
        ("users/42", "GET", "by_id"),
        ("users/bob", "GET", "by_name"),
        ("anything/else", "PATCH", "catch_all"),
    ],
)
def test_most_specific_route_wins(path: str, method: str, target: str) -> None:
    found = build_table().resolve(split_path(path), method)
    assert isinstance(found, RouteMatch)
    assert found.route.target == target


def test_wrong_method_lists_allowed_methods() -> None:
    table: RouteTable[str] = RouteTable()
    table.add("orders/{id}", ["POST", "PUT"], "order")
    table.add("orders/{id:int}", ["DELETE"], "delete")
    assert table.resolve(split_path("orders/1"), "GET") == MethodNotAllowed(("DELETE", "POST", "PUT"))
    assert table.resolve(split_path("orders/x"), "GET") == MethodNotAllowed(("POST", "PUT"))
    assert table.resolve(split_path("nothing"), "GET") is None
