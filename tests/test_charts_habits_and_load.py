"""Habits-and-load charts and dashboard: hand-built tables, the sample runner and its truth."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
from conftest import trace_x

import stridekit
from stridekit import schema
from stridekit.analysis.habits import habit_shares, run_habits, weekly_mobility
from stridekit.analysis.load import acute_chronic, weekly_load
from stridekit.analysis.stride import weekly_stride
from stridekit.charts.habits import (
    habit_tally,
    mobility_by_week,
    stride_by_week,
    warmup_cooldown_by_kind,
)
from stridekit.charts.load import flagged_spans, load_by_week, load_ratio
from stridekit.dashboard import habits_and_load as hl
from stridekit.dashboard.common import View
from stridekit.log import TrainingLog

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "sample"
MILE = 1.609344
NAN = float("nan")


def sessions(rows: list[tuple[str, str, str, str, float, float, float, float]]) -> pd.DataFrame:
    """Rows of (session_id, UTC start, sport, kind, distance_m, duration_s, warmup_s,
    cooldown_s)."""
    columns = ["session_id", "start", "sport", "kind", "distance_m", "duration_s"]
    frame = pd.DataFrame(rows, columns=[*columns, "warmup_s", "cooldown_s"])
    frame["start_utc"] = pd.to_datetime(frame["start"]).dt.tz_localize("UTC")
    frame["local_date"] = frame["start_utc"].dt.tz_localize(None).dt.normalize()
    frame["moving_s"] = frame["duration_s"]
    return schema.conform(frame.drop(columns=["start"]), "sessions")


# Monday 2025-03-03. Week 1: three 10 km runs. Week 2: three 12 km runs (+20 %). Week 3:
# nothing (sick). Week 4: three 10 km runs (ramp not known after a week without load).
LOG = sessions(
    [
        ("r1", "2025-03-03 18:00", "run", "easy", 10_000, 3000, 600, 300),
        ("m1", "2025-03-03 18:55", "mobility", "stretching", NAN, 600, NAN, NAN),  # warm
        ("r2", "2025-03-05 18:00", "run", "intervals", 10_000, 3000, 0, 0),
        ("r3", "2025-03-07 18:00", "run", "easy", 10_000, 3000, NAN, NAN),  # not known
        ("m2", "2025-03-08 07:00", "mobility", "stretching", NAN, 600, NAN, NAN),  # cold
        ("r4", "2025-03-10 18:00", "run", "easy", 12_000, 3600, 600, 0),
        ("r5", "2025-03-12 18:00", "run", "intervals", 12_000, 3600, 900, 600),
        ("r6", "2025-03-14 18:00", "run", "long", 12_000, 3600, 600, 600),
        ("m3", "2025-03-15 07:00", "mobility", "yoga", NAN, 1800, NAN, NAN),  # cold
        ("r7", "2025-03-24 18:00", "run", "easy", 10_000, 3000, 600, 300),
        ("r8", "2025-03-26 18:00", "run", "easy", 10_000, 3000, 600, 300),
        ("r9", "2025-03-28 18:00", "run", "easy", 10_000, 3000, 600, 300),
    ]
)
LAPS = schema.empty("laps")
WEEKS = ["2025-03-03", "2025-03-10", "2025-03-17", "2025-03-24"]


def ratios(log: pd.DataFrame, end: str = "2025-03-30") -> pd.DataFrame:
    """Both methods' ratios, through Sunday 2025-03-30 (28 days: the last one is known)."""
    return pd.concat(
        [acute_chronic(log, method=m, end=end).assign(method=m) for m in ("rolling", "ewma")],
        ignore_index=True,
    )


