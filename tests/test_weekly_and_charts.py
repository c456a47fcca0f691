"""Weekly tables, run classification, units and charts, on hand-made and sample data."""

from __future__ import annotations

import base64
import datetime as dt
import json
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from stridekit import charts, schema
from stridekit.analysis.classify import classify_runs
from stridekit.analysis.weekly import all_weeks, weekly_focus, weekly_volume
from stridekit.units import format_pace, pace_s, pace_ticks


def sessions(rows: list[tuple[str, str, str | None, float, float, str | None]]) -> pd.DataFrame:
    """Rows of (date, sport, kind, distance_m, duration_s, title)."""
    frame = pd.DataFrame(
        rows, columns=["date", "sport", "kind", "distance_m", "duration_s", "title"]
    )
    frame["session_id"] = [f"s{i}" for i in range(len(frame))]
    frame["start_utc"] = pd.to_datetime(frame["date"]).dt.tz_localize("UTC")
    frame["local_date"] = pd.to_datetime(frame["date"])
    frame["moving_s"] = frame["duration_s"]
    return schema.conform(frame.drop(columns=["date"]), "sessions")


WEEKS = sessions(
    [
        ("2025-03-03", "run", None, 8000, 2400, "6x800m"),  # Monday, week 1
        ("2025-03-05", "run", None, 10000, 3300, None),
        ("2025-03-06", "strength", "strength", float("nan"), 1800, None),
        ("2025-03-08", "run", None, 8000, 2700, None),
        ("2025-03-09", "run", None, 9000, 3000, None),
        # week 2 is empty: a gap
        ("2025-03-17", "run", "tempo", 9000, 2700, None),
        ("2025-03-19", "run", None, 8000, 2800, "Easy"),
        ("2025-03-23", "run", None, 21000, 7800, None),  # long: far above the usual 8-10 km
        ("2025-03-22", "mobility", "yoga", float("nan"), 1800, None),
    ]
)


def test_classification_reasons() -> None:
    out = classify_runs(WEEKS, schema.empty("laps")).set_index("session_id")
    assert out.loc["s0", ["kind", "focus"]].tolist() == ["intervals", "speed"]
    assert "6x800" in out.loc["s0", "reason"]
    assert out.loc["s5", ["kind", "focus"]].tolist() == ["tempo", "speed"]
    assert out.loc["s6", "kind"] == "easy"
    assert out.loc["s7", ["kind", "focus"]].tolist() == ["long", "distance"]
    assert "usual run" in out.loc["s7", "reason"]
    assert pd.isna(out.loc["s2", "focus"]) and out.loc["s2", "kind"] == "strength"


def test_interval_laps_make_an_interval_run() -> None:
    laps = schema.conform(
        pd.DataFrame(
            {
                "session_id": ["s1"] * 5,
                "lap_index": range(5),
                "intensity": ["active", "active", "resting", "active", "active"],
            }
        ),
        "laps",
    )
    out = classify_runs(WEEKS, laps).set_index("session_id")
    assert out.loc["s1", "kind"] == "intervals"
    assert out.loc["s1", "reason"] == "its laps alternate work and rest"


def test_weekly_focus_counts_every_week_including_gaps() -> None:
    weekly = weekly_focus(classify_runs(WEEKS, schema.empty("laps")))
    assert weekly["week"].dt.strftime("%Y-%m-%d").unique().tolist() == [
        "2025-03-03",
        "2025-03-10",
        "2025-03-17",
    ]
    speed = weekly[weekly["focus"] == "speed"]
    speed = speed.set_index(speed["week"].dt.day)
    assert speed["runs"].tolist() == [1, 0, 1]
    assert speed["advice_met"].tolist() == [True, False, True]
    distance = weekly[weekly["focus"] == "distance"]
    distance = distance.set_index(distance["week"].dt.day)
    assert distance.loc[3, "distance_m"] == 27000
    assert distance.loc[3, "avg_speed_mps"] == pytest.approx(27000 / 9000)
    assert distance.loc[17, "longest_m"] == 21000
    assert pd.isna(distance.loc[10, "avg_speed_mps"])


def test_all_weeks_are_the_mondays_from_the_first_week_to_the_last() -> None:
    weeks = all_weeks(pd.Timestamp("2025-03-09 23:59"), pd.Timestamp("2025-03-31"))  # Sun, Mon
    assert list(weeks.strftime("%Y-%m-%d")) == [
        "2025-03-03",
        "2025-03-10",
        "2025-03-17",
        "2025-03-24",
        "2025-03-31",
    ]
    assert weeks.name == "week" and weeks.dtype == "datetime64[ns]"
    # a time zone is dropped, not converted: late on Sunday in Berlin is still that Sunday
    late = pd.Timestamp("2025-03-09 23:30", tz="Europe/Berlin")
    assert list(all_weeks(late, late)) == [pd.Timestamp("2025-03-03")]
    assert list(all_weeks(dt.date(2025, 3, 10), "2025-03-10")) == [pd.Timestamp("2025-03-10")]


def test_weekly_volume_by_kind_and_range() -> None:
    volume = weekly_volume(classify_runs(WEEKS, schema.empty("laps")), start="2025-03-10")
    assert volume["week"].min() == pd.Timestamp("2025-03-10")
    yoga = volume[volume["kind"] == "yoga"]
    assert yoga["sessions"].sum() == 1 and yoga["duration_s"].sum() == 1800


