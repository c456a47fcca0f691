"""Interval progression per session and week, the next-step hint, and speed-day pace."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from stridekit import schema
from stridekit.analysis.intervals import empty_repeats
from stridekit.analysis.progression import (
    next_step,
    pace_by_length,
    progression_trends,
    session_progression,
    weekly_progression,
)
from stridekit.analysis.weekly import focus_trends, weekly_focus


def repeats_of(plan: dict[str, list[tuple[float, float]]]) -> pd.DataFrame:
    """Repeats from ``{session_id: [(duration_s, speed_mps), ...]}``, 180 s recoveries."""
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
                    "recovery_s": np.nan if last else 180.0,
                    "hr_drop_bpm": np.nan if last else 25.0,
                    "source": "laps",
                }
            )
            t += d + 180
    out = pd.DataFrame(rows)
    for col in ("session_id", "source"):
        out[col] = out[col].astype("str")
    return out


def sessions_of(dates: dict[str, str], focus: str = "speed") -> pd.DataFrame:
    frame = pd.DataFrame({"session_id": list(dates), "date": list(dates.values())})
    frame["start_utc"] = pd.to_datetime(frame["date"]).dt.tz_localize("UTC")
    frame["local_date"] = pd.to_datetime(frame["date"])
    frame["sport"] = "run"
    frame["focus"] = focus
    frame["kind"] = "intervals" if focus == "speed" else "easy"
    frame["distance_m"] = 6000.0
    frame["duration_s"] = 2400.0
    frame["moving_s"] = 2400.0
    return schema.conform(frame.drop(columns="date"), "sessions")


PLAN = {
    "a": [(30, 4.0)] * 6,
    "b": [(40, 4.0)] * 6,
    "c": [(45, 4.05)] * 6,
    "d": [(45, 4.1)] * 6,  # week 4 is a gap
    "e": [(60, 4.0), (60, 4.0), (60, 3.6)],  # faded
}
DATES = {
    "a": "2025-03-04",
    "b": "2025-03-11",
    "c": "2025-03-18",
    "d": "2025-04-01",
    "e": "2025-04-08",
}


def test_per_session_numbers() -> None:
    per = session_progression(repeats_of(PLAN), sessions_of(DATES)).set_index("session_id")
    assert per.loc["a", "repeats"] == 6 and per.loc["a", "fast_s"] == 180
    assert per.loc["a", "work_rest_ratio"] == pytest.approx(180 / (5 * 180))
    assert per.loc["a", "repeat_speed_mps"] == pytest.approx(4.0)
    assert per.loc["e", "held_share"] == pytest.approx(0.9)
    assert per.loc["b", "length_class"] == "15-45 s" and per.loc["e", "length_class"] == "45-75 s"
    assert per.loc["a", "hr_drop_bpm"] == 25


def test_one_repeat_and_no_heart_rate_divide_by_nothing() -> None:
    reps = repeats_of({"x": [(30, 4.0)]}).assign(hr_drop_bpm=np.nan, avg_hr_bpm=np.nan)
    per = session_progression(reps, sessions_of({"x": "2025-03-04"}))
    assert pd.isna(per.loc[0, "work_rest_ratio"]) and pd.isna(per.loc[0, "hr_drop_bpm"])
    assert session_progression(empty_repeats(), sessions_of(DATES)).empty
    assert weekly_progression(session_progression(empty_repeats(), sessions_of(DATES))).empty


def test_weeks_gaps_and_trends() -> None:
    per = session_progression(repeats_of(PLAN), sessions_of(DATES))
    weekly = weekly_progression(per)
    assert weekly["week"].dt.strftime("%m-%d").tolist() == [
        "03-03",
        "03-10",
        "03-17",
        "03-24",
        "03-31",
        "04-07",
    ]
    gap = weekly.iloc[3]
    assert gap["sessions"] == 0 and gap["fast_s"] == 0 and pd.isna(gap["fast_s_per_session"])
    by_length = pace_by_length(repeats_of(PLAN), sessions_of(DATES))
    assert set(by_length["length_class"]) == {"15-45 s", "45-75 s"}
    trends = progression_trends(weekly, by_length)
    fast = trends["fast_s_per_session"]
    assert fast is not None and fast.per_week > 0 and fast.points == 5
    assert trends["speed_mps 15-45 s"] is None  # two weeks only: no trend
    assert trends["speed_mps 45-75 s"] is not None


def test_next_step_in_the_advice_spirit() -> None:
    sessions = sessions_of(DATES)
    assert next_step(session_progression(empty_repeats(), sessions)).action == "start"
    held = session_progression(repeats_of({k: PLAN[k] for k in "abcd"}), sessions)
    step = next_step(held)
    assert step.action == "lengthen" and step.suggested_repeat_s in (55, 60)
    assert "45 s to 55-60 s" in step.message
    faded = session_progression(repeats_of(PLAN), sessions)
    assert next_step(faded).action == "hold" and "10 % slower" in next_step(faded).message
    long = {k: [(90, 4.0)] * 5 for k in "abc"}
    step = next_step(session_progression(repeats_of(long), sessions))
    assert step.action == "add_repeat" and step.suggested_repeats == 6


def test_speed_days_use_the_repeats_pace() -> None:
    sessions = pd.concat(
        [sessions_of(DATES), sessions_of({"z": "2025-03-05"}, focus="distance")],
        ignore_index=True,
    )
    weekly = weekly_focus(sessions, repeats=repeats_of(PLAN))
    speed = weekly.loc[weekly["focus"] == "speed"]
    speed = speed.set_index(speed["week"].dt.strftime("%m-%d"))
    assert speed.loc["03-03", "avg_speed_mps"] == pytest.approx(4.0)
    assert speed.loc["03-03", "run_speed_mps"] == pytest.approx(2.5)
    assert speed.loc["03-03", "fast_s"] == 180
    assert pd.isna(speed.loc["03-24", "avg_speed_mps"])
    plain = weekly_focus(sessions)
    assert plain.loc[plain["focus"] == "speed", "avg_speed_mps"].iloc[0] == pytest.approx(2.5)
    trends = focus_trends(weekly)
    assert trends["speed_runs"] is not None
    assert trends["longest_m"] is None  # one distance run: too little for a trend


def test_pace_by_length_of_nothing_is_an_empty_table() -> None:
    import stridekit
    from stridekit.analysis.intervals import empty_repeats
    from stridekit.analysis.progression import pace_by_length

    sessions = stridekit.sample_log().sessions
    for s in (sessions.iloc[:0], sessions):
        out = pace_by_length(empty_repeats(), s)
        assert out.empty and list(out.columns) == [
            "week",
            "length_class",
            "repeats",
            "avg_speed_mps",
        ]