def stride_table() -> pd.DataFrame:
    weeks = pd.date_range("2025-03-03", periods=6, freq="7D")
    return pd.DataFrame(
        {
            "week": weeks,
            "runs": [3, 3, 3, 3, 3, 0],
            "speed_mps": 2.5,
            "step_m": [1.0, 1.0, 1.0, 1.0, 1.03, NAN],
            "cadence_spm": [150.0, 150.0, 150.0, 150.0, 146.0, NAN],
            "baseline_step_m": [NAN, NAN, NAN, 1.0, 1.0, 1.0],
            "rise_pct": [NAN, NAN, NAN, 0.0, 3.0, NAN],
            "overstride": pd.array([None, None, None, False, True, None], dtype="boolean"),
            "note": [
                *["not known: fewer than 3"] * 3,
                "",
                "",
                "not known: no run with step length",
            ],
        }
    )


def trace(fig: go.Figure, name: str) -> Any:
    found = [t for t in fig.data if t.name == name]
    assert len(found) == 1, [t.name for t in fig.data]
    return found[0]


def names(fig: go.Figure) -> list[str]:
    return [t.name for t in fig.data]


def message(fig: go.Figure) -> str:
    assert not fig.data
    return str(fig.layout.annotations[0].text)


def validate(fig: go.Figure) -> None:
    go.Figure(fig.to_dict())  # validates every property; raises on a bad one


# --- hand-built tables ---------------------------------------------------------------------


def test_load_by_week_bars_ramp_marks_and_units() -> None:
    weekly = weekly_load(LOG)
    km = load_by_week(weekly, units="km")
    mi = load_by_week(weekly, units="mi")
    bars = km.data[0]
    assert list(bars.x) == WEEKS
    assert list(bars.y) == [30.0, 36.0, 0.0, 30.0]  # the sick week is a zero, not a gap
    assert np.allclose(mi.data[0].y * MILE, bars.y)
    assert mi.layout.yaxis.title.text == "mi" and km.layout.yaxis.title.text == "km"
    assert list(km.data[1].y) == [2.5, 3.0, 0.0, 2.5]  # hours
    ramp = trace(km, "ramped more than 10 % over the week before")
    assert list(ramp.x) == ["2025-03-10"] and list(ramp.text) == ["+20 %"]
    assert list(bars.marker.color) == ["#0072B2", "#D55E00", "#0072B2", "#0072B2"]
    hover = list(bars.hovertext)
    assert hover[0].endswith("ramp not known: no week before")
    assert "0 runs, 0.0 km" in hover[2] and hover[2].endswith("ramp -100 %")
    assert hover[3].endswith("ramp not known: no load the week before")
    assert "3 runs, 22.4 mi in 3:00:00, ramp +20 %" in mi.data[0].hovertext[1]


def test_load_ratio_band_history_and_values() -> None:
    fig = load_ratio(ratios(LOG))
    rolling = trace(fig, "rolling 7:28 days")
    days = trace_x(rolling)
    assert days == list(pd.date_range("2025-03-03", "2025-03-30").strftime("%Y-%m-%d"))
    assert rolling.x0 == "2025-03-03" and rolling.dx == 86_400_000  # consecutive days: x0, dx
    # too little history: missing (a gap), never zero; the 28th day is known
    assert np.isnan(rolling.y[:27]).all()
    assert rolling.y[27] == pytest.approx((30_000 / 7) / (96_000 / 28))
    short = trace(fig, "too little history: ratio not known")
    assert list(short.x) == WEEKS and short.yaxis == "y2"
    assert fig.layout.yaxis2.visible is False  # the marks sit on a hidden axis, not at 0
    assert "fewer than 28 days of history" in short.hovertext[0]
    band = [s for s in fig.layout.shapes if s.name == "usual range 0.8-1.3"]
    assert len(band) == 1 and (band[0].y0, band[0].y1) == (0.8, 1.3)
    shaded = [s for s in fig.layout.shapes if s.name == "too little history"]
    assert [(s.x0, s.x1) for s in shaded] == [("2025-03-03", "2025-03-30")]


