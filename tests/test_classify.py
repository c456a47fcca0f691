"""Run classification from repeats, pace, distance, titles and the runner's overrides."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from stridekit import schema
from stridekit.analysis.classify import (
    apply_overrides,
    classify_log,
    classify_runs,
    read_overrides,
)
from stridekit.log import TrainingLog


def samples_of(session_id: str, segments: list[tuple[float, float]], seed: int) -> pd.DataFrame:
    """1 Hz samples of ``(duration_s, speed_mps)`` segments with noise and heart rate."""
    rng = np.random.default_rng(seed)
    speed = np.concatenate([np.full(int(d), v) for d, v in segments])
    speed = np.maximum(speed + rng.normal(0, 0.08, len(speed)), 0.0)
    t = np.arange(len(speed), dtype=float)
    heart = 110 + 18 * np.convolve(speed, np.ones(30) / 30, mode="full")[: len(speed)]
    return schema.conform(
        pd.DataFrame(
            {
                "session_id": session_id,
                "t_s": t,
                "distance_m": np.concatenate(([0.0], np.cumsum(speed[:-1]))),
                "speed_mps": speed,
                "hr_bpm": np.round(heart),
            }
        ),
        "samples",
    )


EASY = 2.7
PLANS: dict[str, tuple[str, list[tuple[float, float]], str | None]] = {
    # session: (date, segments, title)
    "e1": ("2025-03-01", [(2400, EASY)], None),
    "e2": ("2025-03-03", [(2700, EASY)], None),
    "e3": ("2025-03-05", [(2400, EASY)], None),
    "l1": ("2025-03-09", [(300, 2.3), (5400, 0.97 * EASY)], None),
    "e4": ("2025-03-11", [(2400, EASY)], None),
    "iv": (
        "2025-03-12",
        [(600, 2.3)] + [(40, 4.3), (180, 2.3)] * 5 + [(40, 4.3), (400, 2.2)],
        None,
    ),
    "tp": ("2025-03-14", [(600, 2.3), (1200, 1.2 * EASY), (500, 2.3)], None),
    "rc": ("2025-03-15", [(1500, 0.88 * EASY)], None),
    "e5": ("2025-03-16", [(2400, EASY)], "Long 10k"),
    "rc2": ("2025-03-17", [(2400, EASY)], "Tiergarten 10k"),
}


def log_of(plans: dict[str, tuple[str, list[tuple[float, float]], str | None]]) -> TrainingLog:
    rows, samples = [], []
    for i, (sid, (date, segs, title)) in enumerate(plans.items()):
        s = samples_of(sid, segs, seed=i)
        duration = float(s["t_s"].iloc[-1])
        distance = float(s["distance_m"].iloc[-1])
        rows.append(
            {
                "session_id": sid,
                "start_utc": pd.Timestamp(date, tz="UTC") + pd.Timedelta(hours=17),
                "local_date": pd.Timestamp(date),
                "sport": "run",
                "distance_m": distance,
                "duration_s": duration,
                "moving_s": duration,
                "avg_speed_mps": distance / duration,
                "title": title,
            }
        )
        samples.append(s)
    return TrainingLog(sessions=pd.DataFrame(rows), samples=pd.concat(samples, ignore_index=True))


@pytest.fixture(scope="module")
def log() -> TrainingLog:
    return log_of(PLANS)


@pytest.fixture(scope="module")
def classified(log: TrainingLog) -> pd.DataFrame:
    return classify_runs(log.sessions, log.laps, log.samples).set_index("session_id")


def test_kinds_from_the_data(classified: pd.DataFrame) -> None:
    kinds = classified["kind"].to_dict()
    assert kinds["iv"] == "intervals" and "speed stream" in classified.loc["iv", "reason"]
    assert "6 fast repeats of 40 s" in classified.loc["iv", "reason"]
    assert kinds["tp"] == "tempo" and "easy speed" in classified.loc["tp", "reason"]
    assert kinds["l1"] == "long" and kinds["rc"] == "recovery"
    assert kinds["e4"] == "easy"
    assert kinds["e5"] == "long"  # "Long 10k" is a long run, not a race
    assert kinds["rc2"] == "race"  # "Tiergarten 10k" is one
    assert classified.loc["iv", "focus"] == "speed" and classified.loc["l1", "focus"] == "distance"
    schema.validate(classified.reset_index(), "sessions")


def test_warm_up_and_cool_down_are_filled(classified: pd.DataFrame) -> None:
    assert classified.loc["iv", "warmup_s"] == pytest.approx(600, abs=3)
    assert classified.loc["iv", "cooldown_s"] == pytest.approx(400, abs=3)
    assert classified.loc["tp", "warmup_s"] == pytest.approx(600, abs=30)
    assert classified.loc["e1", "warmup_s"] == 0


def test_two_argument_call_and_idempotence(log: TrainingLog, classified: pd.DataFrame) -> None:
    again = classify_runs(classified.reset_index(), log.laps, log.samples).set_index("session_id")
    pd.testing.assert_series_equal(again["kind"], classified["kind"])
    pd.testing.assert_series_equal(again["reason"], classified["reason"])
    without = classify_runs(log.sessions, log.laps).set_index("session_id")
    assert without["kind"].notna().all() and without["focus"].notna().all()
    assert without["warmup_s"].isna().all()  # nothing to say it without samples


def test_the_hand_log_kind_wins(log: TrainingLog) -> None:
    sessions = log.sessions.copy()
    sessions.loc[sessions["session_id"] == "e1", "kind"] = "tempo"
    out = classify_runs(sessions, log.laps, log.samples).set_index("session_id")
    assert out.loc["e1", "kind"] == "tempo" and out.loc["e1", "reason"] == "the log says tempo"


def test_overrides_file(tmp_path: Path, log: TrainingLog, classified: pd.DataFrame) -> None:
    path = tmp_path / "overrides.csv"
    path.write_text(
        "session_id,kind,focus,note\ne2,intervals,,hill sprints the watch missed\niv,easy,speed,\n"
    )
    table = read_overrides(path)
    assert table["focus"].tolist() == ["speed", "speed"]
    out = classify_runs(log.sessions, log.laps, log.samples, overrides=path).set_index("session_id")
    assert out.loc["e2", ["kind", "focus"]].tolist() == ["intervals", "speed"]
    assert "hill sprints" in out.loc["e2", "reason"]
    assert out.loc["iv", ["kind", "focus"]].tolist() == ["easy", "speed"]
    assert out.loc["e3", "kind"] == classified.loc["e3", "kind"]
    # kept when classified again, and unknown ids are ignored
    again = classify_runs(out.reset_index(), log.laps, log.samples).set_index("session_id")
    assert again.loc["e2", "kind"] == "intervals"
    frame = pd.DataFrame({"session_id": ["nope"], "kind": ["race"]})
    pd.testing.assert_frame_equal(
        apply_overrides(classified.reset_index(), frame), classified.reset_index()
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("session_id,kind\ns1,sprint\n", "row 2: kind 'sprint' is not one of"),
        ("session_id,kind,focus\ns1,easy,fast\n", "row 2: focus 'fast' is not one of"),
        ("id,kind\ns1,easy\n", "need a 'session_id' column"),
    ],
)
def test_bad_overrides_say_what_is_wrong(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "o.csv"
    path.write_text(text)
    with pytest.raises(ValueError, match=message):
        read_overrides(path)


def test_classify_log_fills_lap_roles_and_validates(log: TrainingLog) -> None:
    laps = schema.conform(
        pd.DataFrame(
            {
                "session_id": ["e1"] * 3,
                "lap_index": range(3),
                "start_s": [0.0, 370.0, 740.0],
                "duration_s": [370.0, 370.0, 300.0],
                "distance_m": [1000.0, 1000.0, 810.0],
                "trigger": ["distance", "distance", "manual"],
            }
        ),
        "laps",
    )
    out = classify_log(TrainingLog(sessions=log.sessions, laps=laps, samples=log.samples))
    out.validate()
    assert out.laps["role"].tolist() == ["steady"] * 3


def test_runs_without_samples_or_speed() -> None:
    sessions = schema.conform(
        pd.DataFrame(
            {
                "session_id": ["a", "b"],
                "start_utc": pd.to_datetime(["2025-01-01", "2025-01-02"], utc=True),
                "local_date": pd.to_datetime(["2025-01-01", "2025-01-02"]),
                "sport": ["run", "run"],
                "duration_s": [1800.0, np.nan],
            }
        ),
        "sessions",
    )
    out = classify_runs(sessions, schema.empty("laps"), schema.empty("samples"))
    assert out["kind"].tolist() == ["easy", "easy"]
    assert out["reason"].str.contains("no speed to compare").all()
