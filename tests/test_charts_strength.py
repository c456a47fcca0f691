"""Strength charts and the strength dashboard's panel, on a hand-built log and on the sample."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import pytest

import stridekit
from stridekit import schema
from stridekit.analysis.strength import (
    exercise_coverage,
    strength_calendar,
    strength_sessions,
    strength_streaks,
    weekly_strength,
)
from stridekit.charts import strength as charts
from stridekit.dashboard import strength as dashboard
from stridekit.dashboard.common import View
from stridekit.log import TrainingLog

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "sample"


@pytest.fixture(autouse=True)
def _own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STRIDEKIT_CACHE_DIR", str(tmp_path / "cache"))


def sessions(rows: list[tuple[str, str, str]]) -> pd.DataFrame:
    """Rows of (session_id, date, sport)."""
    frame = pd.DataFrame(rows, columns=["session_id", "date", "sport"])
    frame["start_utc"] = pd.to_datetime(frame["date"]).dt.tz_localize("UTC")
    frame["local_date"] = pd.to_datetime(frame["date"])
    frame["kind"] = frame["sport"].where(frame["sport"] != "run", "easy")
    frame["duration_s"] = 1800.0
    frame["distance_m"] = frame["sport"].map({"run": 8000.0})
    return schema.conform(frame.drop(columns=["date"]), "sessions")


def sets(rows: list[tuple[str, str | None]]) -> pd.DataFrame:
    """Rows of (session_id, exercise as written)."""
    frame = pd.DataFrame(rows, columns=["session_id", "category"])
    frame["exercise"] = frame["category"]
    frame["set_index"] = frame.groupby("session_id").cumcount()
    return schema.conform(frame, "sets")


# Monday 2025-03-03. Week 1: strength on Tuesday (a run day) and Wednesday (between runs);
# week 2: a run only; week 3: strength on Wednesday.
LOG = sessions(
    [
        ("r1", "2025-03-04", "run"),
        ("g1", "2025-03-04", "strength"),
        ("g2", "2025-03-05", "strength"),
        ("r2", "2025-03-06", "run"),
        ("r3", "2025-03-12", "run"),
        ("g3", "2025-03-19", "strength"),
    ]
)
SETS = sets(
    [
        ("g1", "Calf raises"),
        ("g1", "heel raise"),
        ("g1", "Goblet squats"),
        ("g2", "plank"),
        ("g2", "Nordic curls"),
        ("g2", None),
        ("g3", "lunges"),
    ]
)
WEEKS = ["2025-03-03", "2025-03-10", "2025-03-17"]


def valid(fig: go.Figure) -> go.Figure:
    """``fig`` after plotly validated every property of it (raises on a bad one)."""
    return go.Figure(fig.to_dict())


def traces(fig: go.Figure) -> dict[str, Any]:
    return {t.name: t for t in fig.data}


def empty_message(fig: go.Figure) -> str:
    assert not fig.data
    return str(fig.layout.annotations[0].text)


def hand_log() -> TrainingLog:
    return TrainingLog(sessions=LOG, sets=SETS)


# --- the charts on a hand-built table ---------------------------------------------------------


def test_calendar_colours_each_day_by_what_it_held() -> None:
    fig = valid(charts.calendar_heatmap(strength_calendar(LOG, SETS)))
    (cell,) = fig.data
    assert list(cell.x) == WEEKS and list(cell.y) == list(range(7))
    assert list(fig.layout.yaxis.ticktext) == list(charts.WEEKDAYS)
    z = [list(row) for row in cell.z]
    # rest 0, run 1, strength 2, strength and a run 3; rows Monday to Sunday
    assert z == [
        [0, 0, 0],
        [3, 0, 0],
        [2, 1, 2],
        [1, 0, 0],
        [0, 0, 0],
        [0, 0, 0],
        [0, 0, 0],
    ]
    assert cell.text[1][0] == "Tue 04 Mar 2025: strength and a run"
    assert cell.text[2][0] == "Wed 05 Mar 2025: strength between runs"
    assert fig.layout.title.text == "Calendar: 3 strength sessions on 3 days"
    assert fig.layout.yaxis.autorange == "reversed"


def test_calendar_takes_hover_texts_computed_once_for_a_log() -> None:
    days = strength_calendar(LOG, SETS, start="2025-03-05", end="2025-03-12")
    days["detail"] = ["a line<br>another"] + [""] * (len(days) - 1)
    computed = charts.calendar_heatmap(days).data[0]
    given = charts.calendar_heatmap(days.assign(hover=charts.day_hover(days))).data[0]
    assert [list(r) for r in given.text] == [list(r) for r in computed.text]
    assert given.text[2][0] == "Wed 05 Mar 2025: strength between runs<br>a line<br>another"
    own = charts.calendar_heatmap(days.assign(hover=[f"day {i}" for i in range(len(days))]))
    assert own.data[0].text[2][0] == "day 0"  # the first day shown, a Wednesday


def test_calendar_leaves_days_outside_the_range_blank_and_lists_sessions() -> None:
    days = strength_calendar(LOG, SETS, start="2025-03-05", end="2025-03-12")
    days["detail"] = ["a line<br>another"] + [""] * (len(days) - 1)
    cell = valid(charts.calendar_heatmap(days)).data[0]
    assert list(cell.x) == ["2025-03-03", "2025-03-10"]
    assert [row[0] for row in cell.z] == [None, None, 2, 1, 0, 0, 0]
    assert [row[1] for row in cell.z] == [0, 0, 1, None, None, None, None]
    assert cell.text[2][0] == "Wed 05 Mar 2025: strength between runs<br>a line<br>another"


def test_sessions_per_week_against_the_target() -> None:
    fig = valid(charts.sessions_per_week(weekly_strength(LOG), target=2))
    by = traces(fig)
    assert list(by["on rest days"].x) == WEEKS
    assert list(by["on rest days"].y) == [1, 0, 1]
    assert list(by["on run days"].y) == [1, 0, 0]
    line = by["your target: 2 a week"]
    assert list(line.y) == [2, 2] and line.line.dash == "dash"
    assert list(by["under target"].x) == ["2025-03-10", "2025-03-17"]
    assert list(by["under target"].customdata[0]) == ["week of Mon 10 Mar 2025", 0, 2]
    assert fig.layout.title.text == "Strength sessions per week: 1 of 3 weeks at your target of 2"
    assert fig.layout.barmode == "stack"


def test_the_target_line_moves_with_the_target() -> None:
    weekly = weekly_strength(LOG)
    one = traces(charts.sessions_per_week(weekly, target=1))
    assert list(one["your target: 1 a week"].y) == [1, 1]
    assert list(one["under target"].x) == ["2025-03-10"]
    three = traces(charts.sessions_per_week(weekly, target=3))
    assert list(three["your target: 3 a week"].y) == [3, 3]
    assert len(three["under target"].x) == 3
    zero = traces(charts.sessions_per_week(weekly, target=0))
    assert list(zero["your target: 0 a week"].y) == [0, 0] and "under target" not in zero
    none = traces(charts.sessions_per_week(weekly))
    assert set(none) == {"on rest days", "on run days"}


def test_exercise_coverage_of_the_five_groups() -> None:
    fig = valid(charts.exercise_coverage_heatmap(exercise_coverage(LOG, SETS)))
    (cell,) = fig.data
    assert list(cell.x) == WEEKS
    assert list(cell.y) == [0, 1, 2, 3, 4]
    assert list(fig.layout.yaxis.ticktext) == [
        "calf raises · 1/3 wk",
        "squats · 1/3 wk",
        "lunges · 1/3 wk",
        "knee raises · 0/3 wk",
        "core · 1/3 wk",
    ]
    assert [list(row) for row in cell.z] == [[2, 0, 0], [1, 0, 0], [0, 0, 1], [0, 0, 0], [1, 0, 0]]
    assert cell.text[0][0] == "week of Mon 03 Mar 2025<br>calf raises: 2 sets in 1 session"
    assert cell.text[3][0].endswith("knee raises: not done")


def test_placement_by_weekday() -> None:
    fig = valid(charts.placement_by_weekday(strength_sessions(LOG, SETS)))
    rest, run = fig.data
    assert rest.name == "on rest days: 2 (67 %)" and run.name == "on run days: 1 (33 %)"
    assert list(rest.x) == list(charts.WEEKDAYS)
    assert list(rest.y) == [0, 0, 2, 0, 0, 0, 0]
    assert list(run.y) == [0, 1, 0, 0, 0, 0, 0]
    assert fig.layout.title.text.startswith("Placement: 2 of 3 strength sessions (67 %)")


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_every_figure_validates_in_both_themes(theme: str) -> None:
    runs_only = LOG[LOG["sport"] == "run"]
    no_sets = schema.empty("sets")
    empty = schema.empty("sessions")
    figures = [
        charts.calendar_heatmap(strength_calendar(LOG, SETS), theme=theme),
        charts.calendar_heatmap(strength_calendar(runs_only, no_sets), theme=theme),
        charts.calendar_heatmap(strength_calendar(empty, no_sets), theme=theme),
        charts.sessions_per_week(weekly_strength(LOG), target=2, theme=theme),
        charts.sessions_per_week(weekly_strength(runs_only), target=2, theme=theme),
        charts.sessions_per_week(weekly_strength(empty), target=2, theme=theme),
        charts.exercise_coverage_heatmap(exercise_coverage(LOG, SETS), theme=theme),
        charts.exercise_coverage_heatmap(exercise_coverage(runs_only, no_sets), theme=theme),
        charts.placement_by_weekday(strength_sessions(LOG, SETS), theme=theme),
        charts.placement_by_weekday(strength_sessions(runs_only, no_sets), theme=theme),
    ]
    import plotly.io as pio

    from stridekit.theme import template

    background = pio.templates[template(theme)].layout.paper_bgcolor
    for fig in figures:
        checked = valid(fig)
        assert checked.layout.template.layout.paper_bgcolor == background
    calendar = figures[0].data[0]
    assert calendar.colorscale[0][1] == charts.EMPTY_CELL[theme]
    assert figures[6].data[0].colorscale[0][1] == charts.EMPTY_CELL[theme]


def test_empty_states_say_what_would_fill_them() -> None:
    runs_only = LOG[LOG["sport"] == "run"]
    no_sets = schema.empty("sets")
    for fig in (
        charts.sessions_per_week(weekly_strength(runs_only), target=2),
        charts.exercise_coverage_heatmap(exercise_coverage(runs_only, no_sets)),
        charts.placement_by_weekday(strength_sessions(runs_only, no_sets)),
    ):
        assert empty_message(fig).startswith("No strength sessions in this date range.")
        assert "hand-kept log" in empty_message(fig)
    # the calendar still shows the runs, and says there is no strength
    calendar = charts.calendar_heatmap(strength_calendar(runs_only, no_sets))
    assert calendar.layout.title.text.startswith("Calendar: no strength sessions")
    assert {v for row in calendar.data[0].z for v in row} == {0, 1}
    nothing = strength_calendar(schema.empty("sessions"), no_sets)
    assert empty_message(charts.calendar_heatmap(nothing)).startswith("No days in this date range")
    assert empty_message(
        charts.sessions_per_week(weekly_strength(schema.empty("sessions")))
    ).startswith("No days")


def test_chart_arguments_are_checked() -> None:
    with pytest.raises(ValueError, match="theme='neon' is not valid; choose one of light, dark"):
        charts.calendar_heatmap(strength_calendar(LOG, SETS), theme="neon")
    with pytest.raises(ValueError, match="theme='neon' is not valid"):
        charts.placement_by_weekday(strength_sessions(LOG, SETS), theme="neon")


# --- the panel: whole-log tables, sliced per view ---------------------------------------------


def test_panel_text_and_charts_on_a_hand_built_log() -> None:
    panel = dashboard.panel(hand_log(), View())
    assert list(panel.charts) == ["calendar", "per_week", "coverage", "placement"]
    assert panel.line is not None
    assert "<b>Current streak: none</b>" in panel.line.value
    assert "longest 1 week (from the week of 03 Mar 2025)" in panel.line.value
    assert "3 strength sessions in 3 weeks, 2 of them (67 %) on days between runs" in (
        panel.line.value
    )
    detail = panel.charts["calendar"].figure.data[0].text[1][0]
    assert detail.startswith("Tue 04 Mar 2025: strength and a run<br>easy run 8.0 km in 30:00")
    assert "strength 30 min: calf raise 2 sets, squat 1 set" in detail
    panel.show(View(units="mi", strength_target=1))
    detail = panel.charts["calendar"].figure.data[0].text[1][0]
    assert "km" not in detail and "easy run 5.0 mi in 30:00" in detail
    assert list(traces(panel.charts["per_week"].figure)["your target: 1 a week"].y) == [1, 1]
    assert "<b>Current streak: 1 week</b>" in panel.line.value


def test_headline_edge_cases() -> None:
    data = dashboard.tables(hand_log())
    part = dashboard.shown(data, None, None)
    assert "Set a target of at least one session a week" in dashboard.headline(part, 0)
    assert "<b>No week met your target of 3 a week yet.</b>" in dashboard.headline(part, 3)
    runs_only = TrainingLog(sessions=LOG[LOG["sport"] == "run"])
    none = dashboard.shown(dashboard.tables(runs_only), None, None)
    assert dashboard.headline(none, 2).startswith("<p>No strength sessions in these 2 weeks.")
    outside = dashboard.shown(data, dt.date(2030, 1, 1), None)
    assert dashboard.headline(outside, 2) == "<p>No days in this date range.</p>"
    figures = dashboard.figures(outside, View(start=dt.date(2030, 1, 1)))
    for name, fig in figures.items():
        message = empty_message(valid(fig))
        if name == "placement":  # it counts sessions, not days
            assert message.startswith("No strength sessions in this date range")
        else:
            assert message.startswith("No days in this date range")


def test_an_empty_log_draws_empty_states() -> None:
    panel = dashboard.panel(TrainingLog(), View())
    assert panel.line is not None and panel.line.value == "<p>No days in this date range.</p>"
    for chart in panel.charts.values():
        assert empty_message(valid(chart.figure))


# --- the sample runner ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample() -> TrainingLog:
    return stridekit.sample_log()


@pytest.fixture(scope="module")
def truth() -> dict[str, Any]:
    return json.loads((SAMPLE / "truth.json").read_text(encoding="utf-8"))


def _monday(day: str) -> str:
    d = dt.date.fromisoformat(day)
    return (d - dt.timedelta(days=d.weekday())).isoformat()


def test_sample_figures_hold_the_planted_strength(
    sample: TrainingLog, truth: dict[str, Any]
) -> None:
    planted = [s for s in truth["sessions"] if s["sport"] == "strength"]
    run_days = {s["local_date"] for s in truth["sessions"] if s["sport"] == "run"}
    on_run_days = sum(s["local_date"] in run_days for s in planted)
    assert (len(planted), len(planted) - on_run_days, on_run_days) == (48, 42, 6)
    gaps = {w["monday"] for w in truth["generator"]["sick_weeks"]}
    gaps |= {w["monday"] for w in truth["generator"]["holiday_weeks"]}
    assert gaps == {"2025-03-10", "2025-05-26"}  # week 9 (sick) and week 20 (holiday)

    panel = dashboard.panel(sample, View())
    figs = {name: valid(chart.figure) for name, chart in panel.charts.items()}

    per_week = traces(figs["per_week"])
    rest, run = per_week["on rest days"], per_week["on run days"]
    assert len(rest.x) == truth["generator"]["weeks"] == 26
    expected = Counter(_monday(s["local_date"]) for s in planted)
    totals = {x: r + n for x, r, n in zip(rest.x, rest.y, run.y, strict=True)}
    assert totals == {x: expected.get(x, 0) for x in rest.x}
    assert (sum(rest.y), sum(run.y)) == (42, 6)
    assert {x for x, n in totals.items() if n == 0} == gaps
    assert sorted(per_week["under target"].x) == sorted(gaps)
    assert list(per_week["your target: 2 a week"].y) == [2, 2]

    cells = [v for row in figs["calendar"].data[0].z for v in row if v is not None]
    assert Counter(cells)[2] == 42 and Counter(cells)[3] == 6  # one session a day here
    days = {s["local_date"] for s in planted}
    first = figs["calendar"].data[0]
    hovered = {
        t.split(":")[0] for row in first.text for t in row if "strength" in t.split("<br>")[0]
    }
    assert len(hovered) == len(days) == 48

    placement = figs["placement"].data
    assert (sum(placement[0].y), sum(placement[1].y)) == (42, 6)
    assert placement[0].name == "on rest days: 42 (88 %)"

    coverage = figs["coverage"].data[0]
    rows = figs["coverage"].layout.yaxis.ticktext
    assert rows[0] == "calf raises · 24/26 wk" and rows[1] == "squats · 24/26 wk"
    gap_columns = [i for i, x in enumerate(coverage.x) if x in gaps]
    assert all(coverage.z[g][i] == 0 for g in range(5) for i in gap_columns)
    planted_sets = sum(s["sets"] for s in planted)
    assert sum(v for row in coverage.z for v in row) == planted_sets


def test_sample_headline_streaks_match_the_analysis(sample: TrainingLog) -> None:
    streaks = strength_streaks(sample.sessions)
    assert streaks["weeks"].tolist() == [9, 10, 5]
    text = dashboard.headline(dashboard.shown(dashboard.tables(sample), None, None), 2)
    assert "<b>Current streak: 5 weeks</b> at your target of 2 a week" in text
    assert "(since the week of 02 Jun 2025)" in text
    assert "longest 10 weeks (from the week of 17 Mar to 19 May 2025)" in text
    assert "24 of 26 weeks met it" in text
    assert "48 strength sessions in 26 weeks, 42 of them (88 %) on days between runs" in text


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (None, None),
        (dt.date(2025, 3, 5), None),  # a Wednesday: a part week first
        (None, dt.date(2025, 5, 28)),
        (dt.date(2025, 2, 11), dt.date(2025, 4, 30)),
        (dt.date(2025, 5, 26), dt.date(2025, 6, 1)),  # the holiday week alone
    ],
)
def test_sliced_tables_equal_the_analyses_on_the_range(
    sample: TrainingLog, start: dt.date | None, end: dt.date | None
) -> None:
    part = dashboard.shown(dashboard.tables(sample), start, end)
    weekly = weekly_strength(sample.sessions, start=start, end=end)
    columns = ["week", "sessions", "rest_day", "run_day"]
    pd.testing.assert_frame_equal(
        part.weekly[columns].reset_index(drop=True),
        weekly[columns].reset_index(drop=True),
        check_names=False,
        check_freq=False,
    )
    coverage = exercise_coverage(sample.sessions, sample.sets, start=start, end=end)
    columns = ["week", "exercise", "sets", "sessions", "covered"]
    pd.testing.assert_frame_equal(
        part.coverage[columns].reset_index(drop=True),
        coverage[columns].reset_index(drop=True),
        check_dtype=False,
        check_freq=False,
    )
    expected = strength_sessions(sample.sessions, sample.sets, start=start, end=end)
    assert sorted(part.sessions["session_id"]) == sorted(expected["session_id"])
    calendar = strength_calendar(sample.sessions, sample.sets, start=start, end=end)
    if start is not None and end is not None:
        assert part.calendar["date"].tolist() == calendar["date"].tolist()
    assert part.calendar["sessions"].sum() == calendar["sessions"].sum()


def test_the_date_range_shrinks_the_weeks(sample: TrainingLog) -> None:
    panel = dashboard.panel(sample, View())
    before = set(panel.charts["calendar"].figure.data[0].x)
    panel.show(View(start=dt.date(2025, 5, 5)))
    after = set(panel.charts["calendar"].figure.data[0].x)
    assert after < before and min(after) == "2025-05-05"
    bars = traces(panel.charts["per_week"].figure)["on rest days"]
    assert min(bars.x) == "2025-05-05" and len(bars.x) == 9
    assert "9 weeks" in (panel.line.value if panel.line is not None else "")


def test_view_changes_slice_the_cached_tables(
    sample: TrainingLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After the panel is built, a view change never runs the analyses again, and a second
    kernel (a fresh log object with the same fingerprint) reads the tables from Parquet."""
    first = dataclasses.replace(sample)  # a new object: not yet in this kernel's memory
    panel = dashboard.panel(first, View())

    def fail(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the analysis ran again")

    for name in ("strength_calendar", "strength_sessions", "groups_table", "days_table"):
        monkeypatch.setattr(dashboard, name, fail)
    for target in (1, 3):
        panel.show(View(start=dt.date(2025, 2, 3), end=dt.date(2025, 6, 1), strength_target=target))
    again = dataclasses.replace(sample)  # same tables, same fingerprint, a new object
    assert again.fingerprint == sample.fingerprint is not None
    cached = dashboard.tables(again)
    original = dashboard.tables(first)
    pd.testing.assert_frame_equal(cached.days, original.days)
    pd.testing.assert_frame_equal(cached.groups, original.groups)
    pd.testing.assert_frame_equal(cached.sessions, original.sessions)


def test_dark_theme_and_miles_reach_every_chart(sample: TrainingLog) -> None:
    panel = dashboard.panel(sample, View(units="mi", theme="dark"))
    for chart in panel.charts.values():
        assert chart.figure.layout.template.layout.paper_bgcolor == "#111111"
    texts = [t for row in panel.charts["calendar"].figure.data[0].text for t in row]
    assert any(" mi in " in t for t in texts) and not any(" km in " in t for t in texts)
