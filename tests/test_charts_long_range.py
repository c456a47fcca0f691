"""Weekly charts over more than two years are drawn lighter: the same numbers and hover texts,
as stepped areas and plain lines instead of one SVG element per bar and per marker."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
from conftest import trace_x

from stridekit import charts, schema
from stridekit.analysis.weekly import weekly_focus, weekly_volume
from stridekit.charts.base import LONG_RANGE_WEEKS, long_range
from stridekit.dashboard.chart import figure_json, plotly_js_path

FIRST = pd.Timestamp("2022-01-03")  # a Monday
WEEKS = 156  # three years
GAP = range(50, 54)  # four weeks without any session


def three_years() -> pd.DataFrame:
    """An easy run every Tuesday, intervals every other Thursday, yoga every fourth
    Saturday; nothing in the weeks of :data:`GAP`."""
    rows = []
    for week in range(WEEKS):
        if week in GAP:
            continue
        monday = FIRST + pd.Timedelta(weeks=week)
        rows.append((monday + pd.Timedelta(days=1), "run", "easy", 8000.0, 2880.0, "Easy"))
        if week % 2 == 0:
            rows.append((monday + pd.Timedelta(days=3), "run", "intervals", 9000.0, 3000.0, ""))
        if week % 4 == 0:
            rows.append((monday + pd.Timedelta(days=5), "mobility", "yoga", np.nan, 1800.0, ""))
    frame = pd.DataFrame(
        rows, columns=["local_date", "sport", "kind", "distance_m", "duration_s", "title"]
    )
    frame["session_id"] = [f"s{i}" for i in range(len(frame))]
    frame["start_utc"] = frame["local_date"].dt.tz_localize("UTC")
    frame["moving_s"] = frame["duration_s"]
    frame["focus"] = np.where(frame["kind"] == "intervals", "speed", "distance")
    frame.loc[frame["sport"] != "run", "focus"] = None
    return schema.conform(frame, "sessions")


SESSIONS = three_years()
MONDAYS = pd.date_range(FIRST - pd.Timedelta(weeks=1), periods=WEEKS + 2, freq="7D")
"""The stepped traces' x: every Monday of the range, and one either side."""


def by_name(fig: go.Figure) -> dict[str, Any]:
    return {t.name: t for t in fig.data if t.name}


def test_volume_over_three_years_is_a_stack_of_steps_with_the_same_numbers() -> None:
    volume = weekly_volume(SESSIONS)
    fig = charts.volume_by_week(volume)
    go.Figure(fig.to_dict())  # valid for plotly
    traces = by_name(fig)
    assert set(traces) == {"easy", "intervals", "yoga"}
    for kind, trace in traces.items():
        assert trace.type == "scatter" and trace.mode == "lines"
        assert trace.stackgroup == "weeks" and trace.line.shape == "hvh"
        assert list(trace.x) == [f"{m:%Y-%m-%d}" for m in MONDAYS]
        rows = volume[(volume["kind"] == kind) & (volume["sessions"] > 0)]
        expected = pd.Series(0.0, index=MONDAYS)
        expected[rows["week"]] = rows["duration_s"].to_numpy() / 3600
        np.testing.assert_allclose(trace.y, expected.to_numpy())
        # a hover text at each week with this kind, none at the others
        shown = [text != "" for text in trace.hovertext]
        assert shown == list(expected.to_numpy() > 0)
    gap = [f"{FIRST + pd.Timedelta(weeks=w):%Y-%m-%d}" for w in GAP]
    for trace in traces.values():
        assert all(trace.y[list(trace.x).index(day)] == 0 for day in gap)
    easy = traces["easy"]
    assert easy.hovertext[1] == "week of Mon 03 Jan 2022: 1 easy, 0.8 hours"
    assert easy.fillcolor == easy.line.color  # opaque, as the bars were


def test_a_short_range_keeps_its_bars() -> None:
    weeks = LONG_RANGE_WEEKS - 4
    last = FIRST + pd.Timedelta(weeks=weeks)
    fig = charts.volume_by_week(weekly_volume(SESSIONS, end=last))
    assert {t.type for t in fig.data} == {"bar"}
    fig = charts.runs_per_week(weekly_focus(SESSIONS, end=last))
    assert {t.type for t in fig.data} == {"bar"}


def test_grouped_bars_stack_and_keep_their_hover_templates_week_by_week() -> None:
    weekly = weekly_focus(SESSIONS)
    fig = charts.runs_per_week(weekly, target=1)
    go.Figure(fig.to_dict())
    speed = by_name(fig)["speed runs"]
    assert speed.type == "scatter" and speed.stackgroup == "weeks"
    runs = weekly[weekly["focus"] == "speed"].set_index("week")["runs"]
    assert list(speed.y[1:-1]) == runs.tolist()
    # every week has its bar (of 0 runs too), so its hover label; the weeks either side none
    templates = list(speed.hovertemplate)
    assert set(templates[1:-1]) == {"%{customdata}: %{y} speed runs<extra></extra>"}
    assert templates[0] == templates[-1] == "<extra></extra>"
    assert speed.customdata[1] == "week of Mon 03 Jan 2022"


