"""The realistic sample runner: deterministic, follows the advice, and tells the truth."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import json
import math
from collections import Counter
from itertools import pairwise
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from lxml import etree

from stridekit.sample import DEFAULT_SEED, DEFAULT_WEEKS, make_plan, write_sample

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


class Track:
    """The trackpoints and laps of one TCX file, parsed with lxml directly."""

    def __init__(self, path: Path) -> None:
        root = etree.fromstring(gzip.decompress(path.read_bytes()))
        self.activity = root.find("t:Activities/t:Activity", NS)
        self.id = _utc(root.findtext("t:Activities/t:Activity/t:Id", namespaces=NS))
        points = root.findall(".//t:Trackpoint", NS)
        times = [_utc(p.findtext("t:Time", namespaces=NS)) for p in points]
        self.t0 = times[0]
        self.t_s = np.array([(t - times[0]).total_seconds() for t in times])
        self.distance_m = np.array(
            [float(p.findtext("t:DistanceMeters", namespaces=NS)) for p in points]
        )
        self.cadence_spm = np.array(
            [2 * float(p.findtext(".//x:RunCadence", namespaces=NS)) for p in points]
        )
        lat = [p.findtext("t:Position/t:LatitudeDegrees", namespaces=NS) for p in points]
        lon = [p.findtext("t:Position/t:LongitudeDegrees", namespaces=NS) for p in points]
        self.lat = np.array([math.nan if v is None else float(v) for v in lat])
        self.lon = np.array([math.nan if v is None else float(v) for v in lon])
        self.laps = root.findall(".//t:Lap", NS)

    def speed(self, a: float, b: float) -> float:
        """Mean speed [m/s] from distance between t_s ``a`` and ``b`` [s]."""
        i, j = np.searchsorted(self.t_s, [a, b])
        j = min(j, len(self.t_s) - 1)
        return float((self.distance_m[j] - self.distance_m[i]) / (self.t_s[j] - self.t_s[i]))


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


# (3) truth.json agrees with the TCX files ---------------------------------------------------


def _pick(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    intervals = [r for r in runs if r["kind"] == "intervals"]
    paused = [r for r in intervals if r["paused"]]
    longs = [r for r in runs if r["kind"] == "long"]
    return [intervals[0], paused[0], intervals[-1], longs[len(longs) // 2]]


def test_truth_matches_the_tcx_files(runs: list[dict[str, Any]]) -> None:
    for r in _pick(runs):
        track = Track(SAMPLE / r["file"])
        assert track.activity is not None and track.activity.get("Sport") == "Running"
        start = _utc(r["start_utc"])
        assert track.id == start == track.t0
        assert start.astimezone(BERLIN).date().isoformat() == r["local_date"]
        assert r["file"] == f"runs/{r['local_date']}-{r['kind']}.tcx.gz"
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
        intensity = [lap.findtext("t:Intensity", namespaces=NS) for lap in track.laps]
        assert intensity.count("Resting") >= len(reps) - 1
        for lap, rep in zip(track.laps[1::2], reps, strict=False):
            lap_start = (_utc(lap.get("StartTime")) - track.t0).total_seconds()
            assert abs(lap_start - rep["start_s"]) <= 2
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
    assert 14 <= len(files) <= 20
    assert max(s["week"] for s in truth["sessions"]) == 3


def test_weeks_must_be_positive(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="weeks"):
        write_sample(tmp_path / "none", weeks=0)
    assert make_plan(weeks=1, seed=3, start=dt.date(2025, 1, 6)).runs


# (5) small and byte-stable --------------------------------------------------------------------


def test_sample_is_under_5_mb_and_gzip_headers_are_stable() -> None:
    files = _files(SAMPLE)
    assert sum(len(b) for b in files.values()) < 5_000_000
    gz = [b for name, b in files.items() if name.endswith(".tcx.gz")]
    assert len(gz) > 90
    for data in gz:
        assert data[:3] == b"\x1f\x8b\x08"
        assert data[3] & 0x08 == 0  # no file name stored
        assert data[4:8] == b"\x00\x00\x00\x00"  # mtime 0
    for name in ("sessions.csv", "sets.csv", "truth.json"):
        assert b"\r" not in files[name]