@pytest.mark.parametrize(
    ("flags", "spans"),
    [
        ("", []),
        ("....", []),
        ("xxxx", [(0, 3)]),
        ("x..x", [(0, 0), (3, 3)]),
        (".xx.xxx", [(1, 2), (4, 6)]),
    ],
)
def test_flagged_spans_are_the_runs_of_flagged_days(
    flags: str, spans: list[tuple[int, int]]
) -> None:
    days = pd.Series(pd.date_range("2025-03-03", periods=len(flags)))
    marked = np.array([c == "x" for c in flags], dtype=bool)
    assert flagged_spans(days, marked) == [(days[a], days[b]) for a, b in spans]


def test_load_ratio_marks_days_above_the_band() -> None:
    frame = ratios(LOG)
    frame["enough_history"] = True
    frame["ratio"] = np.where(frame["date"] == pd.Timestamp("2025-03-10"), 1.5, 1.0)
    fig = load_ratio(frame)
    above = trace(fig, "above 1.3")
    assert list(above.x) == ["2025-03-10", "2025-03-10"]
    assert list(above.hovertext) == ["rolling", "ewma"]
    assert "too little history: ratio not known" not in names(fig)
    assert "yaxis2" not in fig.to_dict()["layout"]  # no marks: no hidden axis for them


def test_warmup_cooldown_by_kind_says_what_is_not_known() -> None:
    habits = run_habits(LOG, LAPS)
    fig = warmup_cooldown_by_kind(habits)
    warm, cool = fig.data
    assert list(warm.x) == [
        "intervals<br>2 runs",
        "long<br>1 run",
        "easy<br>6 runs, 1 not known",
        "all<br>9 runs, 1 not known",
    ]
    assert warm.y == pytest.approx([50.0, 100.0, 100.0, 87.5])
    assert cool.y == pytest.approx([50.0, 100.0, 80.0, 75.0])
    assert warm.name == "warm-up: share of runs (1 not known, left out)"
    assert warm.hovertext[2] == "warm-up in 5 of 5 runs (100 %); not known for 1, left out"
    # the same numbers as the analysis' own shares
    shares = habit_shares(LOG, LAPS).set_index("kind")
    tally = habit_tally(habits).set_index("kind")
    for kind in ("easy", "intervals", "long", "all"):
        assert tally.loc[kind, "warmup_share"] == shares.loc[kind, "warmup_share"]
        assert tally.loc[kind, "cooldown_share"] == shares.loc[kind, "cooldown_share"]


def test_warmup_cooldown_none_known() -> None:
    habits = run_habits(LOG, LAPS)
    unknown = habits[habits["session_id"] == "r3"]
    assert message(warmup_cooldown_by_kind(unknown)).startswith(
        "Warm-up and cool-down are not known for any run"
    )


def test_mobility_by_week_warm_and_cold() -> None:
    fig = mobility_by_week(weekly_mobility(LOG))
    assert names(fig) == ["stretching, warm", "stretching, cold", "yoga, cold"]
    assert list(trace(fig, "stretching, warm").y) == [1, 0, 0, 0]
    assert list(trace(fig, "stretching, cold").y) == [1, 0, 0, 0]
    assert list(trace(fig, "yoga, cold").y) == [0, 1, 0, 0]
    assert list(fig.data[0].x) == WEEKS  # weeks without mobility work are there, as zeros
    cold = trace(fig, "yoga, cold")
    assert cold.marker.line.color == "#D55E00" and cold.marker.color == "#E28E4D"
    assert trace(fig, "stretching, warm").marker.line.color == "#009E73"
    assert fig.layout.barmode == "stack"
    assert "1 warm, 2 cold" in fig.layout.title.text


