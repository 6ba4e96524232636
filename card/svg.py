"""A small SVG 1.1 writer on ElementTree: every text and attribute value is escaped when serialized,
and characters XML cannot carry are dropped first, so data can never become markup."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
FONT = "-apple-system, BlinkMacSystemFont, 'Segoe UI', Helvetica, Arial, sans-serif"
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_SPACES = re.compile(r"\s+")

Attribute = str | int | float


def clean(text: str, limit: int | None = None) -> str:
    """One line of plain text that XML can carry, cut to ``limit`` characters with an ellipsis."""
    line = _SPACES.sub(" ", _NOT_XML.sub("", text)).strip()
    if limit is not None and len(line) > limit:
        line = line[: limit - 1].rstrip() + "…"
    return line


def _value(value: Attribute) -> str:
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".")
    return clean(str(value))


def root(width: int, height: int, title: str) -> ET.Element:
    svg = ET.Element(
        "svg",
        {
            "xmlns": SVG_NS,
            "xmlns:xlink": XLINK_NS,
            "version": "1.1",
            "width": str(width),
            "height": str(height),
            "viewBox": f"0 0 {width} {height}",
            "font-family": FONT,
        },
    )
    ET.SubElement(svg, "title").text = clean(title)
    return svg


def add(parent: ET.Element, tag: str, text: str | None = None, **attributes: Attribute) -> ET.Element:
    """A child element; attribute names use ``_`` for ``-`` (``font_size`` -> ``font-size``)."""
    element = ET.SubElement(
        parent, tag, {name.replace("_", "-"): _value(value) for name, value in attributes.items()}
    )
    if text is not None:
        element.text = clean(text)
    return element


def link(parent: ET.Element, href: str) -> ET.Element:
    """An SVG 1.1 link; ``href`` must be built by the caller from trusted parts."""
    return ET.SubElement(parent, "a", {"xlink:href": href, "target": "_blank"})


def serialize(svg: ET.Element) -> bytes:
    body = ET.tostring(svg, encoding="unicode", short_empty_elements=True)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n").encode()
