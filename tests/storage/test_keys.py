from __future__ import annotations

import pytest

from storage import InvalidKeyError, athlete_key, check_key


@pytest.mark.parametrize(("given", "key"), [(1, "1"), ("42", "42"), (2**63 - 1, str(2**63 - 1))])
def test_athlete_key_is_canonical_decimal(given: int | str, key: str) -> None:
    assert athlete_key(given) == key


@pytest.mark.parametrize(
    "bad",
    ["abc", "-1", "1/2", "", "1 or 1", "../x", "1e3", "01", " 1", "1\n", "٣", 0, -1, 2**63, True, 1.0, None],
)
def test_athlete_key_refuses_anything_else(bad: object) -> None:
    with pytest.raises(InvalidKeyError, match="athlete id"):
        athlete_key(bad)  # type: ignore[arg-type]


def test_huge_athlete_id_is_not_echoed() -> None:
    huge = "9" * 100_000
    with pytest.raises(InvalidKeyError) as caught:
        athlete_key(huge)
    assert len(str(caught.value)) < 200


@pytest.mark.parametrize("bad", ["a/b", "a\\b", "a#b", "a?b", "a\x00b", "a\tb", "a\x7fb", "a\x85b"])
def test_check_key_refuses_forbidden_characters(bad: str) -> None:
    with pytest.raises(InvalidKeyError, match="contains"):
        check_key(bad)


def test_check_key_limits_size_in_utf16_bytes() -> None:
    assert check_key("k" * 512) == "k" * 512
    with pytest.raises(InvalidKeyError, match="1026 bytes"):
        check_key("k" * 513)
    assert check_key("athlete-1_x.y") == "athlete-1_x.y"
