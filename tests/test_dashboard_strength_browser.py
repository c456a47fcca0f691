"""The strength dashboard in real Voila and headless Chromium: it draws, and its controls
(the Strength/wk target, the date range, a shared link's view) change what it draws."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import ROOT
from serving import (
    Server,
    chart_data,
    open_page,
    set_date,
)

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("voila")]

ARTIFACTS = ROOT / "test-artifacts" / "screenshots"
CHARTS = 4  # calendar, sessions per week, exercise coverage, placement
CALENDAR, PER_WEEK = 0, 1
GAPS = ["2025-03-10", "2025-05-26"]  # the sample's sick week 9 and holiday week 20


def named(traces: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {t["name"]: t for t in traces}


SIGNATURE = """(i) => {
    const gd = document.querySelectorAll('.js-plotly-plot')[i];
    gd.scrollIntoView({block: 'nearest'});  // a chart redraws once in view
    return JSON.stringify(gd._fullData.map(t => [Array.from(t.x || []).map(String),
                                                 Array.from(t.y || []).map(Number)]));
}"""


def signature(page: Any, index: int) -> str:
    """What the ``index``-th chart draws, as the page itself serialises it."""
    text: str = page.evaluate(SIGNATURE, index)
    return text


def wait_changed(page: Any, index: int, before: str) -> list[dict[str, Any]]:
    """The ``index``-th chart's traces once they differ from ``before`` (a signature)."""
    page.wait_for_function(
        f"([i, old]) => ({SIGNATURE})(i) !== old", arg=[index, before], timeout=60_000
    )
    return chart_data(page, index)


def set_target(page: Any, value: int) -> None:
    box = page.locator(".widget-inline-hbox", has_text="Strength/wk").locator("input")
    box.fill(str(value))
    box.press("Enter")


def headline(page: Any) -> str:
    text: str = page.locator(".widget-html", has_text="strength session").first.inner_text()
    return text


def test_strength_page_draws_and_its_controls_change_it(browser: Any, server: Server) -> None:
    page, seen = open_page(browser, f"{server.url}/voila/render/strength.ipynb", charts=CHARTS)
    heights = page.evaluate(
        "[...document.querySelectorAll('.js-plotly-plot')]"
        ".map(e => e.getBoundingClientRect().height)"
    )
    assert len(heights) == CHARTS and min(heights) >= 200, heights

    calendar = chart_data(page, CALENDAR)
    weeks_before = set(calendar[0]["x"])
    assert len(weeks_before) == 26
    per_week = named(chart_data(page, PER_WEEK))
    assert per_week["your target: 2 a week"]["y"] == [2, 2]
    assert sorted(per_week["under target"]["x"]) == GAPS
    assert sum(per_week["on rest days"]["y"]) == 42
    assert sum(per_week["on run days"]["y"]) == 6
    assert "Current streak: 5 weeks" in headline(page)

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1280, "height": 1900})  # Voila scrolls inside the page
    page.wait_for_timeout(500)  # let plotly settle at the new size
    page.screenshot(path=str(ARTIFACTS / "strength.png"))

    before = signature(page, PER_WEEK)
    set_target(page, 3)
    per_week = named(wait_changed(page, PER_WEEK, before))
    assert per_week["your target: 3 a week"]["y"] == [3, 3]
    assert "your target: 2 a week" not in per_week
    assert len(per_week["under target"]["x"]) == 26  # two a week never reaches three
    page.wait_for_function(
        "() => [...document.querySelectorAll('.widget-html')]"
        ".some(e => e.innerText.includes('No week met your target of 3'))",
        timeout=30_000,
    )

    before = signature(page, CALENDAR)
    set_date(page, "From", "2025-05-05")
    weeks_after = set(wait_changed(page, CALENDAR, before)[0]["x"])
    assert weeks_after < weeks_before and min(weeks_after) == "2025-05-05"
    page.wait_for_function(
        """() => {
            const gd = document.querySelectorAll('.js-plotly-plot')[1];
            gd.scrollIntoView({block: 'nearest'});  // it redraws once in view
            const bars = gd._fullData.find(t => t.name === 'on rest days');
            return bars && bars.x.length === 9;
        }""",
        timeout=60_000,
    )
    per_week = named(chart_data(page, PER_WEEK))
    assert min(per_week["on rest days"]["x"]) == "2025-05-05"
    assert per_week["your target: 3 a week"]["y"] == [3, 3]  # the target stays
    assert not seen.errors, seen.errors
    assert not seen.outside, seen.outside
    page.context.close()


def test_a_shared_link_sets_target_theme_and_range(browser: Any, server: Server) -> None:
    page, seen = open_page(
        browser,
        f"{server.url}/voila/render/strength.ipynb?strength=1&theme=dark&from=2025-03-03"
        "&to=2025-03-30",
        charts=CHARTS,
    )
    per_week = named(chart_data(page, PER_WEEK))
    assert per_week["your target: 1 a week"]["y"] == [1, 1]
    assert per_week["under target"]["x"] == ["2025-03-10"]
    assert per_week["on rest days"]["x"] == ["2025-03-03", "2025-03-10", "2025-03-17", "2025-03-24"]
    backgrounds = page.evaluate(
        "[...document.querySelectorAll('.js-plotly-plot')].map(g => g._fullLayout.paper_bgcolor)"
    )
    assert backgrounds == ["#111111"] * CHARTS
    hover = page.evaluate("document.querySelectorAll('.js-plotly-plot')[0]._fullData[0].text")
    lines = [t for row in hover for t in row if t]
    assert any("strength" in t and "calf raise" in t for t in lines), lines[:5]
    assert not seen.errors, seen.errors
    page.context.close()
