"""Strength consistency on hand-built tables and on the sample runner's truth."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import stridekit
from stridekit import schema
from stridekit.analysis.strength import (
    exercise_counts,
    exercise_coverage,
    strength_calendar,
    strength_sessions,
    strength_streaks,
    weekly_strength,
)
from stridekit.log import TrainingLog

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "sample"


def sessions(rows: list[tuple[str, str, str]]) -> pd.DataFrame:
    """Rows of (session_id, date, sport)."""
    frame = pd.DataFrame(rows, columns=["session_id", "date", "sport"])
    frame["start_utc"] = pd.to_datetime(frame["date"]).dt.tz_localize("UTC")
    frame["local_date"] = pd.to_datetime(frame["date"])
    frame["kind"] = frame["sport"].where(frame["sport"] != "run", "easy")
    frame["duration_s"] = 1800.0
    return schema.conform(frame.drop(columns=["date"]), "sessions")


def sets(rows: list[tuple[str, str | None]]) -> pd.DataFrame:
    """Rows of (session_id, exercise as written)."""
    frame = pd.DataFrame(rows, columns=["session_id", "category"])
    frame["exercise"] = frame["category"]
    frame["set_index"] = frame.groupby("session_id").cumcount()
    return schema.conform(frame, "sets")


# Monday 2025-03-03: week 1 has two strength sessions (one on a run day), week 2 none,
# week 3 one.
LOG = sessions(
    [
        ("r1", "2025-03-04", "run"),
        ("g1", "2025-03-04", "strength"),  # a run day
        ("g2", "2025-03-05", "strength"),  # between runs
        ("r2", "2025-03-06", "run"),
        ("r3", "2025-03-12", "run"),  # week 2: runs only
        ("g3", "2025-03-19", "strength"),  # week 3
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


def test_weekly_strength_against_target() -> None:
    out = weekly_strength(LOG)
    assert out["week"].dt.strftime("%Y-%m-%d").tolist() == [
        "2025-03-03",
        "2025-03-10",
        "2025-03-17",
    ]
    assert out["sessions"].tolist() == [2, 0, 1]
    assert out["rest_day"].tolist() == [1, 0, 1]
    assert out["run_day"].tolist() == [1, 0, 0]
    assert out["target_met"].tolist() == [True, False, False]
    assert out["shortfall"].tolist() == [0, 2, 1]
    assert weekly_strength(LOG, target=1)["target_met"].tolist() == [True, False, True]


def test_target_must_be_positive() -> None:
    with pytest.raises(ValueError, match="target must be at least 1"):
        weekly_strength(LOG, target=0)


def test_strength_sessions_placement_and_advised_groups() -> None:
    out = strength_sessions(LOG, SETS).set_index("session_id")
    assert out["placement"].to_dict() == {"g1": "run_day", "g2": "rest_day", "g3": "rest_day"}
    assert out["sets"].to_dict() == {"g1": 3, "g2": 3, "g3": 1}
    assert out["advised"].to_dict() == {"g1": 2, "g2": 1, "g3": 1}  # calf+squat, core, lunge
    assert out["weekday"].to_dict() == {"g1": 1, "g2": 2, "g3": 2}


def test_exercise_coverage_per_week() -> None:
    out = exercise_coverage(LOG, SETS)
    assert len(out) == 3 * 5
    week1 = out.loc[out["week"] == "2025-03-03"].set_index("exercise")
    assert week1["sets"].to_dict() == {
        "calf_raise": 2,
        "squat": 1,
        "lunge": 0,
        "knee_raise": 0,
        "core": 1,
    }
    assert week1["covered"].sum() == 3
    assert out.loc[out["week"] == "2025-03-10", "sets"].sum() == 0


def test_unknown_exercises_are_kept() -> None:
    out = exercise_counts(SETS).set_index("exercise")
    assert out.loc["calf_raise", "sets"] == 2
    assert out.loc["calf_raise", "categories"] == "Calf raises; heel raise"
    assert out.loc["nordic_curls", "group"] == "other"
    assert out.loc["unknown", "sets"] == 1
    assert out["sets"].sum() == len(SETS)


def test_streaks() -> None:
    log = sessions(
        [
            ("a", "2025-03-03", "strength"),
            ("b", "2025-03-05", "strength"),
            ("c", "2025-03-12", "strength"),  # one: short of two
            ("d", "2025-03-17", "strength"),
            ("e", "2025-03-19", "strength"),
            ("f", "2025-03-24", "strength"),
            ("g", "2025-03-26", "strength"),
        ]
    )
    out = strength_streaks(log)
    assert out["weeks"].tolist() == [1, 2]
    assert out["first_week"].dt.strftime("%m-%d").tolist() == ["03-03", "03-17"]
    assert out["longest"].tolist() == [False, True]
    assert out["current"].tolist() == [False, True]
    assert strength_streaks(log, target=3).empty


def test_calendar_has_every_day() -> None:
    out = strength_calendar(LOG, SETS)
    assert len(out) == 21  # three whole weeks, Monday to Sunday
    assert out["date"].iloc[0] == pd.Timestamp("2025-03-03")
    by_day = out.set_index(out["date"].dt.strftime("%m-%d"))
    assert by_day.loc["03-04", ["sessions", "sets", "run"]].tolist() == [1, 3, True]
    assert by_day.loc["03-05", ["sessions", "sets", "run"]].tolist() == [1, 3, False]
    assert by_day.loc["03-10", ["sessions", "sets", "run"]].tolist() == [0, 0, False]
    assert out["sessions"].sum() == 3


def test_empty_log() -> None:
    empty = schema.empty("sessions")
    assert weekly_strength(empty).empty
    assert exercise_coverage(empty, schema.empty("sets")).empty
    assert strength_streaks(empty).empty
    assert strength_calendar(empty, schema.empty("sets")).empty
    assert exercise_counts(schema.empty("sets")).empty
    spanned = weekly_strength(empty, start="2025-03-03", end="2025-03-16")
    assert spanned["sessions"].tolist() == [0, 0]
    assert not spanned["target_met"].any()


def test_no_strength_at_all_and_a_single_week() -> None:
    runs = sessions([("r1", "2025-03-04", "run"), ("r2", "2025-03-06", "run")])
    out = weekly_strength(runs)
    assert out["sessions"].tolist() == [0]
    assert out["shortfall"].tolist() == [2]
    assert exercise_coverage(runs, schema.empty("sets"))["covered"].sum() == 0
    assert strength_calendar(runs, schema.empty("sets"))["sessions"].sum() == 0


# --- the sample runner ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample() -> TrainingLog:
    return stridekit.sample_log()


@pytest.fixture(scope="module")
def truth() -> dict[str, Any]:
    return json.loads((SAMPLE / "truth.json").read_text(encoding="utf-8"))


def _monday(day: str) -> dt.date:
    d = dt.date.fromisoformat(day)
    return d - dt.timedelta(days=d.weekday())


def test_sample_strength_sessions_per_week_match_truth(
    sample: TrainingLog, truth: dict[str, Any]
) -> None:
    planted = [s for s in truth["sessions"] if s["sport"] == "strength"]
    expected = Counter(_monday(s["local_date"]) for s in planted)
    out = weekly_strength(sample.sessions)
    assert len(out) == truth["generator"]["weeks"]
    got = {w.date(): n for w, n in zip(out["week"], out["sessions"], strict=True)}
    assert got == {w: expected.get(w, 0) for w in got}
    gaps = {dt.date.fromisoformat(w["monday"]) for w in truth["generator"]["sick_weeks"]}
    gaps |= {dt.date.fromisoformat(w["monday"]) for w in truth["generator"]["holiday_weeks"]}
    assert {w for w, n in got.items() if n == 0} == gaps


def test_sample_placement_matches_truth(sample: TrainingLog, truth: dict[str, Any]) -> None:
    run_days = {s["local_date"] for s in truth["sessions"] if s["sport"] == "run"}
    planted = {
        s["session"]: ("run_day" if s["local_date"] in run_days else "rest_day")
        for s in truth["sessions"]
        if s["sport"] == "strength"
    }
    out = strength_sessions(sample.sessions, sample.sets)
    assert dict(zip(out["session_id"], out["placement"], strict=True)) == planted
    assert out["sets"].tolist() == [
        next(s["sets"] for s in truth["sessions"] if s["session"] == sid)
        for sid in out["session_id"]
    ]


def test_sample_exercises_all_on_the_vocabulary(sample: TrainingLog) -> None:
    counts = exercise_counts(sample.sets)
    assert set(counts["exercise"]) == {"calf_raise", "squat", "lunge", "knee_raise", "crunch",
                                       "plank"}  # fmt: skip
    coverage = exercise_coverage(sample.sessions, sample.sets)
    covered = coverage.groupby("exercise")["covered"].mean()
    # calf raises and squats in every strength session: every week but the two gaps
    assert covered["calf_raise"] == covered["squat"] == pytest.approx(24 / 26)
