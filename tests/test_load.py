"""Training load: weekly ramp, monotony and strain, acute:chronic ratio, session RPE."""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import stridekit
from stridekit import schema
from stridekit.analysis.load import acute_chronic, daily_load, session_rpe, weekly_load
from stridekit.log import TrainingLog

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "sample"


def sessions(rows: list[tuple[str, str, float, float, float | None]]) -> pd.DataFrame:
    """Rows of (date, sport, distance_m, duration_s, rpe)."""
    frame = pd.DataFrame(rows, columns=["date", "sport", "distance_m", "duration_s", "rpe"])
    frame["session_id"] = [f"s{i}" for i in range(len(frame))]
    frame["start_utc"] = pd.to_datetime(frame["date"]).dt.tz_localize("UTC")
    frame["local_date"] = pd.to_datetime(frame["date"])
    frame["rpe"] = frame["rpe"].astype("float64")
    return schema.conform(frame.drop(columns=["date"]), "sessions")


# Monday 2025-03-03. Week 1: 10 km on Mon, Wed, Fri. Week 2: 12 km on Mon, Wed, Fri (+20 %).
# Week 3: nothing (sick). Week 4: 5 km every day.
LOG = sessions(
    [(f"2025-03-{d:02d}", "run", 10_000.0, 3000.0, None) for d in (3, 5, 7)]
    + [(f"2025-03-{d:02d}", "run", 12_000.0, 3600.0, None) for d in (10, 12, 14)]
    + [(f"2025-03-{d:02d}", "run", 5_000.0, 1500.0, None) for d in range(24, 31)]
    + [("2025-03-04", "strength", float("nan"), 1800.0, 6.0)]
    + [("2025-03-06", "mobility", float("nan"), 1200.0, None)]
)


def test_daily_load_has_every_day() -> None:
    out = daily_load(LOG)
    assert len(out) == 28  # 2025-03-03 .. 2025-03-30
    assert out["distance_m"].iloc[:7].tolist() == [10_000, 0, 10_000, 0, 10_000, 0, 0]
    assert out["sessions"].sum() == 13  # runs only by default
    everything = daily_load(LOG, sports=None)
    assert everything["sessions"].sum() == 15
    assert everything.loc[1, "srpe_au"] == 6 * 30  # RPE 6 for 30 min


def test_weekly_ramp_monotony_strain() -> None:
    out = weekly_load(LOG)
    assert out["week"].dt.strftime("%m-%d").tolist() == ["03-03", "03-10", "03-17", "03-24"]
    assert out["distance_m"].tolist() == [30_000, 36_000, 0, 35_000]
    ramp = out["ramp_pct"]
    assert np.isnan(ramp[0]) and ramp[1] == pytest.approx(20.0) and ramp[2] == -100.0
    assert np.isnan(ramp[3])  # from nothing: not known, not infinite
    assert out["ramp_exceeded"].tolist()[1:3] == [True, False]
    assert out["ramp_exceeded"].isna().tolist() == [True, False, False, True]
    assert "no load the week before" in out.loc[3, "note"]
    daily = np.array([10, 0, 10, 0, 10, 0, 0]) * 1000.0
    monotony = daily.mean() / daily.std()
    assert out.loc[0, "monotony"] == pytest.approx(monotony)
    assert out.loc[0, "strain"] == pytest.approx(30_000 * monotony)
    # no load, and the same load every day: monotony not known, and said so
    assert np.isnan(out.loc[2, "monotony"]) and "no load this week" in out.loc[2, "note"]
    assert np.isnan(out.loc[3, "monotony"]) and "same load every day" in out.loc[3, "note"]
    assert weekly_load(LOG, max_ramp_pct=25)["ramp_exceeded"][1] == False  # noqa: E712


def test_weekly_load_by_session_rpe_says_what_is_left_out() -> None:
    out = weekly_load(LOG, measure="srpe_au", sports=("strength", "mobility"))
    assert out.loc[0, "load"] == 180.0
    assert "1 session(s) without RPE left out" in out.loc[0, "note"]


def test_session_rpe() -> None:
    out = session_rpe(LOG).set_index("session_id")
    assert out.index.tolist() == ["s13", "s14"]
    assert out.loc["s13", "srpe_au"] == 180.0 and out.loc["s13", "note"] == ""
    assert np.isnan(out.loc["s14", "srpe_au"]) and "no RPE" in out.loc["s14", "note"]