def test_stride_by_week_overstride_and_missing_weeks() -> None:
    table = stride_table()
    km = stride_by_week(table, units="km")
    over = trace(km, "overstride: over 1.5 % above the recent level")
    assert list(over.x) == ["2025-03-31"] and list(over.y) == [1.03]
    assert [s.name for s in km.layout.shapes] == ["overstride week"]
    step = trace(km, "step length (m)")
    assert np.isnan(step.y[5]) and step.y[4] == 1.03
    assert "at 6:40 /km" in step.hovertext[4] and "+3.0 % on the recent level" in step.hovertext[4]
    missing = trace(km, "no value this week")
    assert list(missing.x) == ["2025-04-07"] and missing.yaxis == "y3"
    assert "no run with step length" in missing.hovertext[0]
    assert list(trace(km, "cadence (steps/min)").y[:5]) == [150.0] * 4 + [146.0]
    mi = stride_by_week(table, units="mi")
    assert "at 10:44 /mi" in trace(mi, "step length (m)").hovertext[4]
    assert list(trace(mi, "step length (m)").y[:5]) == list(step.y[:5])  # metres either way


def test_empty_states_say_what_would_fill_them() -> None:
    assert message(load_by_week(weekly_load(LOG).iloc[:0])).startswith("No runs in this date")
    assert message(load_ratio(ratios(LOG).iloc[:0])).startswith("No runs in this date range")
    first_days = ratios(LOG)
    first_days = first_days[first_days["date"] < pd.Timestamp("2025-03-20")]
    assert "needs 28 days of runs" in message(load_ratio(first_days))
    assert message(warmup_cooldown_by_kind(run_habits(LOG, LAPS).iloc[:0])).startswith(
        "No runs in this date range"
    )
    assert "hand-kept log" in message(mobility_by_week(weekly_mobility(LOG).iloc[:0]))
    no_mobility = weekly_mobility(LOG[LOG["sport"] == "run"])
    assert message(mobility_by_week(no_mobility)).startswith("No stretching, yoga or pilates")
    assert "cadence and speed" in message(stride_by_week(stride_table().iloc[5:]))


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_every_figure_validates(theme: str) -> None:
    figures = [
        load_by_week(weekly_load(LOG), units="mi", theme=theme),
        load_ratio(ratios(LOG), theme=theme),
        warmup_cooldown_by_kind(run_habits(LOG, LAPS), theme=theme),
        mobility_by_week(weekly_mobility(LOG), theme=theme),
        stride_by_week(stride_table(), units="mi", theme=theme),
        load_by_week(weekly_load(LOG).iloc[:0], theme=theme),
        load_ratio(ratios(LOG).iloc[:0], theme=theme),
        mobility_by_week(weekly_mobility(LOG).iloc[:0], theme=theme),
        stride_by_week(stride_table().iloc[:0], theme=theme),
    ]
    for fig in figures:
        validate(fig)
    assert figures[0].layout.template.layout.paper_bgcolor == (
        "#111111" if theme == "dark" else "white"
    )


def test_titles_are_replaceable() -> None:
    assert load_by_week(weekly_load(LOG), title="Mine").layout.title.text == "Mine"
    assert mobility_by_week(weekly_mobility(LOG), title="Mine").layout.title.text == "Mine"
    assert stride_by_week(stride_table(), title="Mine").layout.title.text == "Mine"
    assert load_ratio(ratios(LOG), title="Mine").layout.title.text == "Mine"
    assert "shaded: 0.8 to 1.3" in load_ratio(ratios(LOG)).layout.title.text


def test_units_are_checked() -> None:
    with pytest.raises(ValueError, match="units='furlong' is not valid; choose one of km, mi"):
        load_by_week(weekly_load(LOG), units="furlong")
    with pytest.raises(ValueError, match="theme='neon' is not valid"):
        load_ratio(ratios(LOG), theme="neon")


# --- the sample runner ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TrainingLog]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("STRIDEKIT_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
        yield stridekit.sample_log()