def test_pace_units_and_ticks() -> None:
    assert pace_s(pd.Series([1000 / 300]), "km").iloc[0] == pytest.approx(300)
    assert pace_s(pd.Series([1000 / 300]), "mi").iloc[0] == pytest.approx(300 * 1.609344)
    assert pd.isna(pace_s(pd.Series([0.0]), "km").iloc[0])
    assert format_pace(299.6) == "5:00" and format_pace(float("nan")) == ""
    values, labels = pace_ticks(290, 410)
    assert labels[0] == "4:30" and values == sorted(values) and len(values) <= 8
    with pytest.raises(ValueError, match="units='furlong' is not valid; choose one of km, mi"):
        pace_s(pd.Series([3.0]), "furlong")


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_every_chart_is_a_valid_figure(theme: str) -> None:
    runs = classify_runs(WEEKS, schema.empty("laps"))
    weekly, volume = weekly_focus(runs), weekly_volume(runs)
    figures = [
        charts.runs_per_week(weekly, theme=theme),
        charts.pace_by_week(weekly, units="mi", theme=theme),
        charts.distance_by_week(weekly, units="mi", theme=theme),
        charts.volume_by_week(volume, theme=theme),
        charts.volume_by_week(volume, measure="distance", theme=theme),
        charts.runs_per_week(weekly.iloc[0:0], theme=theme),
    ]
    for fig in figures:
        go.Figure(fig.to_plotly_json())  # validates every property; raises on a bad one
    pace = figures[1].data[0]
    assert "/mi" in pace.hovertemplate and figures[1].layout.yaxis.autorange == "reversed"
    assert figures[2].data[0].y[0] == pytest.approx(27 / 1.609344)
    assert figures[5].layout.annotations[0].text.startswith("No runs in this date range")


def test_chart_arguments_are_checked() -> None:
    weekly = weekly_focus(classify_runs(WEEKS, schema.empty("laps")))
    with pytest.raises(ValueError, match="focus='fast' is not valid; choose one of speed"):
        charts.pace_by_week(weekly, focus="fast")
    with pytest.raises(ValueError, match="theme='neon' is not valid; choose one of light, dark"):
        charts.runs_per_week(weekly, theme="neon")
    with pytest.raises(ValueError, match="measure='reps' is not valid"):
        charts.volume_by_week(weekly_volume(WEEKS), measure="reps")


def test_query_string_sets_the_view_and_ignores_what_it_cannot_read() -> None:
    from stridekit.dashboard.common import View, view_from

    view, notes = view_from(
        None, None, "km", query="from=2025-03-01&units=mi&theme=dark&speed=1&strength=3&x=1"
    )
    assert view == View(
        pd.Timestamp("2025-03-01").date(),
        None,
        "mi",
        speed_target=1,
        strength_target=3,
        theme="dark",
    )
    assert notes == []
    view, notes = view_from(
        "2025-01-01",
        None,
        "km",
        query="from=yesterday&units=furlong&speed=9&strength=two&theme=sepia",
    )
    assert view == View(pd.Timestamp("2025-01-01").date(), None, "km")
    assert len(notes) == 5 and "from='yesterday'" in notes[0]
    assert any("theme='sepia'" in n for n in notes)


def _decoded(value: Any) -> Any:
    """Plotly's JSON with its base64 typed arrays (``{"dtype", "bdata"}``) as plain lists,
    NaN (a gap for plotly.js) as ``None`` (the same gap)."""
    if isinstance(value, dict):
        if set(value) >= {"dtype", "bdata"}:
            array = np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])
            if "shape" in value:
                array = array.reshape([int(n) for n in str(value["shape"]).split(",")])
            return _decoded(array.tolist())
        return {k: _decoded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decoded(v) for v in value]
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_every_dashboard_chart_is_sent_as_plotly_would_encode_it(theme: str) -> None:
    """The charts' fast JSON (:func:`figure_json`) says what plotly's own encoder says."""
    import importlib

    import plotly.io as pio

    from stridekit.dashboard.chart import CONFIG, figure_json
    from stridekit.dashboard.common import DASHBOARDS, View, open_log

    log = open_log(None)
    for key in DASHBOARDS:
        module = importlib.import_module(f"stridekit.dashboard.{key}")
        panel = module.panel(log, View(theme=theme, units="mi"))
        assert len(panel.charts) >= 1
        for name, chart in panel.charts.items():
            fast = figure_json(chart.figure)
            assert fast.pop("config") == CONFIG
            plotly = json.loads(pio.to_json(chart.figure, validate=False))
            assert fast == _decoded(plotly), f"{key}: {name}"


def test_the_overviews_weekly_volume_is_weekly_volume() -> None:
    """The overview's arrays prepared once per log add up as :func:`weekly_volume` does."""
    import datetime as dt

    from stridekit.dashboard import data
    from stridekit.dashboard.common import open_log

    log = open_log(None)
    first, last = log.date_range or (None, None)
    assert first is not None and last is not None
    ranges = [
        (None, None),
        (first + dt.timedelta(days=10), None),  # mid-week: the first week is partial
        (None, last - dt.timedelta(days=40)),
        (dt.date(2025, 3, 5), dt.date(2025, 3, 5)),
    ]
    for start, end in ranges:
        fast = data.weekly_volume(log, start, end)
        assert len(fast) > 0
        expected = weekly_volume(log.sessions, start=start, end=end)
        pd.testing.assert_frame_equal(fast, expected)
    assert data.weekly_volume(log, last + dt.timedelta(days=1), None).empty
