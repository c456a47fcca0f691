"""Habits and load in real Voila and headless Chromium: five charts, the units switch and the
date range change them, and nothing errs in the console."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import ROOT
from serving import Server, chart_data, free_port, launch, serve, wait_for_charts, watch

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("voila")]

ARTIFACTS = ROOT / "test-artifacts" / "screenshots"
MILE = 1.609344
CHARTS = 5  # load, ratio, habits, mobility, stride


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("serve")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with serve(
        [sys.executable, "-m", "stridekit.cli", "serve", "--port", str(port)],
        url=url,
        ready=f"{url}/voila/render/habits_and_load.ipynb",
        log_path=tmp / "voila.log",
        env={"STRIDEKIT_CACHE_DIR": str(tmp / "cache")},
        timeout=300,
    ) as running:
        yield running


@pytest.fixture(scope="module")
def browser(server: Server) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = launch(p)
        yield chromium
        chromium.close()


def open_page(browser: Any, url: str) -> tuple[Any, Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    seen = watch(page)
    page.goto(url, wait_until="domcontentloaded")
    return page, seen


def signature(traces: list[dict[str, Any]]) -> str:
    return json.dumps([[t["x"], t["y"]] for t in traces], separators=(",", ":"))


def wait_changed(page: Any, index: int, before: list[dict[str, Any]]) -> list[dict[str, Any]]:
    page.wait_for_function(
        """([i, old]) => {
            const gd = document.querySelectorAll('.js-plotly-plot')[i];
            const now = JSON.stringify(gd._fullData.map(t => [Array.from(t.x || []).map(String),
                                                              Array.from(t.y || []).map(Number)]));
            return now !== old;
        }""",
        arg=[index, signature(before)],
        timeout=60_000,
    )
    return chart_data(page, index)


def set_date(page: Any, label: str, value: str) -> None:
    box = page.locator(".widget-datepicker", has_text=label).locator("input[type=date]")
    box.fill(value)
    box.dispatch_event("change")


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
            const first = gd._fullData.length ? String(gd._fullData[0].x[0]) : '';
            return first.slice(0, 10) === '2025-05-05';
        }""",
        timeout=60_000,
    )
    page.wait_for_function(
        "() => !document.querySelector('.stridekit-summary').innerText.includes('stride')",
        timeout=30_000,
    )
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
