"""Habits and load in real Voila and headless Chromium: five charts, the units switch and the
date range change them, and nothing errs in the console."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from conftest import ROOT
from serving import (
    Server,
    chart_data,
    open_page,
    set_date,
    wait_changed,
    wait_for_charts,
)

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("voila")]

ARTIFACTS = ROOT / "test-artifacts" / "screenshots"
MILE = 1.609344
CHARTS = 5  # load, ratio, habits, mobility, stride


def test_habits_and_load_draws_and_follows_its_controls(browser: Any, server: Server) -> None:
    page, seen = open_page(browser, f"{server.url}/voila/render/habits_and_load.ipynb")
    wait_for_charts(page, CHARTS, timeout_ms=240_000)
    heights = page.evaluate(
        "[...document.querySelectorAll('.js-plotly-plot')]"
        ".map(e => e.getBoundingClientRect().height)"
    )
    assert len(heights) == CHARTS and min(heights) >= 200, heights
    summary = page.locator(".stridekit-summary").inner_text()
    assert "stride lengthened more than 1.5 % above its recent level in 4 weeks" in summary

    # the overstride weeks the sample plants, and only those, are marked
    stride = {t["name"]: t for t in chart_data(page, 4)}
    over = stride["overstride: over 1.5 % above the recent level"]["x"]
    assert [x[:10] for x in over] == ["2025-04-07", "2025-04-14", "2025-04-21", "2025-04-28"]

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1280, "height": 2600})  # Voila scrolls inside the page
    page.wait_for_timeout(800)  # let plotly settle at the new size
    page.screenshot(path=str(ARTIFACTS / "habits_and_load.png"))
    page.set_viewport_size({"width": 1280, "height": 900})

    # km -> mi: the weekly distance bars shrink by a mile's length
    km = chart_data(page, 0)
    page.get_by_role("button", name="mi", exact=True).click()
    mi = wait_changed(page, 0, km)
    assert len(mi[0]["y"]) == len(km[0]["y"]) == 26
    for a, b in zip(km[0]["y"], mi[0]["y"], strict=True):
        assert b * MILE == pytest.approx(a, rel=1e-9, abs=1e-9)
    title = page.locator(".js-plotly-plot").nth(0).locator(".ytitle").first.text_content() or ""
    assert title == "mi"

    # a later start: fewer weeks, none before it
    weeks_before = {x for t in mi for x in t["x"]}
    set_date(page, "From", "2025-05-05")
    after = wait_changed(page, 0, mi)
    weeks_after = {x for t in after for x in t["x"]}
    assert weeks_after and weeks_after < weeks_before
    assert min(weeks_after)[:10] == "2025-05-05"
    page.wait_for_function(  # the load ratio's days follow
        """() => {
            const gd = document.querySelectorAll('.js-plotly-plot')[1];
            gd.scrollIntoView({block: 'nearest'});  // it redraws once in view
            const line = gd._fullData[0];  // consecutive days come as x0 and a step
            const first = line ? String(line.x ? line.x[0] : line.x0) : '';
            return first.slice(0, 10) === '2025-05-05';
        }""",
        timeout=60_000,
    )
    page.wait_for_function(
        "() => !document.querySelector('.stridekit-summary').innerText.includes('stride')",
        timeout=30_000,
    )
    # redrawn charts keep their size (they once collapsed to nothing, sliding under each other)
    boxes = page.evaluate(
        "[...document.querySelectorAll('.js-plotly-plot')]"
        ".map(e => { const r = e.getBoundingClientRect(); return [r.top, r.height]; })"
    )
    assert min(h for _, h in boxes) >= 200, boxes
    assert all(b[0] >= a[0] + a[1] - 1 for a, b in itertools.pairwise(boxes)), boxes
    assert not seen.errors, seen.errors
    assert not seen.outside, seen.outside
    page.context.close()


def test_overview_tab_opens_habits_and_load(browser: Any, server: Server) -> None:
    page, seen = open_page(
        browser, f"{server.url}/voila/render/overview.ipynb?tab=habits_and_load&units=mi"
    )
    wait_for_charts(page, CHARTS, timeout_ms=240_000)
    names = {t["name"] for t in chart_data(page, 0)}
    assert "distance (mi)" in names
    assert not seen.errors, seen.errors
    page.context.close()
