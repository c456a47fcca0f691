"""Interval detection from the speed stream, lap roles, and the published accuracy targets."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import stridekit
from stridekit import schema
from stridekit.analysis import accuracy
from stridekit.analysis.intervals import (
    CHUNK_SAMPLES,
    REPEAT_COLUMNS,
    analyse_runs,
    detect_all,
    detect_intervals,
)
from stridekit.analysis.laps import lap_phases, lap_repeats, lap_roles

EASY, FAST = 2.5, 4.1


def run_samples(
    segments: list[tuple[float, float]],
    *,
    every_s: int = 1,
    seed: int = 1,
    session_id: str = "s1",
    noise: float = 0.08,
    hr: bool = True,
    pauses: list[tuple[float, float]] | None = None,
) -> tuple[pd.DataFrame, list[tuple[float, float]]]:
    """Samples of a run made of ``(duration_s, speed_mps)`` segments, with 4 s speed ramps
    centred on the boundaries, GPS-like noise and a lagging heart rate; the fast segments'
    planted ``(start_s, end_s)``. ``pauses`` are ``(start, end)`` windows with no samples
    (a paused timer) in which the runner stands still."""
    rng = np.random.default_rng(seed)
    bounds = np.concatenate(([0.0], np.cumsum([d for d, _ in segments])))
    n = int(bounds[-1]) + 1
    t = np.arange(n, dtype=float)
    target = np.interp(t, bounds[:-1] + 0.0, [v for _, v in segments])
    # piecewise constant with linear ramps of 4 s centred on each boundary
    speed = np.empty(n)
    for i, (_, v) in enumerate(segments):
        a, b = int(bounds[i]), int(bounds[i + 1])
        speed[a:b] = v
    speed[-1] = segments[-1][1]
    for i in range(1, len(segments)):
        c = bounds[i]
        v0, v1 = segments[i - 1][1], segments[i][1]
        w = (t >= c - 2) & (t <= c + 2)
        speed[w] = v0 + (v1 - v0) * (t[w] - (c - 2)) / 4
    del target
    running = np.ones(n, dtype=bool)
    for p0, p1 in pauses or []:
        running[int(p0) : int(p1)] = False
        speed[int(p0) : int(p1)] = 0.0
    recorded = np.maximum(speed + rng.normal(0, noise, n), 0.0)
    recorded[~running] = 0.0
    distance = np.concatenate(([0.0], np.cumsum(recorded[:-1])))
    effort = np.convolve(speed, np.ones(30) / 30, mode="full")[:n]
    heart = 110 + 18 * effort
    keep = (np.arange(n) % every_s == 0) & running
    keep[-1] = True
    frame = pd.DataFrame(
        {
            "session_id": session_id,
            "t_s": t[keep],
            "distance_m": distance[keep],
            "speed_mps": recorded[keep],
            "hr_bpm": np.round(heart[keep]) if hr else np.nan,
        }
    )
    fast = [
        (float(bounds[i]), float(bounds[i + 1]))
        for i, (_, v) in enumerate(segments)
        if v >= FAST - 0.01
    ]
    return schema.conform(frame, "samples"), fast


def intervals_plan(
    n: int = 6, fast_s: float = 40, rest_s: float = 180
) -> list[tuple[float, float]]:
    segs: list[tuple[float, float]] = [(600, 2.2)]
    for i in range(n):
        if i:
            segs.append((rest_s, 2.3))
        segs.append((fast_s, FAST))
    segs.append((480, 2.1))
    return segs


def assert_found(found: pd.DataFrame, planted: list[tuple[float, float]], tol: float = 3.0) -> None:
    assert len(found) == len(planted)
    for (a, b), (_, row) in zip(planted, found.iterrows(), strict=True):
        assert abs(row["start_s"] - a) <= tol and abs(row["end_s"] - b) <= tol


def test_repeats_found_with_their_boundaries_and_numbers() -> None:
    samples, planted = run_samples(intervals_plan())
    found = detect_intervals(samples)
    assert list(found.columns) == list(REPEAT_COLUMNS)
    assert_found(found, planted, tol=2.0)
    assert found["duration_s"].between(38, 42).all()
    assert found["avg_speed_mps"].between(3.9, 4.3).all()
    assert (found["distance_m"] - found["avg_speed_mps"] * found["duration_s"]).abs().max() < 1e-6
    assert found["recovery_s"].iloc[:-1].between(175, 185).all()
    assert pd.isna(found["recovery_s"].iloc[-1])
    assert (found["hr_drop_bpm"].iloc[:-1] > 5).all()
    assert (found["max_hr_bpm"] >= found["avg_hr_bpm"]).all()
    assert (found["source"] == "stream").all()


def test_paused_timer_in_every_recovery_keeps_the_wall_clock() -> None:
    plan = intervals_plan(n=5, fast_s=60, rest_s=150)
    segs = [(d, 0.0 if v == 2.3 else v) for d, v in plan]  # standing recoveries
    bounds = np.concatenate(([0.0], np.cumsum([d for d, _ in segs])))
    pauses = [(bounds[i] + 8, bounds[i + 1] - 6) for i, (_, v) in enumerate(segs) if v == 0.0]
    samples, planted = run_samples(segs, pauses=pauses)
    assert samples["t_s"].diff().max() > 100  # the timer really paused
    found = detect_intervals(samples)
    assert_found(found, planted)
    phases = detect_all(samples).phases.iloc[0]
    assert phases["paused_s"] > 500


def test_steady_runs_and_noise_have_no_repeats() -> None:
    steady, _ = run_samples([(2700, 2.8)], every_s=5, noise=0.15)
    hilly, _ = run_samples([(300, 2.6), (60, 3.2), (300, 2.6), (60, 3.2), (300, 2.6)])
    for samples in (steady, hilly):
        found = detect_intervals(samples)
        assert found.empty and list(found.columns) == list(REPEAT_COLUMNS)


def test_one_fast_stretch_is_not_a_set_of_repeats() -> None:
    tempo, _ = run_samples([(600, 2.4), (1200, 3.3), (600, 2.3)])
    sprint, _ = run_samples([(1800, 2.5), (30, FAST), (60, 2.0)])
    assert detect_intervals(tempo).empty and detect_intervals(sprint).empty


def test_bad_input_gives_empty_repeats_and_says_what_is_missing() -> None:
    samples, planted = run_samples(intervals_plan(), hr=False)
    found = detect_intervals(samples)
    assert_found(found, planted)
    assert found[["avg_hr_bpm", "max_hr_bpm", "hr_drop_bpm"]].isna().all().all()
    no_speed = samples.assign(speed_mps=np.nan, distance_m=np.nan)
    one = samples.iloc[:1]
    for frame in (no_speed, one, schema.empty("samples"), samples.iloc[0:0]):
        out = detect_intervals(frame)
        assert out.empty and list(out.columns) == list(REPEAT_COLUMNS)
    broken = samples.assign(session_id="z")
    broken.loc[broken.index[-1], "t_s"] = 1e9  # a broken clock: 31 years
    phases = detect_all(
        pd.concat([no_speed.assign(session_id="x"), one.assign(session_id="y"), broken])
    )
    notes = dict(zip(phases.phases["session_id"], phases.phases["missing"], strict=True))
    assert "no speed or distance recorded" in notes["x"] and "too few samples" in notes["y"]
    assert "longer than 48 h" in notes["z"]
    assert phases.phases[["warmup_s", "cooldown_s"]].isna().all().all()


def test_distance_only_unsorted_and_gps_gaps() -> None:
    samples, planted = run_samples(intervals_plan(), seed=3)
    derived = samples.assign(speed_mps=np.nan)
    assert_found(detect_intervals(derived), planted)
    shuffled = samples.sample(frac=1.0, random_state=2)
    assert_found(detect_intervals(shuffled), planted)
    gaps = samples.loc[~samples["t_s"].between(300, 330) & ~samples["t_s"].between(1560, 1590)]
    assert_found(detect_intervals(gaps), planted)


def test_many_sessions_at_once_match_one_at_a_time() -> None:
    a, _ = run_samples(intervals_plan(n=6), session_id="a", seed=4)
    b, _ = run_samples([(1500, 2.6)], session_id="b", every_s=5, seed=5)
    c, _ = run_samples(intervals_plan(n=8, fast_s=30), session_id="c", seed=6)
    both = detect_all(pd.concat([a, b, c], ignore_index=True)).repeats
    for one in (a, c):
        alone = detect_intervals(one)
        sid = one["session_id"].iloc[0]
        pd.testing.assert_frame_equal(
            both.loc[both["session_id"] == sid].reset_index(drop=True), alone
        )
    assert (both["session_id"] != "b").all()
    with pytest.raises(ValueError, match="one session's samples"):
        detect_intervals(pd.concat([a, b]))


def test_warm_up_and_cool_down_of_a_steady_run() -> None:
    samples, _ = run_samples([(120, 1.5), (420, 2.3), (2000, 2.7), (360, 2.25), (120, 1.5)])
    phases = detect_all(samples).phases.iloc[0]
    assert phases["warmup_s"] == pytest.approx(540, abs=30)
    assert phases["cooldown_s"] == pytest.approx(480, abs=30)
    assert phases["main_speed_mps"] == pytest.approx(2.7, abs=0.05)
    plain, _ = run_samples([(2400, 2.7)])
    assert detect_all(plain).phases.iloc[0][["warmup_s", "cooldown_s"]].tolist() == [0, 0]


LapRow = tuple[str, float, float, float, str | None, str | None]


def laps_frame(rows: list[LapRow]) -> pd.DataFrame:
    """Rows of (session_id, start_s, duration_s, distance_m, intensity, trigger)."""
    frame = pd.DataFrame(
        rows, columns=["session_id", "start_s", "duration_s", "distance_m", "intensity", "trigger"]
    )
    frame["lap_index"] = frame.groupby("session_id").cumcount()
    frame["avg_speed_mps"] = frame["distance_m"] / frame["duration_s"].where(
        frame["duration_s"] > 0
    )
    return schema.conform(frame, "laps")


def test_lap_roles_from_intensity_from_pace_and_for_auto_laps() -> None:
    marked: list[LapRow] = [("m", 0, 600, 1300, "active", "manual")]
    t = 600.0
    for i in range(5):
        if i:
            marked.append(("m", t, 180, 400, "resting", "manual"))
            t += 180
        marked.append(("m", t, 45, 185, "active", "manual"))
        t += 45
    marked.append(("m", t, 500, 1050, "active", "manual"))
    paced: list[LapRow] = [
        (s.replace("m", "p"), a, d, x, None, None) for s, a, d, x, _, _ in marked
    ]
    auto: list[LapRow] = [("a", 360.0 * i, 360, 1000, "active", "distance") for i in range(8)]
    auto.append(("a", 2880, 200, 540, "active", "manual"))
    zero: list[LapRow] = [
        ("z", 0, 600, 1600, "active", "manual"),
        ("z", 600, 0, 0, "active", "manual"),
    ]
    laps = laps_frame(marked + paced + auto + zero)
    roles = lap_roles(laps)
    schema.validate(roles, "laps")
    for sid in ("m", "p"):
        got = roles.loc[roles["session_id"] == sid, "role"].tolist()
        assert got == ["warmup"] + ["work", "recovery"] * 4 + ["work", "cooldown"]
    assert set(roles.loc[roles["session_id"] == "a", "role"]) == {"steady"}
    assert roles.loc[roles["session_id"] == "z", "role"].isna().tolist() == [False, True]
    reps = lap_repeats(roles)
    assert reps.groupby("session_id").size().to_dict() == {"m": 5, "p": 5}
    assert reps["recovery_s"].dropna().eq(180).all()
    phases = lap_phases(roles).set_index("session_id")
    assert phases.loc["m", "warmup_s"] == 600 and phases.loc["m", "cooldown_s"] == 500
    # laps without samples: repeats and phases from the laps, and the lack is said
    result = analyse_runs(laps, None)
    assert result.repeats.groupby("session_id").size().to_dict() == {"m": 5, "p": 5}
    said = result.phases.set_index("session_id")
    assert said.loc["m", "warmup_s"] == 600 and said.loc["a", "missing"] == "no samples recorded"
    assert pd.isna(said.loc["a", "warmup_s"])


def test_laps_without_speeds_marked_active_and_resting() -> None:
    laps = schema.conform(
        pd.DataFrame(
            {
                "session_id": ["s"] * 5,
                "lap_index": range(5),
                "intensity": ["active", "active", "resting", "active", "active"],
            }
        ),
        "laps",
    )
    assert lap_roles(laps)["role"].tolist() == ["warmup", "work", "recovery", "work", "cooldown"]


def test_laps_mark_the_repeats_and_stream_fills_the_rest() -> None:
    a, planted = run_samples(intervals_plan(n=5, fast_s=45), session_id="m")
    b, planted_b = run_samples(intervals_plan(n=6), session_id="b", seed=8)
    rows: list[LapRow] = [("m", 0, 600, 1300, "active", "manual")]
    for i, (s, e) in enumerate(planted):
        rows.append(("m", s, e - s, 185, "active", "manual"))
        nxt = planted[i + 1][0] if i + 1 < len(planted) else e + 480
        rows.append(
            ("m", e, nxt - e, 400, "resting" if i + 1 < len(planted) else "active", "manual")
        )
    result = analyse_runs(laps_frame(rows), pd.concat([a, b], ignore_index=True))
    src = result.repeats.groupby("session_id")["source"].first().to_dict()
    assert src == {"m": "laps", "b": "stream"}
    m = result.repeats.loc[result.repeats["session_id"] == "m"]
    assert m["max_hr_bpm"].notna().all() and (m["hr_drop_bpm"].iloc[:-1] > 0).all()
    phases = result.phases.set_index("session_id")
    assert phases.loc["m", "warmup_s"] == 600 and phases.loc["b", "warmup_s"] == pytest.approx(
        planted_b[0][0], abs=3
    )


@pytest.fixture(scope="module")
def sample_log() -> stridekit.TrainingLog:
    return stridekit.sample_log()


def test_sample_runner_meets_the_published_targets(sample_log: stridekit.TrainingLog) -> None:
    result = accuracy.measure(sample_log, accuracy.read_truth(stridekit.sample_path()))
    assert result.planted > 200 and result.runs > 100
    assert result.recall >= 0.95  # found, both boundaries within 3 s, laps hidden
    assert result.false_repeat_share <= 0.02
    assert result.focus_accuracy >= 0.95
    assert result.kind_accuracy >= 0.9
    assert result.boundary_error_p95_s <= 3.0
    assert result.warmup_presence_accuracy >= 0.9 and result.cooldown_presence_accuracy >= 0.9


def test_sample_laps_get_roles(sample_log: stridekit.TrainingLog) -> None:
    roles = sample_log.laps["role"]
    if roles.isna().all():  # the loader does not fill roles yet: do it here
        from stridekit.analysis.classify import classify_log

        roles = classify_log(sample_log).laps["role"]
    assert set(roles.dropna()) <= set(schema.LAP_ROLES) and roles.notna().mean() > 0.99


AUTO_LAP_RUNS = (
    "fit/fr45_run_8laps_1km_autolap.fit",
    "fit/2013-02-06-12-11-14.fit",
    "tcx/garmin_run_2012_3laps_distance_trigger.tcx",
    "tcx/runpandas_11km.tcx",
    "fit/activity-small-fenix2-run.fit",
)


@pytest.mark.parametrize("name", AUTO_LAP_RUNS)
def test_real_steady_runs_have_no_intervals_and_sensible_lap_roles(
    fixtures: Path, name: str
) -> None:
    log = stridekit.read_activity(fixtures / name)
    result = analyse_runs(log.laps, log.samples)
    assert result.repeats.empty
    roles = result.laps["role"]
    assert roles.notna().all() and "work" not in set(roles) and "recovery" not in set(roles)
    assert (roles == "steady").any()
    order = roles.map({"warmup": 0, "steady": 1, "cooldown": 2}).to_numpy()
    assert (np.diff(order) >= 0).all()  # warm-up first, cool-down last


def test_auto_laps_hide_repeats_the_stream_finds() -> None:
    samples, planted = run_samples(intervals_plan(n=6), session_id="h", seed=9)
    marks = np.searchsorted(samples["distance_m"].to_numpy(), np.arange(1000.0, 5000.0, 1000.0))
    starts = np.concatenate(([0.0], samples["t_s"].to_numpy()[marks]))
    ends = np.concatenate((starts[1:], [samples["t_s"].iloc[-1]]))
    rows: list[LapRow] = [
        ("h", a, b - a, 1000.0, "active", "distance") for a, b in zip(starts, ends, strict=True)
    ]
    result = analyse_runs(laps_frame(rows), samples)
    assert set(result.laps["role"]) <= {"warmup", "steady", "cooldown"}
    assert (result.repeats["source"] == "stream").all()
    assert_found(result.repeats, planted)


@pytest.mark.parametrize("chunk_samples", [1, 20_000, 50_000, 100_000])
def test_results_do_not_depend_on_the_chunk_size(
    sample_log: stridekit.TrainingLog, chunk_samples: int
) -> None:
    # sessions are independent: slicing the log differently must not change a single bit
    # (the default chunk holds the whole sample log, so ``whole`` is one grid)
    laps, samples = sample_log.laps, sample_log.samples
    assert chunk_samples < len(samples) <= CHUNK_SAMPLES
    whole = analyse_runs(laps, samples)
    sliced = analyse_runs(laps, samples, chunk_samples=chunk_samples)
    assert len(whole.phases) > 100 and len(whole.repeats) > 200
    for name in ("repeats", "laps", "phases"):
        expected, got = getattr(whole, name), getattr(sliced, name)
        pd.testing.assert_frame_equal(
            got.reset_index(drop=True), expected.reset_index(drop=True), check_exact=True
        )