def test_lines_lose_their_markers_over_long_ranges_only() -> None:
    weekly = weekly_focus(SESSIONS)
    long = charts.pace_by_week(weekly, focus="distance")
    assert "markers" not in {t.mode for t in long.data}
    short = charts.pace_by_week(weekly[weekly["week"] < FIRST + pd.Timedelta(weeks=20)])
    assert "lines+markers" in {t.mode for t in short.data}


def test_other_axes_and_uneven_bars_are_left_alone() -> None:
    numbers = [{"type": "bar", "x": list(range(1, 300)), "y": [1] * 299}]
    assert long_range(numbers) == numbers  # repeats, not dates
    days = pd.date_range(FIRST, periods=900, freq="D").strftime("%Y-%m-%d").tolist()
    daily = [{"type": "bar", "x": days, "y": [1] * 900}]
    assert long_range(daily) == daily  # not a week apart: a step per bar would be wrong


@pytest.mark.browser
def test_hovering_a_week_in_the_browser_lists_what_it_held() -> None:
    from serving import chromium

    spec = figure_json(charts.volume_by_week(weekly_volume(SESSIONS)))
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1000, "height": 600})
        page.set_content("<html><body style='margin:0'><div id='g'></div></body></html>")
        page.add_script_tag(path=str(plotly_js_path()))
        page.evaluate(
            "async (f) => { await Plotly.react('g', f.data, f.layout, {responsive: false}); }",
            spec,
        )
        # one SVG path a trace, where bars took one a week and kind
        assert page.evaluate("document.querySelectorAll('#g .scatterlayer path').length") <= 9
        box = page.locator("#g .nsewdrag").first.bounding_box()
        # the first week (easy, intervals and yoga), then the second (easy only)
        texts = []
        for week in (0, 1):
            day = FIRST + pd.Timedelta(weeks=week, days=3)
            x = page.evaluate(
                "(day) => { const ax = document.getElementById('g')._fullLayout.xaxis;"
                " return ax._offset + ax.d2p(day); }",
                f"{day:%Y-%m-%d}",
            )
            page.mouse.move(x, box["y"] + box["height"] * 0.9)
            page.wait_for_function("document.querySelector('#g .hoverlayer').textContent")
            texts.append(page.evaluate("document.querySelector('#g .hoverlayer').textContent"))
            page.mouse.move(0, 0)
            page.wait_for_function("!document.querySelector('#g .hoverlayer').textContent")
    first, second = texts
    for kind in ("1 easy", "1 intervals", "1 yoga"):
        assert f"week of Mon 03 Jan 2022: {kind}" in first
    assert "week of Mon 10 Jan 2022: 1 easy, 0.8 hours" in second
    assert "intervals" not in second and "yoga" not in second


def test_bars_coloured_week_by_week_become_one_stepped_area_per_colour() -> None:
    from stridekit.analysis.load import weekly_load

    weekly = weekly_load(SESSIONS)
    flagged = weekly["ramp_exceeded"].fillna(False).astype(bool).to_numpy()
    assert 3 < flagged.sum() < len(weekly) / 2  # back from the gap and the rest weeks
    fig = charts.load_by_week(weekly)
    go.Figure(fig.to_dict())
    usual, warned = [t for t in fig.data if t.stackgroup == "weeks"]
    # the most common colour first, each week's distance in its own colour's area only
    assert (usual.fillcolor, warned.fillcolor) == (charts.load.LOAD_COLOUR, charts.load.WARN_COLOUR)
    weeks = pd.date_range(weekly["week"].min(), weekly["week"].max(), freq="7D")
    assert list(weekly["week"]) == list(weeks)
    grid = pd.date_range(weeks[0] - pd.Timedelta(weeks=1), periods=len(weeks) + 2, freq="7D")
    assert list(usual.x) == list(warned.x) == list(grid.strftime("%Y-%m-%d"))
    km = weekly["distance_m"].to_numpy() / 1000
    np.testing.assert_allclose(usual.y[1:-1], np.where(flagged, 0, km))
    np.testing.assert_allclose(warned.y[1:-1], np.where(flagged, km, 0))
    # each week's hover text is in its own colour's area, blank in the other
    said = np.where(flagged, warned.hovertext[1:-1], usual.hovertext[1:-1])
    assert all(text.startswith("week of ") for text in said)
    assert (np.where(flagged, usual.hovertext[1:-1], warned.hovertext[1:-1]) == "").all()
    assert "ramp +" in warned.hovertext[1:-1][flagged][0]
    # the flagged weeks' area named for what they are, listed last; no marker per flagged week
    assert [t.name for t in fig.data if t.showlegend is not False] == [
        "distance (km)",
        "ramped more than 10 % over the week before",
        "time (hours)",
    ]
    assert warned.legendrank > 1000 and warned.legendgroup != usual.legendgroup
    assert "markers" not in {t.mode for t in fig.data}
    short = charts.load_by_week(weekly[weekly["week"] < FIRST + pd.Timedelta(weeks=60)])
    assert [t.mode for t in short.data if t.type == "scatter"][-1] == "markers+text"


