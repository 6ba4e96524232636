"""The drawing budget: new cards and posters spend from a bucket of drawing time; pictures already drawn
are served without it (a fake clock: no sleeping)."""

from __future__ import annotations

import json

import pytest

from api import embeds
from api.caching import CODINGS, encode
from api.drawing_budget import DrawingBudget, DrawingBusyError
from card import parse_card_options
from tests.card.documents import snapshot


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def draw(budget: DrawingBudget, clock: FakeClock, seconds: float) -> None:
    with budget.drawing():
        clock.now += seconds


def drawn_before_busy(budget: DrawingBudget, clock: FakeClock, seconds: float) -> int:
    for count in range(1000):
        try:
            draw(budget, clock, seconds)
        except DrawingBusyError:
            return count
    raise AssertionError("never busy")


def test_a_burst_is_drawn_then_new_drawings_wait_for_the_share_to_refill() -> None:
    clock = FakeClock()
    budget = DrawingBudget(burst_s=1.0, share=0.25, clock=clock)
    # back to back, 100 ms pictures: 1 s of burst, refilled by a quarter of the time they take (~4/3 s;
    # the last may overdraw)
    assert drawn_before_busy(budget, clock, 0.1) in (13, 14)
    clock.now += 0.5  # refills 0.125 s: one or two more
    assert drawn_before_busy(budget, clock, 0.1) in (1, 2)
    clock.now += 3600  # an idle hour refills the burst, never more
    assert drawn_before_busy(budget, clock, 0.1) in (13, 14)


def test_sustained_drawing_is_held_to_its_share_of_one_core() -> None:
    clock = FakeClock()
    budget = DrawingBudget(burst_s=1.0, share=0.25, clock=clock)
    drawn_s = 0.0
    for _ in range(100_000):  # a client asking for a new picture every millisecond for 100 s
        try:
            draw(budget, clock, 0.01)
            drawn_s += 0.01
        except DrawingBusyError:
            clock.now += 0.001
    elapsed = clock.now - 100.0
    assert drawn_s <= 1.0 + 0.25 * elapsed + 0.01


def test_the_card_draws_new_options_from_the_budget_and_serves_drawn_ones_without_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = FakeClock()

    def ticking() -> float:  # each drawing seems to take 0.5 s, on any machine
        clock.now += 0.5
        return clock.now

    monkeypatch.setattr(embeds, "DRAWING", DrawingBudget(burst_s=0.1, share=0.25, clock=ticking))
    body = json.dumps(snapshot()).encode()
    light = parse_card_options({"theme": "light"})
    dark = parse_card_options({"theme": "dark", "units": "imperial"})
    embeds._render.cache_clear()
    try:
        first = embeds._render(body, light)
        with pytest.raises(DrawingBusyError):
            embeds._render(body, dark)  # a new combination waits
        assert embeds._render(body, light) == first  # the drawn one is served from memory
    finally:
        embeds._render.cache_clear()


def test_every_picture_in_memory_stays_compressed_in_memory() -> None:
    """Else a client cycling through the pictures already drawn, in both codings, makes the process
    compress them again and again without spending the drawing budget."""
    drawn = [embeds._render, embeds._render_poster, embeds._widget_document_body]
    in_memory = sum(cached.cache_info().maxsize or 0 for cached in drawn)
    assert (encode.cache_info().maxsize or 0) >= len(CODINGS) * in_memory
