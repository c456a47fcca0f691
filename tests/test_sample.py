"""The realistic sample runner: deterministic, follows the advice, and tells the truth."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import json
import math
import re
import zipfile
from collections import Counter
from dataclasses import replace
from itertools import pairwise
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import fitdecode
import numpy as np
import pandas as pd
import pytest
from lxml import etree

import stridekit
from stridekit.io import fit_profile as P
from stridekit.sample import DEFAULT_SEED, DEFAULT_START, DEFAULT_WEEKS, make_plan, write_sample
from stridekit.sample.fit_writer import fit_activity
from stridekit.sample.physiology import simulate
from stridekit.sample.strava_export import HEADER, write_strava_export
from stridekit.sample.watch import Recording, record

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "sample"
TCX = "http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2"
AX = "http://www.garmin.com/xmlschemas/ActivityExtension/v2"
NS = {"t": TCX, "x": AX}
BERLIN = ZoneInfo("Europe/Berlin")


def _files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def _frames(path: Path) -> list[fitdecode.FitDataMessage]:
    """The data messages of a (gzipped) FIT file, decoded by fitdecode with its CRC checked."""
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    with fitdecode.FitReader(io.BytesIO(data), check_crc=fitdecode.CrcCheck.ENABLED) as reader:
        return [f for f in reader if isinstance(f, fitdecode.FitDataMessage)]


def _value(frame: fitdecode.FitDataMessage, name: str) -> Any:
    return frame.get_value(name, fallback=None)


def _float(values: list[Any], scale: float = 1.0) -> np.ndarray:
    return np.array([math.nan if v is None else float(v) * scale for v in values])


class Track:
    """The records, laps and session of one sample FIT file, decoded with fitdecode."""

    def __init__(self, path: Path) -> None:
        frames = _frames(path)
        self.names = [f.name for f in frames]
        records = [f for f in frames if f.name == "record"]
        self.laps = [f for f in frames if f.name == "lap"]
        self.session = next(f for f in frames if f.name == "session")
        self.events = [f for f in frames if f.name == "event"]
        times = [_value(r, "timestamp") for r in records]
        self.t0 = times[0]
        self.t_s = np.array([(t - times[0]).total_seconds() for t in times])
        self.distance_m = _float([_value(r, "distance") for r in records])
        self.cadence_spm = 2 * (
            _float([_value(r, "cadence") for r in records])
            + _float([_value(r, "fractional_cadence") for r in records])
        )
        deg = 180.0 / 2**31
        self.lat = _float([_value(r, "position_lat") for r in records], deg)
        self.lon = _float([_value(r, "position_long") for r in records], deg)

    def speed(self, a: float, b: float) -> float:
        """Mean speed [m/s] from distance between t_s ``a`` and ``b`` [s]."""
        i, j = np.searchsorted(self.t_s, [a, b])
        j = min(j, len(self.t_s) - 1)
        return float((self.distance_m[j] - self.distance_m[i]) / (self.t_s[j] - self.t_s[i]))

    def lap_start(self, lap: fitdecode.FitDataMessage) -> float:
        """The lap's start [s] on the t_s clock."""
        return float((_value(lap, "start_time") - self.t0).total_seconds())