def test_acute_chronic_rolling_marks_short_history() -> None:
    days = pd.date_range("2025-01-06", periods=40, freq="D")
    log = sessions([(d.strftime("%Y-%m-%d"), "run", 1000.0, 360.0, None) for d in days])
    out = acute_chronic(log)
    assert len(out) == 40
    assert not out["enough_history"][:27].any() and out["enough_history"][27:].all()
    assert out["ratio"][:27].isna().all()
    assert (out["note"][:27] == "not known: fewer than 28 days of history").all()
    assert out["ratio"][27:].tolist() == [1.0] * 13


def test_acute_chronic_ewma() -> None:
    days = pd.date_range("2025-01-06", periods=40, freq="D")
    log = sessions([(d.strftime("%Y-%m-%d"), "run", 1000.0, 360.0, None) for d in days])
    out = acute_chronic(log, method="ewma")
    a, c = 2 / 8, 2 / 29
    n = np.arange(1, 41)
    assert np.allclose(out["acute"], 1000 * (1 - (1 - a) ** n))
    assert np.allclose(out["chronic"], 1000 * (1 - (1 - c) ** n))
    assert out["ratio"][39] == pytest.approx((1 - (1 - a) ** 40) / (1 - (1 - c) ** 40))


def test_acute_chronic_after_a_long_break_says_no_chronic_load() -> None:
    log = sessions(
        [("2025-01-06", "run", 1000.0, 360.0, None), ("2025-03-03", "run", 1000.0, 360.0, None)]
    )
    out = acute_chronic(log).set_index("date")
    assert np.isnan(out.loc["2025-03-02", "ratio"])
    assert out.loc["2025-03-02", "note"] == "not known: no chronic load"
    assert out.loc["2025-03-03", "ratio"] == pytest.approx(4.0)  # 1000/7 over 1000/28


def test_bad_arguments_name_the_choices() -> None:
    with pytest.raises(ValueError, match="measure must be one of 'distance_m', 'duration_s'"):
        weekly_load(LOG, measure="km")
    with pytest.raises(ValueError, match="method must be one of 'rolling', 'ewma'"):
        acute_chronic(LOG, method="exp")
    with pytest.raises(ValueError, match="sports must be one of"):
        daily_load(LOG, sports=("swim",))
    with pytest.raises(ValueError, match="acute_days"):
        acute_chronic(LOG, acute_days=30)


def test_empty_log_and_a_single_week() -> None:
    empty = schema.empty("sessions")
    assert daily_load(empty).empty
    assert weekly_load(empty).empty
    assert acute_chronic(empty).empty
    assert session_rpe(empty).empty
    one = weekly_load(LOG, end="2025-03-09")
    assert one["distance_m"].tolist() == [30_000]
    assert "no week before" in one.loc[0, "note"]


# --- the sample runner ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample() -> TrainingLog:
    return stridekit.sample_log()


@pytest.fixture(scope="module")
def truth() -> dict[str, Any]:
    return json.loads((SAMPLE / "truth.json").read_text(encoding="utf-8"))


def test_sample_weekly_distance_and_gaps(sample: TrainingLog, truth: dict[str, Any]) -> None:
    planted: dict[dt.date, float] = defaultdict(float)
    for s in truth["sessions"]:
        if s["sport"] == "run":
            d = dt.date.fromisoformat(s["local_date"])
            planted[d - dt.timedelta(days=d.weekday())] += s["distance_m"]
    out = weekly_load(sample.sessions)
    assert len(out) == truth["generator"]["weeks"]
    for week, distance in zip(out["week"], out["distance_m"], strict=True):
        assert distance == pytest.approx(planted.get(week.date(), 0.0), rel=0.01, abs=1.0)
    sick = pd.Timestamp(truth["generator"]["sick_weeks"][0]["monday"])
    row = out.set_index("week").loc[sick]
    assert row["distance_m"] == 0 and row["sessions"] == 0
    after = out.set_index("week").loc[sick + pd.Timedelta(days=7)]
    assert pd.isna(after["ramp_exceeded"]) and "no load the week before" in after["note"]
    holiday = pd.Timestamp(truth["generator"]["holiday_weeks"][0]["monday"])
    assert out.set_index("week").loc[holiday, "sessions"] == 2


def test_sample_session_rpe_of_strength_and_mobility(sample: TrainingLog) -> None:
    out = session_rpe(sample.sessions)
    strength = out.loc[out["sport"] == "strength"]
    assert len(strength) == 48 and strength["srpe_au"].notna().all()
    assert strength["rpe"].between(5, 8).all()
    mobility = out.loc[out["sport"] == "mobility"]
    assert (mobility["srpe_au"].isna() == (mobility["note"] != "")).all()
    ratio = acute_chronic(sample.sessions, method="ewma")
    assert ratio["ratio"].notna().sum() > 100
    assert np.isfinite(ratio["ratio"].dropna()).all()
