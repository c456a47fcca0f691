"""Step length at comparable speeds, and the flag on a too-fast rise (hand-built and sample)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import stridekit
from stridekit import schema
from stridekit.analysis.stride import stride_at_speed, weekly_stride
from stridekit.log import TrainingLog

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "sample"
MONDAY = pd.Timestamp("2025-03-03")


def run_log(steps: list[float | None]) -> TrainingLog:
    """One run a week (Tuesday); run ``i`` has step length ``steps[i]`` [m] at 2.8 m/s.

    Speeds sweep 2.5 to 3.1 m/s; step length grows 0.2 m per m/s; 20 walking samples at
    1.5 m/s (cadence 120) end each run. ``None`` gives a run without samples.
    """
    speed = np.linspace(2.5, 3.1, 121)
    ids, dates, frames = [], [], []
    for i, step in enumerate(steps):
        sid = f"r{i}"
        ids.append(sid)
        dates.append(MONDAY + pd.Timedelta(days=7 * i + 1))
        if step is None:
            continue
        v = np.concatenate([speed, np.full(20, 1.5)])
        s = np.concatenate([step + 0.2 * (speed - 2.8), np.full(20, 0.75)])
        frames.append(
            pd.DataFrame(
                {
                    "session_id": sid,
                    "t_s": np.arange(len(v), dtype=float),
                    "speed_mps": v,
                    "step_m": s,
                    "cadence_spm": np.where(v > 2, 60 * v / s, 120.0),
                }
            )
        )
    sessions = pd.DataFrame(
        {
            "session_id": ids,
            "start_utc": pd.DatetimeIndex(dates).tz_localize("UTC"),
            "local_date": dates,
            "sport": "run",
            "kind": "easy",
        }
    )
    samples = pd.concat(frames, ignore_index=True) if frames else schema.empty("samples")
    return TrainingLog(sessions=sessions, samples=samples)


def test_step_length_read_at_the_reference_speed() -> None:
    log = run_log([1.00, 1.02])
    out = stride_at_speed(log.sessions, log.samples, speed_mps=2.9)
    assert out["speed_mps"].tolist() == [2.9, 2.9]
    assert out["step_m"].tolist() == pytest.approx([1.02, 1.04])
    assert out["cadence_spm"].tolist() == pytest.approx(
        [60 * 2.9 / 1.02, 60 * 2.9 / 1.04], rel=2e-3
    )
    assert out["samples"].tolist() == [121, 121]  # walking left out
    default = stride_at_speed(log.sessions, log.samples)
    assert default["speed_mps"].iloc[0] == pytest.approx(2.8)
    assert default["step_m"].tolist() == pytest.approx([1.00, 1.02])


def test_what_is_missing_is_said() -> None:
    log = run_log([1.0, None])
    no_cadence = log.samples.assign(session_id="r2", cadence_spm=np.nan)
    sessions = pd.concat(
        [log.sessions, log.sessions.iloc[[0]].assign(session_id="r2")], ignore_index=True
    )
    samples = pd.concat([log.samples, no_cadence], ignore_index=True)
    out = stride_at_speed(sessions, samples).set_index("session_id")
    assert out.loc["r1", "note"] == "not known: no samples"
    assert out.loc["r2", "note"] == "not known: no running cadence or step length recorded"
    assert out.loc[["r1", "r2"], "step_m"].isna().all()
    far = stride_at_speed(sessions, samples, speed_mps=4.5).set_index("session_id")
    assert far.loc["r0", "note"].startswith("not known: fewer than 60 samples within 0.4 m/s")


def test_weekly_flag_finds_the_rise_and_nothing_else() -> None:
    steps: list[float | None] = [1.0, 1.002, 0.998, 1.001, 1.0, 1.03, 1.04, 1.0, None, 1.0]
    log = run_log(steps)
    out = weekly_stride(log.sessions, log.samples)
    assert len(out) == 10
    assert out["overstride"].tolist()[:3] == [pd.NA] * 3  # too little history: not guessed
    assert out["note"][0].startswith("not known: fewer than 3 of the 6 weeks before")
    assert out["overstride"].tolist()[3:8] == [False, False, True, True, False]
    assert out.loc[5, "baseline_step_m"] == pytest.approx(1.0)
    assert out.loc[5, "rise_pct"] == pytest.approx(3.0)
    assert out.loc[8, "runs"] == 0 and pd.isna(out.loc[8, "overstride"])
    assert out.loc[8, "note"] == "not known: no run with step length at the reference speed"
    # the runner's own threshold
    lenient = weekly_stride(log.sessions, log.samples, max_rise_pct=3.5)
    assert lenient["overstride"].tolist()[5:7] == [False, True]


def test_bad_arguments() -> None:
    log = run_log([1.0])
    with pytest.raises(ValueError, match="band_mps"):
        stride_at_speed(log.sessions, log.samples, band_mps=0)
    with pytest.raises(ValueError, match="speed_mps"):
        stride_at_speed(log.sessions, log.samples, speed_mps=-1)
    with pytest.raises(ValueError, match="baseline_weeks must be at least 3"):
        weekly_stride(log.sessions, log.samples, baseline_weeks=2)
    with pytest.raises(ValueError, match="max_rise_pct"):
        weekly_stride(log.sessions, log.samples, max_rise_pct=-1)


def test_empty_log_and_no_samples() -> None:
    empty = TrainingLog()
    assert stride_at_speed(empty.sessions, empty.samples).empty
    assert weekly_stride(empty.sessions, empty.samples).empty
    log = run_log([None, None])
    out = weekly_stride(log.sessions, log.samples)
    assert out["runs"].tolist() == [0, 0] and out["overstride"].isna().all()


# --- the sample runner ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample() -> TrainingLog:
    return stridekit.sample_log()


@pytest.fixture(scope="module")
def truth() -> dict[str, Any]:
    return json.loads((SAMPLE / "truth.json").read_text(encoding="utf-8"))


def test_sample_overstride_weeks_flagged_and_no_others(
    sample: TrainingLog, truth: dict[str, Any]
) -> None:
    out = weekly_stride(sample.sessions, sample.samples)
    planted = {dt.date.fromisoformat(w["monday"]) for w in truth["generator"]["overstride_weeks"]}
    flagged = {w.date() for w in out.loc[out["overstride"].fillna(False), "week"]}
    assert flagged == planted
    judged = out["overstride"].notna()
    assert judged.sum() >= 20  # every week with runs after the first three is judged
    sick = pd.Timestamp(truth["generator"]["sick_weeks"][0]["monday"])
    assert out.set_index("week").loc[sick, "runs"] == 0


def test_sample_cadence_drops_in_the_overstride_weeks(
    sample: TrainingLog, truth: dict[str, Any]
) -> None:
    out = weekly_stride(sample.sessions, sample.samples).set_index("week")
    planted = [pd.Timestamp(w["monday"]) for w in truth["generator"]["overstride_weeks"]]
    before = out.loc[: planted[0] - pd.Timedelta(days=1), "cadence_spm"].median()
    assert (out.loc[planted, "cadence_spm"] < before - 1.5).all()


def test_gps_gaps_and_pauses_are_left_out() -> None:
    log = run_log([1.0, 1.0])
    gappy = log.samples.copy()
    gappy.loc[gappy.index[:30], ["speed_mps", "step_m"]] = np.nan  # a GPS gap
    gappy.loc[gappy.index[30:40], ["speed_mps", "cadence_spm"]] = 0.0  # standing, paused
    out = stride_at_speed(log.sessions, gappy, speed_mps=2.8)
    assert out["samples"].tolist() == [81, 121]
    assert out["step_m"].tolist() == pytest.approx([1.0, 1.0])
