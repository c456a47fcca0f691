"""The intervals charts and dashboard panel, on hand-built repeats and on the sample runner."""

from __future__ import annotations

import datetime as dt
import json
import math
import random
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

import stridekit
from stridekit.analysis.progression import pace_by_length, session_progression, weekly_progression
from stridekit.charts import intervals as charts
from stridekit.dashboard import intervals as dashboard
from stridekit.dashboard.common import View
from stridekit.log import TrainingLog

MILE = 1.609344


def valid(fig: go.Figure) -> go.Figure:
    """The figure as built (numbers as given), after checking every property with plotly's
    validation."""
    go.Figure(fig.to_dict())
    return fig


def repeats_of(plan: dict[str, list[tuple[float, float]]], rest: float = 180.0) -> pd.DataFrame:
    """Repeats from ``{session_id: [(duration_s, speed_mps), ...]}``, ``rest`` s recoveries."""
    rows = []
    for sid, reps in plan.items():
        t = 600.0
        for i, (d, v) in enumerate(reps):
            last = i == len(reps) - 1
            rows.append(
                {
                    "session_id": sid,
                    "repeat_index": i,
                    "start_s": t,
                    "end_s": t + d,
                    "duration_s": d,
                    "distance_m": d * v,
                    "avg_speed_mps": v,
                    "avg_hr_bpm": 160.0,
                    "max_hr_bpm": 165.0,
                    "recovery_s": np.nan if last else rest,
                    "hr_drop_bpm": np.nan if last else 25.0,
                    "source": "laps",
                }
            )
            t += d + rest
    out = pd.DataFrame(rows)
    for col in ("session_id", "source"):
        out[col] = out[col].astype("str")
    return out


def sessions_of(dates: dict[str, str]) -> pd.DataFrame:
    frame = pd.DataFrame(
        {"session_id": list(dates), "local_date": pd.to_datetime(list(dates.values()))}
    )
    frame["session_id"] = frame["session_id"].astype("str")
    return frame


# four weekly sessions, the repeats growing from 30 s to 60 s and getting faster
PLAN = {
    "a": [(30.0, 5.0)] * 6,
    "b": [(40.0, 5.0)] * 6,
    "c": [(50.0, 5.1)] * 6,
    "d": [(60.0, 5.2), (60.0, 5.0), (60.0, 4.8), (60.0, 5.0)],
}
DATES = {"a": "2025-03-04", "b": "2025-03-11", "c": "2025-03-18", "d": "2025-03-25"}