def test_load_ratio_marks_days_above_the_band_with_one_line_over_long_ranges() -> None:
    from stridekit.analysis.load import acute_chronic

    hi = charts.load.RATIO_BAND[1]
    ratios = pd.concat(
        [acute_chronic(SESSIONS, method=m).assign(method=m) for m in ("rolling", "ewma")],
        ignore_index=True,
    )
    day_top = ratios.groupby("date")["ratio"].max()
    high = day_top[day_top > hi]
    assert len(high) > 10  # back from the gap, the acute load outruns the chronic
    edge = by_name(charts.load_ratio(ratios))[f"above {hi:g}"]
    assert edge.mode == "lines"
    drawn = pd.Series(np.asarray(edge.y), index=pd.to_datetime(trace_x(edge)))
    said = pd.Series(np.asarray(edge.hovertext), index=drawn.index)
    # drawn at the ratio lines' days (every third, ending at the last), each point the
    # highest of its day and the two before it: the band's top where none is above it
    days = day_top.index
    assert list(drawn.index) == list(days[(len(days) - 1) % 3 :: 3])
    edge_top = pd.Series(np.where(day_top > hi, day_top, hi), index=days)
    np.testing.assert_allclose(drawn, edge_top.rolling(3, min_periods=1).max()[drawn.index])
    # so no day above the band is lost between two drawn days
    for day, ratio in high.items():
        assert drawn[drawn.index >= day].iloc[0] >= ratio, day
    flagged = edge_top.gt(hi).rolling(3, min_periods=1).max().astype(bool)[drawn.index]
    assert (said[~flagged] == "").all()
    assert said[flagged].str.startswith(f"above {hi:g} (").all() and flagged.sum() > 5
    # each says which method's ratio its highest day is above the band in
    best = [
        edge_top[(edge_top.index <= day) & (edge_top.index > day - pd.Timedelta(days=3))].idxmax()
        for day in drawn.index[flagged]
    ]
    rolling = ratios[ratios["method"] == "rolling"].set_index("date")["ratio"]
    assert [("rolling" in text) for text in said[flagged]] == [rolling[d] > hi for d in best]
    short = ratios[ratios["date"] < FIRST + pd.Timedelta(weeks=60)]
    marks = by_name(charts.load_ratio(short))[f"above {hi:g}"]
    assert marks.mode == "markers"


def test_load_ratio_lines_keep_every_third_day_over_long_ranges() -> None:
    from stridekit.analysis.load import acute_chronic

    ratios = pd.concat(
        [acute_chronic(SESSIONS, method=m).assign(method=m) for m in ("rolling", "ewma")],
        ignore_index=True,
    )
    short = ratios[ratios["date"] < FIRST + pd.Timedelta(weeks=60)]
    for frame, step in ((ratios, 3), (short, 1)):
        lines = by_name(charts.load_ratio(frame))
        for method, name in charts.load.RATIO_NAMES.items():
            daily = frame[frame["method"] == method].set_index("date")["ratio"]
            line = lines[name]
            assert line.dx == step * charts.load.DAY_MS  # evenly spaced: x0 and a step
            shown = pd.Series(np.asarray(line.y), index=pd.to_datetime(trace_x(line)))
            # every third day (every day over a shorter range), the last day always drawn
            assert list(shown.index) == list(daily.index[(len(daily) - 1) % step :: step])
            np.testing.assert_array_equal(shown, daily[shown.index])


@pytest.mark.browser
def test_a_weekly_chart_keeps_its_last_date_label() -> None:
    """x axes fit their margin to the labels' height only, with room on the right for half a
    label: with the margin grown for the labels' width, plotly hid a last label it had no
    room for ("Apr 2024" was the last shown here), and on the five-year log a week's move of
    the range redrew a chart a second time (seen in the browser, not reproducible with this
    smaller table)."""
    from serving import chromium

    days = SESSIONS["local_date"]
    # up to a few days after 1 July: the axis's last tick is at its right edge
    spec = figure_json(charts.volume_by_week(weekly_volume(SESSIONS[days <= "2024-07-03"])))
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1000, "height": 600})
        page.set_content("<html><body style='margin:0'><div id='g'></div></body></html>")
        page.add_script_tag(path=str(plotly_js_path()))
        page.evaluate(
            "async (f) => { await Plotly.react('g', f.data, f.layout, {responsive: false}); }",
            spec,
        )
        shown = page.evaluate(
            "[...document.querySelectorAll('#g .xtick text')]"
            ".filter((t) => t.getBoundingClientRect().width > 0).map((t) => t.textContent)"
        )
    assert shown[-1] == "Jul 2024"  # shown, not hidden for want of room at the edge