@pytest.fixture(scope="module")
def truth() -> dict[str, Any]:
    return json.loads((SAMPLE / "truth.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def whole(sample: TrainingLog) -> dict[str, go.Figure]:
    return hl.figures(hl.shown(hl.tables(sample), View()), View())


def mondays(truth: dict[str, Any], key: str) -> list[str]:
    return [w["monday"] for w in truth["generator"][key]]


def test_sample_overstride_weeks_exactly(
    whole: dict[str, go.Figure], truth: dict[str, Any]
) -> None:
    fig = whole["stride"]
    over = trace(fig, "overstride: over 1.5 % above the recent level")
    assert list(over.x) == mondays(truth, "overstride_weeks")  # weeks 13-16, no others
    shaded = [(s.x0[:10], s.x1[:10]) for s in fig.layout.shapes if s.name == "overstride week"]
    assert shaded == [("2025-04-03", "2025-05-01")]  # one band over the four weeks
    sick = mondays(truth, "sick_weeks")
    assert list(trace(fig, "no value this week").x) == sick


def test_sample_stride_with_integer_ids_is_the_analysis(sample: TrainingLog) -> None:
    """The dashboard's fast path (integer ids) gives weekly_stride's own table."""
    pd.testing.assert_frame_equal(
        hl._stride(sample), weekly_stride(sample.sessions, sample.samples)
    )


def test_sample_load_sick_and_holiday_weeks(
    whole: dict[str, go.Figure], truth: dict[str, Any]
) -> None:
    bars = whole["load"].data[0]
    by_week = dict(zip(bars.x, bars.y, strict=True))
    assert len(by_week) == truth["generator"]["weeks"]
    (sick,) = mondays(truth, "sick_weeks")
    (holiday,) = mondays(truth, "holiday_weeks")
    assert by_week[sick] == 0.0  # a zero row, not a missing one
    planted: Counter[str] = Counter()
    for s in truth["sessions"]:
        if s["sport"] == "run":
            day = dt.date.fromisoformat(s["local_date"])
            planted[str(day - dt.timedelta(days=day.weekday()))] += s["distance_m"] / 1000
    for week, km in planted.items():
        assert by_week[week] == pytest.approx(km, rel=1e-4)
    assert by_week[holiday] == pytest.approx(planted[holiday], rel=1e-4)  # the holiday's 2 runs
    after = list(bars.x).index(sick) + 1
    assert bars.hovertext[after].endswith("ramp not known: no load the week before")
    assert "2 runs" in bars.hovertext[list(bars.x).index(holiday)]


def test_sample_units_switch_scales_the_load(sample: TrainingLog) -> None:
    part = hl.shown(hl.tables(sample), View())
    km = hl.figures(part, View(units="km"))["load"].data[0].y
    mi = hl.figures(part, View(units="mi"))["load"].data[0].y
    assert len(km) == 26 and km.sum() > 0
    assert np.allclose(km, mi * MILE, rtol=1e-12)
    dark = hl.figures(part, View(theme="dark"))
    assert all(f.layout.template.layout.paper_bgcolor == "#111111" for f in dark.values())


def test_sample_mobility_warm_and_cold_counts(
    whole: dict[str, go.Figure], truth: dict[str, Any]
) -> None:
    planted: Counter[str] = Counter()
    for s in truth["sessions"]:
        if s["sport"] == "mobility":
            planted[f"{s['kind']}, {'warm' if s['warm'] else 'cold'}"] += 1
    got = {t.name: int(np.sum(t.y)) for t in whole["mobility"].data}
    assert got == dict(planted)
    assert sum(v for k, v in got.items() if k.endswith("warm")) == 43
    assert sum(v for k, v in got.items() if k.endswith("cold")) == 26


def test_sample_habits_chart_is_habit_shares(
    sample: TrainingLog, whole: dict[str, go.Figure]
) -> None:
    shares = habit_shares(sample.sessions, sample.laps).set_index("kind")
    warm, cool = whole["habits"].data
    kinds = [x.split("<br>")[0] for x in warm.x]
    assert kinds[-1] == "all" and set(kinds) == set(shares.index)
    for kind, w, c in zip(kinds, warm.y, cool.y, strict=True):
        assert w == pytest.approx(100 * shares.loc[kind, "warmup_share"])
        assert c == pytest.approx(100 * shares.loc[kind, "cooldown_share"])


def test_sample_ratio_history_is_marked_not_zero(whole: dict[str, go.Figure]) -> None:
    fig = whole["ratio"]
    rolling = trace(fig, "rolling 7:28 days")
    known = ~np.isnan(rolling.y)
    assert not known[:27].any() and known[27:].all()
    short = trace(fig, "too little history: ratio not known")
    assert list(short.x) == ["2025-01-06", "2025-01-13", "2025-01-20", "2025-01-27"]


def test_sample_date_range_slices_whole_weeks_and_keeps_history(sample: TrainingLog) -> None:
    view = View(start=dt.date(2025, 5, 7), end=dt.date(2025, 6, 15))
    part = hl.shown(hl.tables(sample), view)
    figs = hl.figures(part, view)
    assert list(figs["load"].data[0].x) == [
        "2025-05-05",
        "2025-05-12",
        "2025-05-19",
        "2025-05-26",
        "2025-06-02",
        "2025-06-09",
    ]
    # the first week's ramp comes from the week before the range
    assert "ramp not known" not in figs["load"].data[0].hovertext[0]
    rolling = trace(figs["ratio"], "rolling 7:28 days")
    days = trace_x(rolling)
    assert days[0] == "2025-05-07" and days[-1] == "2025-06-15"
    assert not np.isnan(rolling.y).any()  # 28 days of history from before the range
    assert "too little history: ratio not known" not in names(figs["ratio"])
    assert "overstride: over 1.5 % above the recent level" not in names(figs["stride"])
    assert part.habits["local_date"].min() >= pd.Timestamp("2025-05-07")
    for fig in figs.values():
        validate(fig)


def test_sample_headline(sample: TrainingLog) -> None:
    data = hl.tables(sample)
    text = hl.headline(hl.shown(data, View()))
    assert (
        "stride lengthened more than 1.5 % above its recent level in 4 weeks (weeks of "
        "07 Apr 2025, 14 Apr 2025, 21 Apr 2025, 28 Apr 2025)" in text
    )
    assert "26 of 69 stretching, yoga or pilates sessions were done cold" in text
    assert "weeks ramped more than 10 % over the week before" in text
    shares = habit_shares(sample.sessions, sample.laps).set_index("kind").loc["all"]
    assert (
        f"Warm-up before {100 * shares['warmup_share']:.0f} % of runs; "
        f"cool-down after {100 * shares['cooldown_share']:.0f} % of runs." in text
    )
    later = hl.headline(hl.shown(data, View(start=dt.date(2025, 5, 5))))
    assert "stride lengthened" not in later


def test_hand_built_headline_says_not_known_and_no_warnings() -> None:
    quiet = LOG[LOG["session_id"].isin(["r1", "r3"])]
    log = TrainingLog(sessions=quiet, laps=LAPS)
    text = hl.headline(hl.shown(hl.tables(log), View()))
    assert text.startswith("<p class='stridekit-summary'>No warnings in this range")
    assert "Warm-up before 100 % of runs (1 not known, left out)" in text


def test_panel_redraws_only_what_changed(sample: TrainingLog) -> None:
    panel = hl.panel(sample, View())
    assert list(panel.charts) == ["load", "ratio", "habits", "mobility", "stride"]
    before = {name: chart.figure for name, chart in panel.charts.items()}
    panel.show(View(units="mi"))
    after = {name: chart.figure for name, chart in panel.charts.items()}
    assert np.allclose(before["load"].data[0].y, after["load"].data[0].y * MILE)
    assert after["habits"] is before["habits"] and after["ratio"] is before["ratio"]
    assert after["stride"] is not before["stride"]
    panel.show(View(start=dt.date(2025, 5, 5), units="mi"))
    assert panel.charts["load"].figure.data[0].x[0] == "2025-05-05"
    assert panel.line is not None and "stride lengthened" not in panel.line.value


def test_tables_are_cached_on_disk(sample: TrainingLog) -> None:
    first = hl._compute(sample)
    again = hl._compute(sample)  # read back from Parquet
    for name in ("habits", "mobility", "load", "ratio", "stride"):
        pd.testing.assert_frame_equal(getattr(first, name), getattr(again, name))