@pytest.fixture(autouse=True)
def _own_cache(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STRIDEKIT_CACHE_DIR", str(tmp_path / "cache"))


# --- hand-built data ------------------------------------------------------------------------


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_repeat_bars_hold_the_repeats_recoveries_and_pace(theme: str) -> None:
    rep = repeats_of({"d": PLAN["d"]}, rest=90.0)
    fig = valid(charts.repeat_bars(rep, units="km", theme=theme))
    bars, rests, pace = fig.data
    assert list(bars.x) == [1, 2, 3, 4] and list(bars.y) == [60.0, 60.0, 60.0, 60.0]
    assert bars.marker.color == "#D55E00"  # the speed colour
    assert list(rests.y) == [90.0, 90.0, 90.0, None]  # no recovery after the last
    assert list(pace.y) == pytest.approx([1000 / 5.2, 1000 / 5.0, 1000 / 4.8, 1000 / 5.0])
    assert pace.yaxis == "y2" and fig.layout.yaxis2.autorange == "reversed"
    assert fig.layout.yaxis2.title.text == "pace (min/km)"
    assert all(":" in t for t in fig.layout.yaxis2.ticktext)
    assert list(pace.customdata) == ["3:12", "3:20", "3:28", "3:20"]
    miles = valid(charts.repeat_bars(rep, units="mi", theme=theme))
    assert list(miles.data[2].y) == pytest.approx([p * MILE for p in pace.y])
    assert "/mi" in miles.data[2].hovertemplate and "min/mi" in miles.layout.yaxis2.title.text
    assert list(miles.data[0].y) == list(bars.y)  # durations do not depend on units


def test_weekly_fast_time_and_pace_by_length_come_from_the_progression_tables() -> None:
    rep, sessions = repeats_of(PLAN), sessions_of(DATES)
    per = session_progression(rep, sessions)
    weekly = weekly_progression(per)
    fig = valid(charts.fast_time_by_week(weekly))
    bars, trend = fig.data
    assert list(bars.x) == ["2025-03-03", "2025-03-10", "2025-03-17", "2025-03-24"]
    assert list(bars.y) == pytest.approx([3.0, 4.0, 5.0, 4.0])  # minutes per session
    assert trend.name == "trend" and "s more a week" in fig.layout.title.text
    slope = np.polyfit([0, 1, 2, 3], [180, 240, 300, 240], 1)[0]
    assert f"{slope:.0f} s more a week" in fig.layout.title.text

    by_length = pace_by_length(rep, sessions)
    fig = valid(charts.repeat_pace_by_length(by_length, units="mi"))
    lines = {t.name: t for t in fig.data}
    assert set(lines) == {"15-45 s repeats", "45-75 s repeats"}  # too few weeks for a trend
    assert list(lines["15-45 s repeats"].y) == pytest.approx([1609.344 / 5.0] * 2)
    assert list(lines["45-75 s repeats"].x) == ["2025-03-17", "2025-03-24"]
    speed_d = sum(60 * v for _, v in PLAN["d"]) / 240
    assert lines["45-75 s repeats"].y[1] == pytest.approx(1609.344 / speed_d)
    assert fig.layout.yaxis.autorange == "reversed" and "min/mi" in fig.layout.yaxis.title.text


def test_pace_by_length_trend_with_three_weeks() -> None:
    plan = {s: [(60.0, 4.0 + 0.1 * i)] * 4 for i, s in enumerate("abcd")}
    rep, sessions = repeats_of(plan), sessions_of(DATES)
    fig = valid(charts.repeat_pace_by_length(pace_by_length(rep, sessions), units="km"))
    names = [t.name for t in fig.data]
    assert names == ["45-75 s repeats", "45-75 s trend"]
    assert "45-75 s" in fig.layout.title.text and "faster a week" in fig.layout.title.text


def track_samples(n: int = 600, lat0: float = 52.5, lon0: float = 13.4) -> pd.DataFrame:
    """A runner going north-east, one sample a second, 3 m/s."""
    t = np.arange(n, dtype=float)
    return pd.DataFrame(
        {
            "session_id": "d",
            "t_s": t,
            "lat_deg": lat0 + t * 2e-5,
            "lon_deg": lon0 + t * 2e-5,
            "distance_m": 3.0 * t,
        }
    )


def test_project_track_is_equirectangular_in_metres_and_marks_repeats() -> None:
    samples = track_samples()
    rep = repeats_of({"d": [(60.0, 5.0)] * 2})  # 600-660 s and 840-900 s: only the first fits
    rep = rep.assign(start_s=[100.0, 400.0], end_s=[160.0, 460.0])
    track = charts.project_track(samples, rep)
    assert len(track) == 600
    lat_mean = float(samples["lat_deg"].mean())
    metres_per_degree = math.pi / 180 * charts.EARTH_RADIUS_M
    # 1e-3 degree of latitude is 111.2 m everywhere; of longitude, cos(latitude) of that
    step_north = track["north_m"].iloc[50] - track["north_m"].iloc[0]
    step_east = track["east_m"].iloc[50] - track["east_m"].iloc[0]
    assert step_north == pytest.approx(1e-3 * metres_per_degree)
    assert step_east == pytest.approx(1e-3 * metres_per_degree * math.cos(math.radians(lat_mean)))
    assert track["north_m"].mean() == pytest.approx(0.0, abs=1e-6)  # centred
    assert (track["repeat"].iloc[100:161] == 1).all() and (track["repeat"].iloc[400:461] == 2).all()
    assert track["repeat"].iloc[99] == 0 and track["repeat"].iloc[161] == 0


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_route_draws_the_track_at_equal_scale_with_repeats_highlighted(theme: str) -> None:
    rep = repeats_of({"d": [(60.0, 5.0)] * 2}).assign(start_s=[100.0, 400.0], end_s=[160.0, 460.0])
    track = charts.project_track(track_samples(), rep)
    fig = valid(charts.route(track, units="mi", theme=theme))
    line, repeats, start = fig.data
    assert fig.layout.yaxis.scaleanchor == "x" and fig.layout.yaxis.scaleratio == 1
    assert fig.layout.xaxis.title.text == "east (m)" and fig.layout.yaxis.title.text == "north (m)"
    # plain axes, no map layers or tiles: works offline
    assert {t.type for t in fig.data} == {"scatter"}
    assert not {"map", "mapbox", "geo"} & set(fig.to_plotly_json()["layout"])
    assert len(line.x) == 600 and repeats.line.color == "#D55E00"
    drawn = np.isfinite(np.asarray(repeats.x, dtype=float))
    assert drawn.sum() == 61 + 61 and not drawn[99] and drawn[100] and not drawn[161]
    assert np.asarray(line.customdata)[300, 1] == pytest.approx(900 / 1609.344)  # distance [mi]
    assert " mi" in line.hovertemplate
    assert start.x[0] == pytest.approx(track["east_m"].iloc[0])
    # a long recording is thinned, each repeat's first and last point kept
    long = charts.project_track(track_samples(6000), rep)
    thin = valid(charts.route(long))
    assert len(thin.data[0].x) < 2 * charts.MAX_ROUTE_POINTS
    kept = np.isfinite(np.asarray(thin.data[1].x, dtype=float)).sum()
    assert kept >= 4


def test_empty_states_say_what_would_fill_them() -> None:
    none = repeats_of({"a": PLAN["a"]}).iloc[0:0]
    figs = {
        "bars": charts.repeat_bars(none),
        "fast": charts.fast_time_by_week(
            weekly_progression(session_progression(none, sessions_of({})))
        ),
        "pace": charts.repeat_pace_by_length(
            pd.DataFrame(columns=["week", "length_class", "repeats", "avg_speed_mps"])
        ),
        "route": charts.route(charts.project_track(track_samples().assign(lat_deg=np.nan))),
    }
    for fig in figs.values():
        valid(fig)
        assert not fig.data
    text = {k: f.layout.annotations[0].text for k, f in figs.items()}
    assert text["bars"].startswith("This run has no repeats")
    assert text["fast"].startswith("No interval sessions in this date range")
    assert text["pace"].startswith("No interval sessions in this date range")
    assert text["route"].startswith("This run has no positions")
    # a track with its positions blanked near the ends keeps the rest, with a gap
    blanked = track_samples()
    blanked.loc[:49, ["lat_deg", "lon_deg"]] = np.nan
    fig = valid(charts.route(charts.project_track(blanked)))
    assert np.isnan(np.asarray(fig.data[0].x, dtype=float)[:50]).all()
    assert fig.data[-1].x[0] == pytest.approx(charts.project_track(blanked)["east_m"].iloc[50])


def test_chart_arguments_are_checked() -> None:
    rep = repeats_of({"a": PLAN["a"]})
    with pytest.raises(ValueError, match="units='m' is not valid; choose one of km, mi"):
        charts.repeat_bars(rep, units="m")
    with pytest.raises(ValueError, match="theme='neon' is not valid"):
        charts.repeat_bars(rep, theme="neon")


# --- the sample runner ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample() -> TrainingLog:
    return stridekit.sample_log()


@pytest.fixture(scope="module")
def truth() -> dict[str, Any]:
    path = stridekit.sample_path() / "truth.json"
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def planted(truth: dict[str, Any]) -> dict[str, list[dict[str, float]]]:
    """Planted repeats of each interval session, by local date."""
    return {s["local_date"]: s["repeats"] for s in truth["sessions"] if s.get("repeats")}


def figures_of(panel: dashboard.IntervalsPanel) -> dict[str, go.Figure]:
    return {name: chart.figure for name, chart in panel.charts.items()}


def test_sample_panel_lists_every_planted_session_newest_first(
    sample: TrainingLog, truth: dict[str, Any]
) -> None:
    panel = dashboard.panel(sample, View())
    assert isinstance(panel, dashboard.IntervalsPanel)
    plants = planted(truth)
    labels = [label for label, _ in panel.picker.options]
    assert len(labels) == len(plants) == 35
    days = [dt.datetime.strptime(label.split(" · ")[0], "%a %d %b %Y").date() for label in labels]
    assert days == sorted(days, reverse=True)
    assert {str(d) for d in days} == set(plants)
    for label, day in zip(labels, days, strict=True):
        assert label.endswith(f"{len(plants[str(day)])} repeats")
    assert panel.picker.value == panel.picker.options[0][1]  # the newest opens
    for fig in figures_of(panel).values():
        valid(fig)
    assert "Next step:" in (panel.line.value if panel.line else "")
    # the page puts the picker right above the session's charts
    kinds = [type(w).__name__ for w in panel.children]
    assert kinds.index("Dropdown") == kinds.index("Chart") + 2


def test_sample_bars_equal_the_planted_repeats_and_picking_changes_them(
    sample: TrainingLog, truth: dict[str, Any]
) -> None:
    panel = dashboard.panel(sample, View())
    plants = planted(truth)
    chosen = next(v for label, v in panel.picker.options if label.startswith("Tue 04 Mar 2025"))
    before = panel.charts["repeats"].figure
    panel.picker.value = chosen
    after = panel.charts["repeats"].figure
    assert after is not before and "Tue 04 Mar 2025" in after.layout.title.text
    want = plants["2025-03-04"]
    bars = after.data[0]
    assert len(bars.x) == len(want) == 6
    for got, rep in zip(bars.y, want, strict=True):
        assert got == pytest.approx(rep["end_s"] - rep["start_s"], abs=3)
    route = panel.charts["route"].figure
    assert "Tue 04 Mar 2025" in route.layout.title.text
    assert route.data[1].name == "repeats" and np.isfinite(np.asarray(route.data[1].x, float)).any()
    # pace per mile is pace per km times 1.609344
    km = list(after.data[2].y)
    panel.show(View(units="mi"))
    assert panel.picker.value == chosen  # a view change keeps the session picked
    mi = list(panel.charts["repeats"].figure.data[2].y)
    assert mi == pytest.approx([p * MILE for p in km])
    pace_km = figures_of(panel)["repeat_pace"]
    panel.show(View(units="km"))
    assert list(figures_of(panel)["repeat_pace"].data[0].y) == pytest.approx(
        [p / MILE for p in pace_km.data[0].y]
    )


def test_sample_date_range_narrows_the_picker_and_the_weeks(sample: TrainingLog) -> None:
    panel = dashboard.panel(sample, View())
    old = panel.picker.value
    panel.show(View(start=dt.date(2025, 5, 5), end=dt.date(2025, 5, 31)))
    labels = [label for label, _ in panel.picker.options]
    assert [label[:15] for label in labels] == [
        "Thu 22 May 2025",
        "Tue 20 May 2025",
        "Thu 15 May 2025",
        "Tue 13 May 2025",
        "Tue 06 May 2025",
    ]
    assert panel.picker.value != old and panel.picker.value == panel.picker.options[0][1]
    weeks = set(figures_of(panel)["fast_time"].data[0].x)
    assert min(weeks) == "2025-05-05" and max(weeks) == "2025-05-26"
    # the holiday week has none: every chart says so, the picker is off
    panel.show(View(start=dt.date(2025, 5, 26), end=dt.date(2025, 6, 1)))
    assert panel.picker.options == () and panel.picker.disabled
    for fig in figures_of(panel).values():
        assert not fig.data and "No interval sessions" in fig.layout.annotations[0].text
    assert "3 min easy" in (panel.line.value if panel.line else "")


def test_sliced_weeks_equal_the_progression_functions(sample: TrainingLog) -> None:
    prepared = dashboard.prepare(sample)
    assert prepared.first is not None and prepared.last is not None
    rng = random.Random(3)
    span = (prepared.last - prepared.first).days
    for _ in range(60):
        a = prepared.first + dt.timedelta(days=rng.randint(0, span))
        b = min(
            prepared.last, a + dt.timedelta(days=rng.choice([0, 2, 6, 9, rng.randint(0, span)]))
        )
        shown, weekly, by_length = prepared.between(a, b)
        per = prepared.per_session
        want = weekly_progression(per, start=a, end=b)
        pd.testing.assert_frame_equal(
            weekly.reset_index(drop=True), want.reset_index(drop=True), check_dtype=False
        )
        want_l = pace_by_length(prepared.repeats, prepared.dates, start=a, end=b)
        want_l = want_l.sort_values(["week", "length_class"]).reset_index(drop=True)
        pd.testing.assert_frame_equal(by_length.reset_index(drop=True), want_l, check_dtype=False)
        assert shown["local_date"].between(pd.Timestamp(a), pd.Timestamp(b)).all()


def test_sample_without_positions_says_so(sample: TrainingLog) -> None:
    hidden = TrainingLog(
        sessions=sample.sessions,
        laps=sample.laps,
        samples=sample.samples.assign(lat_deg=np.nan, lon_deg=np.nan),
        sets=sample.sets,
    )
    panel = dashboard.panel(hidden, View())
    route = panel.charts["route"].figure
    valid(route)
    assert not route.data and "no positions" in route.layout.annotations[0].text
    assert len(panel.charts["repeats"].figure.data[0].x) > 0  # the repeats still show


def test_app_is_a_page_with_the_shared_controls(sample: TrainingLog) -> None:
    page = dashboard.app(sample, start="2025-03-01", units="mi")
    controls = page.children[1]
    assert controls.units.value == "mi" and controls.start.value == dt.date(2025, 3, 1)
    panel = page.children[2]
    assert isinstance(panel, dashboard.IntervalsPanel)
    assert all(
        "Mar" in label or "Apr" in label or "May" in label or "Jun" in label or "Jul" in label
        for label, _ in panel.picker.options
    )
    controls.units.value = "km"
    assert panel.view.units == "km"


def test_a_log_without_interval_sessions_draws_empty_states(sample: TrainingLog) -> None:
    holiday = sample.between("2025-05-26", "2025-06-01")  # the sample's week off
    page = dashboard.app(holiday)
    panel = page.children[2]
    assert isinstance(panel, dashboard.IntervalsPanel)
    assert panel.picker.options == () and panel.picker.disabled
    for chart in panel.charts.values():
        valid(chart.figure)
        assert "No interval sessions" in chart.figure.layout.annotations[0].text
    assert "3 min easy" in (panel.line.value if panel.line else "")
    assert dashboard.panel(TrainingLog(), View()).picker.options == ()  # an empty log too


def test_dark_theme_and_the_overview_tab(sample: TrainingLog) -> None:
    from stridekit.dashboard import overview

    panel = dashboard.panel(sample, View(theme="dark", units="mi"))
    for chart in panel.charts.values():
        fig = valid(chart.figure)
        assert fig.layout.template.layout.paper_bgcolor == "#111111"
    assert "min/mi" in panel.charts["repeats"].figure.layout.yaxis2.title.text
    app = overview.app(sample, tab="intervals")
    tabs = app.children[-1].children[-1]
    assert isinstance(tabs.panels["intervals"], dashboard.IntervalsPanel)


def test_a_date_change_sends_the_top_chart_before_building_the_next(
    sample: TrainingLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The two charts at the top of the page are the range's: the first is sent before the
    second is built, and both before the session list and the session's charts."""
    panel = dashboard.panel(sample, View())
    events: list[str] = []
    for name, chart in panel.charts.items():
        chart.observe(lambda _change, name=name: events.append(f"sent {name}"), names="spec_json")
    panel.picker.observe(lambda _change: events.append("picker"), names="options")
    for name in ("fast_time_by_week", "repeat_pace_by_length", "repeat_bars"):
        made = getattr(charts, name)

        def spy(*args: Any, _made: Any = made, _name: str = name, **kwargs: Any) -> go.Figure:
            events.append(f"built {_name}")
            return _made(*args, **kwargs)

        monkeypatch.setattr(charts, name, spy)
    panel.show(View(start=dt.date(2025, 5, 5), end=dt.date(2025, 5, 31)))
    assert events[:5] == [
        "built fast_time_by_week",
        "sent fast_time",
        "built repeat_pace_by_length",
        "sent repeat_pace",
        "picker",
    ]
    assert events[5:] == ["built repeat_bars", "sent repeats", "sent route"]
