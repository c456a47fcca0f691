"""Habits: warm-up and cool-down shares, mobility warm or cold, on hand-built tables and truth."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import stridekit
from stridekit import schema
from stridekit.analysis.habits import (
    habit_shares,
    mobility_sessions,
    run_habits,
    weekly_mobility,
)
from stridekit.log import TrainingLog

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "sample"


def sessions(rows: list[tuple[str, str, str, str, float, float, float]]) -> pd.DataFrame:
    """Rows of (session_id, UTC start, sport, kind, duration_s, warmup_s, cooldown_s)."""
    frame = pd.DataFrame(
        rows,
        columns=["session_id", "start", "sport", "kind", "duration_s", "warmup_s", "cooldown_s"],
    )
    frame["start_utc"] = pd.to_datetime(frame["start"]).dt.tz_localize("UTC")
    frame["local_date"] = frame["start_utc"].dt.tz_localize(None).dt.normalize()
    return schema.conform(frame.drop(columns=["start"]), "sessions")


NAN = float("nan")
LOG = sessions(
    [
        ("m0", "2025-03-03 06:30", "mobility", "stretching", 600, NAN, NAN),  # cold morning
        ("r1", "2025-03-03 18:00", "run", "easy", 2400, 600, 300),  # ends 18:40
        ("m1", "2025-03-03 18:45", "mobility", "stretching", 600, NAN, NAN),  # warm, 5 min
        ("m2", "2025-03-03 19:30", "mobility", "yoga", 1800, NAN, NAN),  # 50 min later: cold
        ("r2", "2025-03-05 18:00", "run", "intervals", 3000, 0, 0),  # no warm-up
        ("m3", "2025-03-05 18:20", "mobility", "stretching", 300, NAN, NAN),  # mid-run, warm
        ("r3", "2025-03-07 18:00", "run", "intervals", 3000, NAN, NAN),  # not analysed
        ("r4", "2025-03-09 09:00", "run", "easy", 3000, NAN, NAN),  # not analysed, laps say
        ("g1", "2025-03-12 18:00", "strength", "strength", 1800, NAN, NAN),
        ("m4", "2025-03-12 18:40", "mobility", "pilates", 2700, NAN, NAN),  # 10 min: warm
    ]
)
LAPS = schema.conform(
    pd.DataFrame(
        {
            "session_id": ["r4", "r4", "r4"],
            "lap_index": [0, 1, 2],
            "intensity": ["warmup", "active", "cooldown"],
        }
    ),
    "laps",
)


def test_run_habits_known_and_not_known() -> None:
    out = run_habits(LOG, LAPS).set_index("session_id")
    assert out["warmed_up"].tolist() == [True, False, pd.NA, True]
    assert out["cooled_down"].tolist() == [True, False, pd.NA, True]
    assert out.loc["r3", "note"].startswith("warm-up and cool-down not known")
    assert out.loc["r1", "note"] == "" and out.loc["r4", "note"] == ""


def test_habit_shares_by_kind() -> None:
    out = habit_shares(LOG, LAPS).set_index("kind")
    assert out.index.tolist() == ["easy", "intervals", "all"]
    assert out.loc["easy", ["runs", "known", "warmed_up"]].tolist() == [2, 2, 2]
    assert out.loc["easy", "warmup_share"] == 1.0
    assert out.loc["intervals", ["runs", "known", "warmed_up"]].tolist() == [2, 1, 0]
    assert out.loc["intervals", "warmup_share"] == 0.0
    assert out.loc["intervals", "note"] == (
        "warm-up not known for 1 of 2 runs; cool-down not known for 1 of 2 runs"
    )
    assert out.loc["all", "warmup_share"] == pytest.approx(2 / 3)
    assert out.loc["all", "cooldown_share"] == pytest.approx(2 / 3)


def test_habit_shares_when_nothing_is_known_or_no_runs() -> None:
    unknown = habit_shares(LOG.loc[LOG["session_id"] == "r3"], schema.empty("laps"))
    assert unknown["kind"].tolist() == ["intervals", "all"]
    assert unknown["warmup_share"].isna().all()
    assert (unknown["note"] != "").all()
    empty = habit_shares(schema.empty("sessions"), schema.empty("laps"))
    assert empty["kind"].tolist() == ["all"]
    assert empty.loc[0, "runs"] == 0 and empty.loc[0, "note"] == "no runs"


def test_mobility_warm_or_cold() -> None:
    out = mobility_sessions(LOG).set_index("session_id")
    assert out["warm"].to_dict() == {
        "m0": False,
        "m1": True,
        "m2": False,
        "m3": True,
        "m4": True,
    }
    assert out.loc["m1", "after"] == "r1" and out.loc["m1", "gap_s"] == 300
    assert out.loc["m3", "after"] == "r2" and out.loc["m3", "gap_s"] < 0  # during the run
    assert out.loc["m4", "after"] == "g1"
    assert pd.isna(out.loc["m0", "after"]) and np.isnan(out.loc["m0", "gap_s"])
    assert out["kind"].tolist() == ["stretching", "stretching", "yoga", "stretching", "pilates"]
    # a wider window makes the yoga 50 min after the run warm
    assert mobility_sessions(LOG, warm_within_s=3600).set_index("session_id").loc["m2", "warm"]
    with pytest.raises(ValueError, match="warm_within_s"):
        mobility_sessions(LOG, warm_within_s=-1)


def test_stretch_during_a_warm_up_is_not_warm() -> None:
    log = sessions(
        [
            ("r", "2025-03-03 18:00", "run", "easy", 2400, 600, 300),
            ("m", "2025-03-03 18:05", "mobility", "stretching", 300, NAN, NAN),
        ]
    )
    assert not mobility_sessions(log)["warm"].iloc[0]


def test_weekly_mobility_with_zero_weeks() -> None:
    out = weekly_mobility(LOG)
    assert out["week"].nunique() == 2
    week1 = out.loc[out["week"] == "2025-03-03"].set_index("kind")
    assert week1.loc["stretching", ["sessions", "warm", "cold"]].tolist() == [3, 2, 1]
    assert week1.loc["yoga", ["sessions", "warm", "cold"]].tolist() == [1, 0, 1]
    assert week1.loc["other", "sessions"] == 0
    spanned = weekly_mobility(LOG, start="2025-02-24", end="2025-03-16")
    assert spanned.groupby("week")["sessions"].sum().tolist() == [0, 4, 1]
    assert weekly_mobility(schema.empty("sessions")).empty
    assert mobility_sessions(schema.empty("sessions")).empty


# --- the sample runner ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample() -> TrainingLog:
    return stridekit.sample_log()


@pytest.fixture(scope="module")
def truth() -> dict[str, Any]:
    return json.loads((SAMPLE / "truth.json").read_text(encoding="utf-8"))


def test_sample_warm_and_cold_match_truth(sample: TrainingLog, truth: dict[str, Any]) -> None:
    planted = {s["session"]: s["warm"] for s in truth["sessions"] if s["sport"] == "mobility"}
    out = mobility_sessions(sample.sessions)
    assert dict(zip(out["session_id"], out["warm"], strict=True)) == planted


def test_sample_weekly_mobility_matches_truth(sample: TrainingLog, truth: dict[str, Any]) -> None:
    planted: Counter[tuple[dt.date, str]] = Counter()
    for s in truth["sessions"]:
        if s["sport"] == "mobility":
            d = dt.date.fromisoformat(s["local_date"])
            planted[(d - dt.timedelta(days=d.weekday()), s["kind"])] += 1
    out = weekly_mobility(sample.sessions)
    got = {(w.date(), k): n for w, k, n in zip(out["week"], out["kind"], out["sessions"],
                                               strict=True) if n}  # fmt: skip
    assert got == dict(planted)
    sick = pd.Timestamp(truth["generator"]["sick_weeks"][0]["monday"])
    assert out.loc[out["week"] == sick, "sessions"].sum() == 0


def test_sample_shares_from_the_planted_warm_ups(
    sample: TrainingLog, truth: dict[str, Any]
) -> None:
    """With warmup_s and cooldown_s as planted, the shares are the planted ones."""
    runs = {s["start_utc"]: s for s in truth["sessions"] if s["sport"] == "run"}
    filled = sample.sessions.copy()
    key = filled["start_utc"].dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    is_run = filled["sport"] == "run"
    for col in ("warmup_s", "cooldown_s", "kind"):
        filled.loc[is_run, col] = key[is_run].map(lambda k, c=col: runs[k][c])
    out = habit_shares(filled, schema.empty("laps")).set_index("kind")
    for kind in {s["kind"] for s in runs.values()}:
        planted = [s for s in runs.values() if s["kind"] == kind]
        assert out.loc[kind, "runs"] == len(planted)
        assert out.loc[kind, "warmup_share"] == pytest.approx(
            np.mean([s["warmup_s"] > 0 for s in planted])
        )
        assert out.loc[kind, "cooldown_share"] == pytest.approx(
            np.mean([s["cooldown_s"] > 0 for s in planted])
        )
