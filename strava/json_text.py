"""JSON text looked at without parsing it (pure, no imports of its own)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class BracketScan:
    """How JSON text's arrays and objects nest: the depth at its end, the deepest, an open string."""

    depth: int
    deepest: int
    in_string: bool


def scan_brackets(text: bytes) -> BracketScan:
    """One pass over JSON text counting ``[``/``{`` against ``]``/``}`` outside strings (no parsing)."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in text:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            deepest = max(deepest, depth)
        elif byte in (0x5D, 0x7D):  # ] }
            depth -= 1
    return BracketScan(depth, deepest, in_string)
