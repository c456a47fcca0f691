"""Best efforts and race-time estimates (VDOT, Riegel): hand-built, and the sample's 10 km race."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import stridekit
from stridekit import schema
from stridekit.analysis.race import best_efforts, race_estimates, riegel_time, vdot, vdot_time
from stridekit.log import TrainingLog

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "sample"


def samples(
    session_id: str, speeds: np.ndarray, pause: tuple[int, int] | None = None
) -> pd.DataFrame:
    """1 Hz samples at ``speeds`` [m/s]; ``pause`` = (at sample, seconds) stops the clock."""
    t = np.arange(len(speeds), dtype=float)
    if pause is not None:
        t[pause[0] :] += pause[1]
    distance = np.concatenate([[0.0], np.cumsum(speeds[1:])])
    return pd.DataFrame({"session_id": session_id, "t_s": t, "distance_m": distance})


def test_best_efforts_at_constant_speed() -> None:
    out = best_efforts(samples("a", np.full(1001, 4.0)), distances_m=[400, 1000, 3000, 5000])
    assert out["distance_m"].tolist() == [400, 1000, 3000]  # 4 km run: no 5 km effort
    assert out["time_s"].tolist() == pytest.approx([100, 250, 750])
    assert out["avg_speed_mps"].tolist() == pytest.approx([4.0, 4.0, 4.0])


def test_best_effort_finds_the_fast_stretch() -> None:
    speeds = np.full(1201, 3.0)
    speeds[501:701] = 5.0  # 200 s at 5 m/s: 1000 m
    out = best_efforts(samples("a", speeds), distances_m=[1000]).iloc[0]
    assert out["time_s"] == pytest.approx(200.0)
    assert out["start_s"] == pytest.approx(500.0) and out["end_s"] == pytest.approx(700.0)


def test_pauses_and_sessions_are_not_crossed() -> None:
    paused = samples("a", np.full(301, 4.0), pause=(150, 600))  # 600 s stopped at 600 m
    short = samples("b", np.full(201, 4.0))  # 800 m
    out = best_efforts(pd.concat([paused, short]), distances_m=[400, 1000])
    a = out.loc[out["session_id"] == "a"].set_index("distance_m")["time_s"]
    assert a[400] == pytest.approx(100.0)
    assert a[1000] == pytest.approx(250.0 + 600.0)  # wall clock: the pause counts
    b = out.loc[out["session_id"] == "b"]
    assert b["distance_m"].tolist() == [400]  # never joined with session a


def test_recording_errors_are_not_efforts() -> None:
    speeds = np.full(301, 3.0)
    speeds[100] = 600.0  # a GPS jump
    out = best_efforts(samples("a", speeds), distances_m=[400])
    assert out["avg_speed_mps"].max() <= 10.5


def test_best_efforts_of_nothing() -> None:
    assert best_efforts(schema.empty("samples")).empty
    no_distance = samples("a", np.full(100, 3.0)).assign(distance_m=np.nan)
    assert best_efforts(no_distance).empty
    with pytest.raises(ValueError, match="distances_m"):
        best_efforts(samples("a", np.full(10, 3.0)), distances_m=[0])


def test_vdot_against_daniels_tables() -> None:
    # Daniels' Running Formula, VDOT 50: 5 km 19:57, 10 km 41:21, marathon 3:10:49
    assert vdot(5000, 19 * 60 + 57) == pytest.approx(50.0, abs=0.1)
    assert vdot(10_000, 41 * 60 + 21) == pytest.approx(50.0, abs=0.1)
    assert vdot(42_195, 3 * 3600 + 10 * 60 + 49) == pytest.approx(50.0, abs=0.1)
    assert vdot_time(50.0, 10_000) == pytest.approx(41 * 60 + 21, abs=10)
    assert vdot_time(50.0, 42_195) == pytest.approx(3 * 3600 + 10 * 60 + 49, abs=60)
    assert np.isnan(vdot(5000, 0)) and np.isnan(vdot_time(np.nan, 5000))


def test_riegel() -> None:
    assert riegel_time(1200, 5000, 10_000) == pytest.approx(1200 * 2**1.06)
    assert riegel_time(1200, 5000, 5000) == pytest.approx(1200)


def _log(speeds: np.ndarray | None) -> TrainingLog:
    sessions = schema.conform(
        pd.DataFrame(
            {
                "session_id": ["a"],
                "start_utc": [pd.Timestamp("2025-03-03 18:00", tz="UTC")],
                "local_date": [pd.Timestamp("2025-03-03")],
                "sport": ["run"],
            }
        ),
        "sessions",
    )
    s = samples("a", speeds) if speeds is not None else schema.empty("samples")
    return TrainingLog(sessions=sessions, samples=s)


def test_race_estimates_are_labelled() -> None:
    log = _log(np.full(1501, 4.0))  # 6 km at 4 m/s: 5 km in 1250 s
    out = race_estimates(log.sessions, log.samples)
    assert (out["label"] == "estimate").all()
    assert out["method"].tolist() == ["vdot"] * 4 + ["riegel"] * 4
    src = out.iloc[0]
    assert src["from_distance_m"] == 5000 and src["from_time_s"] == pytest.approx(1250)
    by = out.set_index(["method", "target_m"])["time_s"]
    assert by["riegel", 5000] == pytest.approx(1250)
    assert by["vdot", 5000] == pytest.approx(1250, abs=0.5)
    assert by["riegel", 10_000] == pytest.approx(1250 * 2**1.06)
    assert (out["note"] == "").all()


def test_race_estimates_say_what_is_missing() -> None:
    none = race_estimates(schema.empty("sessions"), schema.empty("samples"))
    assert none["time_s"].isna().all() and (none["note"] == "no runs in the span").all()
    bare = _log(None)
    out = race_estimates(bare.sessions, bare.samples)
    assert (out["note"] == "no run in the span has samples").all()
    short = _log(np.full(500, 4.0))  # 2 km
    out = race_estimates(short.sessions, short.samples)
    assert out["time_s"].isna().all()
    assert out["note"].iloc[0] == "no run in the span covers 3000 m with distance recorded"
    assert race_estimates(short.sessions, short.samples, min_effort_m=1000)["time_s"].notna().all()


# --- the sample runner ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample() -> TrainingLog:
    return stridekit.sample_log()


@pytest.fixture(scope="module")
def truth() -> dict[str, Any]:
    return json.loads((SAMPLE / "truth.json").read_text(encoding="utf-8"))


def test_sample_race_is_the_best_effort(sample: TrainingLog, truth: dict[str, Any]) -> None:
    race = next(s for s in truth["sessions"] if s["kind"] == "race")
    raced_s = race["duration_s"] - race["warmup_s"] - race["cooldown_s"]  # the planted 10 km
    start = pd.Timestamp(race["start_utc"])
    race_id = sample.sessions.loc[sample.sessions["start_utc"] == start, "session_id"].item()
    out = race_estimates(sample.sessions, sample.samples)
    assert set(out["from_session_id"]) == {race_id}
    assert out["from_distance_m"].iloc[0] == 10_000
    assert out["from_time_s"].iloc[0] == pytest.approx(raced_s, rel=0.03)
    ten = out.loc[out["target_m"] == 10_000, "time_s"]
    assert ten.to_numpy() == pytest.approx([raced_s, raced_s], rel=0.03)
    # a half marathon estimate: slower per km than the 10 km, by both methods
    half = out.loc[out["target_m"] == 21_097.5, "avg_speed_mps"]
    assert (half < 10_000 / raced_s).all()


def test_gps_gap_rows_are_skipped() -> None:
    s = samples("a", np.full(1001, 4.0))
    s.loc[100:200, "distance_m"] = np.nan  # no fix: distance resumes where it should be
    out = best_efforts(s, distances_m=[1000]).iloc[0]
    assert out["time_s"] == pytest.approx(250.0)
