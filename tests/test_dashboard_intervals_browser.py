"""The intervals dashboard in real Voila and headless Chromium: it draws, the session picker
changes the repeat bars and the route, and the units switch changes the pace."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import ROOT
from serving import (
    Server,
    chart_data,
    open_page,
    wait_changed,
    wait_for_charts,
)

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("voila")]

ARTIFACTS = ROOT / "test-artifacts" / "screenshots"
FAST, PACE, REPEATS, ROUTE = range(4)
"""The page's charts, in order."""
PICKER = ".stridekit-session-picker select"
MILE = 1.609344


def open_intervals(browser: Any, server: Server, query: str = "") -> tuple[Any, Any]:
    page, seen = open_page(browser, f"{server.url}/voila/render/intervals.ipynb{query}")
    wait_for_charts(page, 4, timeout_ms=120_000)
    return page, seen


def trace(traces: list[dict[str, Any]], name: str) -> dict[str, Any]:
    return next(t for t in traces if t["name"] == name)


def test_intervals_page_draws_and_the_picker_changes_the_session(
    browser: Any, server: Server
) -> None:
    page, seen = open_intervals(browser, server)
    heights = page.evaluate(
        "[...document.querySelectorAll('.js-plotly-plot')]"
        ".map(e => e.getBoundingClientRect().height)"
    )
    assert len(heights) == 4 and min(heights) >= 200, heights
    weeks = {x for t in chart_data(page, FAST) for x in t["x"]}
    assert len(weeks) >= 20, "the sample's 26 weeks"
    hint = page.locator(".stridekit-next-step").inner_text()
    assert hint.startswith("Next step:")

    shown = page.locator(f"{PICKER} option").all_inner_texts()  # spaces shown as &nbsp;
    options = [o.replace("\xa0", " ") for o in shown]
    assert len(options) == 35 and options[0].startswith("Tue 01 Jul 2025")
    bars = chart_data(page, REPEATS)
    assert len(trace(bars, "repeat")["x"]) == 5  # the newest session: 5 planted repeats
    route = chart_data(page, ROUTE)
    assert {t["name"] for t in route} == {"route", "repeats", "start"}

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1280, "height": 2300})  # Voila scrolls inside the page
    page.wait_for_timeout(500)  # let plotly settle at the new size
    page.screenshot(path=str(ARTIFACTS / "intervals.png"))

    page.select_option(PICKER, index=options.index(next(o for o in options if "04 Mar" in o)))
    after = wait_changed(page, REPEATS, bars)
    assert len(trace(after, "repeat")["x"]) == 6  # planted: 6 x 50 s
    assert all(47 <= y <= 53 for y in trace(after, "repeat")["y"])
    moved = wait_changed(page, ROUTE, route)
    assert trace(moved, "route")["x"] != trace(route, "route")["x"]
    title = page.locator(".js-plotly-plot").nth(REPEATS).locator(".gtitle").text_content() or ""
    assert "Tue 04 Mar 2025" in title
    assert chart_data(page, FAST) and not seen.errors, seen.errors
    assert not seen.outside, seen.outside
    page.context.close()


def test_units_switch_turns_repeat_pace_per_km_into_per_mile(browser: Any, server: Server) -> None:
    page, seen = open_intervals(browser, server)
    bars_km = chart_data(page, REPEATS)
    lines_km = chart_data(page, PACE)
    page.get_by_role("button", name="mi", exact=True).click()
    bars_mi = wait_changed(page, REPEATS, bars_km)
    km, mi = trace(bars_km, "pace")["y"], trace(bars_mi, "pace")["y"]
    assert len(km) == len(mi) == 5
    for a, b in zip(km, mi, strict=True):
        assert b == pytest.approx(a * MILE, rel=1e-6)
    assert trace(bars_mi, "repeat")["y"] == trace(bars_km, "repeat")["y"]
    lines_mi = wait_changed(page, PACE, lines_km)
    first_km, first_mi = lines_km[0]["y"], lines_mi[0]["y"]
    assert len(first_km) == len(first_mi) > 3
    for a, b in zip(first_km, first_mi, strict=True):
        assert b == pytest.approx(a * MILE, rel=1e-6)
    axis = page.locator(".js-plotly-plot").nth(REPEATS).locator(".y2title").text_content() or ""
    assert "min/mi" in axis
    assert not seen.errors, seen.errors
    page.context.close()
