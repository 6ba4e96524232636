"""The embeddable SVG card: options from the query string, units, and a pure SVG renderer. No I/O."""

from card.options import CardOptions, InvalidOptionError, parse_card_options
from card.render import render_card

__all__ = ["CardOptions", "InvalidOptionError", "parse_card_options", "render_card"]