@pytest.fixture(scope="module")
def truth() -> dict[str, Any]:
    return json.loads((SAMPLE / "truth.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def runs(truth: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for s in truth["sessions"] if s["sport"] == "run"]


def _gap_weeks(truth: dict[str, Any]) -> set[int]:
    gen = truth["generator"]
    return {w["week"] for w in gen["sick_weeks"] + gen["holiday_weeks"]}


# (1) determinism: the committed folder is exactly what write_sample writes --------------------


def test_regenerating_gives_the_committed_bytes(tmp_path: Path) -> None:
    out = write_sample(tmp_path / "sample")
    assert out == tmp_path / "sample"
    committed, fresh = _files(SAMPLE), _files(out)
    assert sorted(fresh) == sorted(committed)
    assert [name for name in committed if committed[name] != fresh[name]] == []


# (2) the plan follows the advice --------------------------------------------------------------


def test_generator_records_its_arguments(truth: dict[str, Any]) -> None:
    gen = truth["generator"]
    assert (gen["seed"], gen["weeks"], gen["start"]) == (DEFAULT_SEED, DEFAULT_WEEKS, "2025-01-06")
    assert [w["week"] for w in gen["sick_weeks"]] == [9]
    assert [w["week"] for w in gen["holiday_weeks"]] == [20]
    assert len(gen["overstride_weeks"]) >= 3


def test_four_or_five_runs_and_one_or_two_interval_sessions_a_week(
    truth: dict[str, Any], runs: list[dict[str, Any]]
) -> None:
    gaps = _gap_weeks(truth)
    per_week = Counter(r["week"] for r in runs)
    intervals = Counter(r["week"] for r in runs if r["kind"] == "intervals")
    speed = Counter(r["week"] for r in runs if r["focus"] == "speed")
    for week in range(DEFAULT_WEEKS):
        if week in gaps:
            assert per_week[week] <= 2
            continue
        assert per_week[week] in (4, 5), week
        assert intervals[week] in (1, 2), week
        assert speed[week] <= 2, week
    sick = truth["generator"]["sick_weeks"][0]["week"]
    assert not [s for s in truth["sessions"] if s["week"] == sick]
    assert {r["focus"] for r in runs if r["kind"] in ("long", "easy", "recovery")} == {"distance"}
    kinds = Counter(r["kind"] for r in runs)
    assert kinds["long"] >= 20 and kinds["tempo"] >= 1 and kinds["race"] == 1


def test_long_run_grows(runs: list[dict[str, Any]]) -> None:
    longs = [r["distance_m"] for r in runs if r["kind"] == "long"]
    assert max(longs[-8:]) > 1.4 * max(longs[:3])


def test_strength_twice_a_week_mostly_between_runs(truth: dict[str, Any]) -> None:
    sessions = truth["sessions"]
    strength = [s for s in sessions if s["sport"] == "strength"]
    weeks = DEFAULT_WEEKS - len(_gap_weeks(truth))
    assert 1.8 <= len(strength) / weeks <= 2.2
    run_days = {s["local_date"] for s in sessions if s["sport"] == "run"}
    on_run_days = sum(s["local_date"] in run_days for s in strength)
    assert 0 < on_run_days <= 0.25 * len(strength)


def test_exercises_are_the_runners_own_words() -> None:
    with (SAMPLE / "sets.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    names = Counter(r["exercise"] for r in rows)
    calf = {n for n in names if "calf" in n.lower() or "heel" in n.lower()}
    assert len(calf) >= 3
    lower = " ".join(names).lower()
    for word in ("squat", "lunge", "knee raise", "crunch", "plank"):
        assert word in lower
    planks = [r for r in rows if "plank" in r["exercise"].lower()]
    assert planks and all(r["reps"] == "" and int(r["duration_s"]) > 0 for r in planks)
    with (SAMPLE / "sessions.csv").open(encoding="utf-8", newline="") as f:
        sessions = list(csv.DictReader(f))
    assert {r["timezone"] for r in sessions} == {"Europe/Berlin"}
    assert {r["session"] for r in rows} <= {r["session"] for r in sessions}
    assert not [r for r in sessions if r["sport"] in ("run", "running", "jog")]
    assert len({r["session"] for r in sessions}) == len(sessions)


def test_stretching_yoga_and_pilates_some_warm_some_cold(truth: dict[str, Any]) -> None:
    mobility = [s for s in truth["sessions"] if s["sport"] == "mobility"]
    kinds = Counter(s["kind"] for s in mobility)
    assert kinds["stretching"] > 20 and kinds["yoga"] > 5 and 1 <= kinds["pilates"] <= 8
    warm = Counter(s["warm"] for s in mobility)
    assert warm[True] > 10 and warm[False] > 10


def test_warmups_and_cooldowns_on_most_runs_but_not_all(runs: list[dict[str, Any]]) -> None:
    warm = np.mean([r["warmup_s"] > 0 for r in runs])
    cool = np.mean([r["cooldown_s"] > 0 for r in runs])
    assert 0.6 < warm < 1.0 and 0.5 < cool < 1.0


def test_fast_repeats_grow_and_get_faster(runs: list[dict[str, Any]]) -> None:
    intervals = [r for r in runs if r["kind"] == "intervals"]

    def fast_s(r: dict[str, Any]) -> float:
        return float(np.median([p["end_s"] - p["start_s"] for p in r["repeats"]]))

    early = [r for r in intervals if r["week"] < 3]
    late = [r for r in intervals if r["week"] >= DEFAULT_WEEKS - 4]
    assert early and late
    assert all(25 <= fast_s(r) <= 35 for r in early)
    assert all(fast_s(r) >= 60 for r in late)

    def repeat_speed(r: dict[str, Any]) -> float:
        track = Track(SAMPLE / r["file"])
        return float(np.mean([track.speed(p["start_s"] + 3, p["end_s"] - 3) for p in r["repeats"]]))

    assert np.mean([repeat_speed(r) for r in late[:3]]) > 1.05 * np.mean(
        [repeat_speed(r) for r in early[:3]]
    )


def test_stride_grows_too_fast_in_the_overstride_weeks(
    truth: dict[str, Any], runs: list[dict[str, Any]]
) -> None:
    bad = [w["week"] for w in truth["generator"]["overstride_weeks"]]

    def stride(weeks: list[int]) -> tuple[float, float, float]:
        speeds, cadences = [], []
        for r in runs:
            if r["kind"] in ("easy", "long") and r["week"] in weeks:
                track = Track(SAMPLE / r["file"])
                moving = track.cadence_spm > 140
                v = np.gradient(track.distance_m, track.t_s)
                speeds.append(float(np.median(v[moving])))
                cadences.append(float(np.median(track.cadence_spm[moving])))
        speed, cadence = float(np.mean(speeds)), float(np.mean(cadences))
        return speed, cadence, speed / (cadence / 60)

    before = stride([bad[0] - 3, bad[0] - 2, bad[0] - 1])
    during = stride(bad[-2:])
    assert during[0] > before[0]  # faster
    assert during[1] < before[1] - 3  # lower cadence [steps/min]
    assert during[2] > 1.05 * before[2]  # step length up more than 5 % in a few weeks


# (3) truth.json agrees with the FIT files ---------------------------------------------------


def _pick(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    intervals = [r for r in runs if r["kind"] == "intervals"]
    paused = [r for r in intervals if r["paused"]]
    longs = [r for r in runs if r["kind"] == "long"]
    return [intervals[0], paused[0], intervals[-1], longs[len(longs) // 2]]


def test_truth_matches_the_fit_files(runs: list[dict[str, Any]]) -> None:
    for r in _pick(runs):
        track = Track(SAMPLE / r["file"])
        assert _value(track.session, "sport") == "running"
        start = _utc(r["start_utc"])
        assert _value(track.session, "start_time") == start == track.t0
        assert start.astimezone(BERLIN).date().isoformat() == r["local_date"]
        assert r["file"] == f"runs/{r['local_date']}-{r['kind']}.fit.gz"
        assert _value(track.session, "total_elapsed_time") == r["duration_s"]
        assert _value(track.session, "total_timer_time") == r["moving_s"]
        assert np.all(np.diff(track.t_s) > 0)
        assert len(track.t_s) == r["trackpoints"]
        assert track.t_s[-1] == r["duration_s"]
        assert len(track.laps) == r["laps"]
        assert np.all(np.diff(track.distance_m) >= 0)
        assert abs(track.distance_m[-1] - r["distance_m"]) < 0.1
        step = float(np.median(np.diff(track.t_s)))
        assert step == (1.0 if r["kind"] == "intervals" else 5.0)


def test_repeats_are_faster_than_the_recoveries(runs: list[dict[str, Any]]) -> None:
    for r in _pick(runs)[:3]:
        track = Track(SAMPLE / r["file"])
        reps = r["repeats"]
        assert len(reps) >= 5
        assert r["warmup_s"] <= reps[0]["start_s"]
        assert reps[-1]["end_s"] + r["cooldown_s"] <= r["duration_s"]
        # Laps: warm-up, then each repeat and each recovery, then the cool-down.
        intensity = [_value(lap, "intensity") for lap in track.laps]
        assert intensity.count("rest") >= len(reps) - 1
        assert intensity[1::2][: len(reps)] == ["active"] * len(reps)
        assert intensity[0] == ("warmup" if r["warmup_s"] else "active")
        assert intensity[-1] == ("cooldown" if r["cooldown_s"] else "rest")
        assert {_value(lap, "lap_trigger") for lap in track.laps} == {"manual"}
        for lap, rep in zip(track.laps[1::2], reps, strict=False):
            assert abs(track.lap_start(lap) - rep["start_s"]) <= 2
        fast = [track.speed(p["start_s"] + 3, p["end_s"] - 3) for p in reps]
        slow = [track.speed(a["end_s"] + 5, b["start_s"] - 5) for a, b in pairwise(reps)]
        assert min(fast) > 1.4 * max(slow)


def test_paused_recoveries_leave_gaps_in_the_times(runs: list[dict[str, Any]]) -> None:
    r = _pick(runs)[1]
    track = Track(SAMPLE / r["file"])
    gaps = np.flatnonzero(np.diff(track.t_s) > 60)
    assert len(gaps) >= 2
    reps = r["repeats"]
    for g in gaps:
        a, b = track.t_s[g], track.t_s[g + 1]
        assert any(p["end_s"] < a and b < q["start_s"] for p, q in pairwise(reps))
    # the watch's timer: started, stopped and started again around each pause, stopped at the end
    timer = [(_value(e, "event_type"), e) for e in track.events if _value(e, "event") == "timer"]
    kinds = [k for k, _ in timer]
    assert kinds[0] == "start" and kinds[-1] == "stop_all"
    assert kinds.count("stop_all") == len(gaps) + 1 and kinds.count("start") == len(gaps) + 1
    times = [(_value(e, "timestamp") - track.t0).total_seconds() for _, e in timer[1:-1]]
    assert kinds[1:-1] == ["stop_all", "start"] * len(gaps)
    for g, stop, go in zip(gaps, times[0::2], times[1::2], strict=True):
        assert track.t_s[g] < stop < go <= track.t_s[g + 1]


def test_positions_stay_near_home_and_match_the_distance(runs: list[dict[str, Any]]) -> None:
    for r in _pick(runs):
        track = Track(SAMPLE / r["file"])
        ok = ~np.isnan(track.lat)
        lat, lon = np.radians(track.lat[ok]), np.radians(track.lon[ok])
        north = (lat - math.radians(52.5145)) * 6_371_000
        east = (lon - math.radians(13.3501)) * 6_371_000 * math.cos(math.radians(52.5145))
        assert np.hypot(east, north).max() < 12_000
        assert np.hypot(east[0], north[0]) < 20
        path = np.hypot(np.diff(east), np.diff(north)).sum()
        assert 0.9 < path / r["distance_m"] < 1.15


# (4) other arguments ------------------------------------------------------------------------


def test_a_short_sample_works_and_depends_on_the_seed(tmp_path: Path) -> None:
    one = _files(write_sample(tmp_path / "one", weeks=4, seed=1))
    again = _files(write_sample(tmp_path / "again", weeks=4, seed=1))
    two = _files(write_sample(tmp_path / "two", weeks=4, seed=2))
    assert one == again
    assert one["truth.json"] != two["truth.json"]
    truth = json.loads(one["truth.json"])
    assert truth["generator"]["weeks"] == 4 and truth["generator"]["seed"] == 1
    files = {s["file"] for s in truth["sessions"] if s["sport"] == "run"}
    assert files == {name for name in one if name.startswith("runs/")}
    assert 14 <= len(files) <= 20 and all(f.endswith(".fit.gz") for f in files)
    assert max(s["week"] for s in truth["sessions"]) == 3


def test_tcx_on_request_is_the_same_runs(tmp_path: Path) -> None:
    fit = write_sample(tmp_path / "fit", weeks=2)
    tcx = write_sample(tmp_path / "tcx", weeks=2, format="tcx")
    fit_truth = json.loads((fit / "truth.json").read_text(encoding="utf-8"))["sessions"]
    tcx_truth = json.loads((tcx / "truth.json").read_text(encoding="utf-8"))["sessions"]
    assert [t["file"].replace(".fit.gz", ".tcx.gz") for t in fit_truth] == [
        t["file"] for t in tcx_truth
    ]
    assert [{**t, "file": None} for t in fit_truth] == [{**t, "file": None} for t in tcx_truth]
    for t in tcx_truth:
        if t["sport"] == "run":
            root = etree.fromstring(gzip.decompress((tcx / t["file"]).read_bytes()))
            points = root.findall(".//t:Trackpoint", NS)
            assert len(points) == t["trackpoints"]
            assert root.find("t:Activities/t:Activity", NS).get("Sport") == "Running"
    with pytest.raises(ValueError, match="format"):
        write_sample(tmp_path / "gpx", weeks=1, format="gpx")


def test_weeks_must_be_positive(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="weeks"):
        write_sample(tmp_path / "none", weeks=0)
    assert make_plan(weeks=1, seed=3, start=dt.date(2025, 1, 6)).runs


# (5) small and byte-stable --------------------------------------------------------------------


def test_sample_is_under_5_mb_and_gzip_headers_are_stable() -> None:
    files = _files(SAMPLE)
    assert sum(len(b) for b in files.values()) < 5_000_000
    gz = [b for name, b in files.items() if name.endswith(".fit.gz")]
    assert len(gz) > 90 and len(gz) == len([n for n in files if n.startswith("runs/")])
    for data in gz:
        assert data[:3] == b"\x1f\x8b\x08"
        assert data[3] & 0x08 == 0  # no file name stored
        assert data[4:8] == b"\x00\x00\x00\x00"  # mtime 0
    for name in ("sessions.csv", "sets.csv", "truth.json"):
        assert b"\r" not in files[name]


# (6) the FIT writer ---------------------------------------------------------------------------

WORDS = {"warmup": "warmup", "work": "active", "steady": "active", "recovery": "rest"}


@pytest.fixture(scope="module")
def plan() -> Any:
    return make_plan(weeks=DEFAULT_WEEKS, seed=DEFAULT_SEED, start=DEFAULT_START)


def _recording(plan: Any, kind: str, paused: bool) -> Recording:
    run = next(
        r for r in plan.runs if r.kind == kind and any(s.pause for s in r.segments) == paused
    )
    rng = np.random.default_rng((DEFAULT_SEED, 1, run.index))
    return record(run, simulate(run, rng), rng)


@pytest.mark.parametrize(("kind", "paused"), [("intervals", True), ("long", False)])
def test_fit_writer_round_trips_through_the_reader(
    plan: Any, tmp_path: Path, kind: str, paused: bool
) -> None:
    rec = _recording(plan, kind, paused)
    assert bool(rec.pauses) == paused
    lat, lon, hr = rec.lat_deg.copy(), rec.lon_deg.copy(), rec.hr_bpm.copy()
    lat[10:15] = lon[10:15] = hr[20:25] = math.nan  # lost position and heart rate
    rec = replace(rec, lat_deg=lat, lon_deg=lon, hr_bpm=hr)
    path = tmp_path / "run.fit"
    path.write_bytes(fit_activity(rec))
    log = stridekit.read_activity(path).validate()
    assert [e.status for e in log.report] == ["ok"]
    s = log.sessions.iloc[0]
    assert len(log.sessions) == 1 and s["sport"] == "run" and s["source_format"] == "fit"
    assert s["start_utc"] == pd.Timestamp(rec.start_utc)
    # the local date comes from the file's own UTC offset (activity.local_timestamp)
    assert s["local_date"] == pd.Timestamp(rec.start_utc.astimezone(BERLIN).date())
    last = int(rec.t_s[-1])
    assert (s["duration_s"], s["moving_s"]) == (last, last - rec.paused_s)
    assert s["distance_m"] == pytest.approx(round(float(rec.distance_m[-1]), 2), abs=1e-9)
    assert s["avg_hr_bpm"] == round(float(np.nanmean(rec.hr_bpm)))

    smp = log.samples
    assert len(smp) == len(rec.t_s)
    np.testing.assert_array_equal(smp["t_s"], rec.t_s)
    assert smp["time_utc"].iloc[0] == pd.Timestamp(rec.start_utc)
    np.testing.assert_allclose(smp["distance_m"], np.round(rec.distance_m * 100) / 100, atol=1e-9)
    np.testing.assert_allclose(smp["speed_mps"], np.round(rec.speed_mps * 1000) / 1000, atol=1e-9)
    np.testing.assert_array_equal(smp["hr_bpm"], rec.hr_bpm)
    np.testing.assert_allclose(smp["cadence_spm"], np.round(rec.cadence_spm * 64) / 64, atol=1e-9)
    alt = np.round((rec.altitude_m + 500) * 5) / 5 - 500
    np.testing.assert_allclose(smp["altitude_m"], alt, atol=1e-9)
    semi = 180.0 / 2**31
    np.testing.assert_allclose(smp["lat_deg"], np.round(rec.lat_deg / semi) * semi, atol=1e-12)
    np.testing.assert_allclose(smp["lon_deg"], np.round(rec.lon_deg / semi) * semi, atol=1e-12)
    assert smp["lat_deg"].isna().sum() == np.isnan(rec.lat_deg).sum() >= 5
    assert smp["hr_bpm"].isna().sum() == np.isnan(rec.hr_bpm).sum() >= 5

    laps = log.laps
    assert laps["start_s"].tolist() == [lap.start_s for lap in rec.laps]
    assert laps["duration_s"].tolist() == [lap.timer_s for lap in rec.laps]
    np.testing.assert_allclose(
        laps["distance_m"], [round(lap.distance_m, 2) for lap in rec.laps], atol=1e-9
    )
    assert laps["avg_hr_bpm"].tolist() == [lap.avg_hr_bpm for lap in rec.laps]
    np.testing.assert_allclose(
        laps["avg_cadence_spm"],
        [round(lap.avg_cadence_spm * 64) / 64 for lap in rec.laps],
        atol=1e-9,
    )
    words = {**WORDS, "cooldown": "cooldown"}
    assert laps["intensity"].tolist() == [words[lap.phase] for lap in rec.laps]
    assert laps["trigger"].tolist() == [lap.trigger.lower() for lap in rec.laps]
    warm = sum(lap.timer_s for lap in rec.laps if lap.phase == "warmup")
    assert s["warmup_s"] == warm and (warm > 0) == (kind == "intervals")

    # fitdecode, the reference decoder, reads it with both CRCs checked
    frames = _frames(path)
    names = [f.name for f in frames]
    assert names[:2] == ["file_id", "device_info"] and names[-2:] == ["session", "activity"]
    assert names.count("record") == len(rec.t_s) and names.count("lap") == len(rec.laps)
    file_id = frames[0]
    assert (_value(file_id, "type"), _value(file_id, "manufacturer")) == ("activity", "development")
    activity = frames[-1]
    offset = _value(activity, "local_timestamp") - _value(activity, "timestamp")
    assert offset == rec.start_utc.astimezone(BERLIN).utcoffset()
    raw = path.read_bytes()
    assert raw[0] == 14 and raw[8:12] == b".FIT"
    assert int.from_bytes(raw[4:8], "little") == len(raw) - 16


def test_fit_writer_names_titled_runs_in_a_workout_message(plan: Any, tmp_path: Path) -> None:
    run = next(r for r in plan.runs if r.kind == "intervals" and r.notes)
    rng = np.random.default_rng((DEFAULT_SEED, 1, run.index))
    rec = record(run, simulate(run, rng), rng)
    path = tmp_path / "titled.fit"
    path.write_bytes(fit_activity(rec))
    workouts = [f for f in _frames(path) if f.name == "workout"]
    assert [_value(w, "wkt_name") for w in workouts] == [run.notes]
    assert P.RUNNING == 1 and _value(workouts[0], "sport") == "running"


# (7) the Strava-shaped export -----------------------------------------------------------------


def test_a_small_strava_export_reads_back_one_session_per_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STRIDEKIT_CACHE_DIR", str(tmp_path / "cache"))
    export = write_strava_export(tmp_path / "export.zip", weeks=3, seed=5, workers=1)
    again = write_strava_export(tmp_path / "again.zip", weeks=3, seed=5, workers=2)
    assert export.path.read_bytes() == again.path.read_bytes()
    with zipfile.ZipFile(export.path) as zf:
        rows = list(csv.reader(io.StringIO(zf.read("activities.csv").decode("utf-8"))))
        members = set(zf.namelist())
    assert tuple(rows[0]) == HEADER and rows[0].count("Distance") == 2
    body = rows[1:]
    assert len(body) == export.activities
    files = [r[HEADER.index("Filename")] for r in body]
    runs = [r for r, f in zip(body, files, strict=True) if f]
    assert len(runs) == export.recordings and {f for f in files if f} <= members
    types = Counter(r[HEADER.index("Activity Type")] for r in body)
    assert types["Run"] == len(runs) and types["Weight Training"] >= 4 and types["Yoga"] >= 1
    assert all(not f for r, f in zip(body, files, strict=True) if r[3] != "Run")
    names = [r[HEADER.index("Activity Name")] for r in runs]
    assert any(re.fullmatch(r"\d+x\d+00m", n) for n in names)

    log = stridekit.load_log(export.path, use_cache=True).validate()
    assert len(log.sessions) == len(body)
    assert sorted(log.sessions["session_id"]) == sorted(f"strava:{r[0]}" for r in body)
    assert len(log.samples) == export.records
    run_sessions = log.sessions[log.sessions["sport"] == "run"]
    assert len(run_sessions) == len(runs) and (run_sessions["source_format"] == "fit").all()
    assert set(log.sessions["sport"]) == {"run", "strength", "mobility"}
    # every second recorded: no gap of more than a few seconds outside the paused rests
    steps = log.samples.groupby("session_id")["t_s"].diff().dropna()
    assert steps.median() == 1.0
    assert {e.status for e in log.report} == {"ok"}
    intervals = log.sessions[log.sessions["title"].str.fullmatch(r"\d+x\d+00m").fillna(False)]
    assert len(intervals) and (intervals["kind"] == "intervals").all()
