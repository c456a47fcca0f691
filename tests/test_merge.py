"""The same activity from two sources is kept once, from the richest, and the report says so."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from stridekit import TrainingLog, schema
from stridekit.importing import import_log
from stridekit.io.loader import load_log, read_activity
from stridekit.io.merge import duplicate_groups, merge_duplicates
from stridekit.io.store import read_log

WATCH_RUN = "fit/fr45_run_8laps_1km_autolap.fit"


@pytest.fixture(autouse=True)
def own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("STRIDEKIT_CACHE_DIR", str(folder))
    return folder


def gpx_of(log: TrainingLog, name: str) -> bytes:
    """What a phone app exports of the same run: its positions and times, no heart rate."""
    s = log.samples.dropna(subset=["lat_deg", "lon_deg"])
    points = "".join(
        f'<trkpt lat="{lat:.7f}" lon="{lon:.7f}"><ele>{ele:.1f}</ele>'
        f"<time>{t.strftime('%Y-%m-%dT%H:%M:%SZ')}</time></trkpt>"
        for lat, lon, ele, t in zip(
            s["lat_deg"], s["lon_deg"], s["altitude_m"].fillna(0), s["time_utc"], strict=True
        )
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<gpx version="1.1" creator="phone" xmlns="http://www.topografix.com/GPX/1/1">'
        f"<trk><name>{name}</name><type>running</type><trkseg>{points}</trkseg></trk></gpx>"
    ).encode()


@pytest.fixture
def fit_and_gpx(fixtures: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "log"
    (folder / "watch").mkdir(parents=True)
    (folder / "phone").mkdir()
    shutil.copy(fixtures / WATCH_RUN, folder / "watch" / "run.fit")
    watch = read_activity(fixtures / WATCH_RUN, tz="UTC")
    (folder / "phone" / "run.gpx").write_bytes(gpx_of(watch, "6x800m"))
    return folder


def test_a_fit_and_a_gpx_of_one_run_are_one_session_from_the_fit(
    fit_and_gpx: Path, fixtures: Path
) -> None:
    watch = read_activity(fixtures / WATCH_RUN, tz="UTC")
    log = load_log(fit_and_gpx, tz="UTC").validate()
    assert len(log.sessions) == 1
    session = log.sessions.iloc[0]
    assert session["source_format"] == "fit"
    assert session["session_id"] == watch.sessions["session_id"].iloc[0]
    assert session["title"] == "6x800m", "the phone's title fills the watch's session"
    assert len(log.samples) == len(watch.samples)
    assert log.samples["hr_bpm"].notna().all()
    assert len(log.laps) == len(watch.laps) == 8
    (merge,) = log.report.merges
    assert merge.kept == session["session_id"]
    assert merge.kept_path == str(fit_and_gpx / "watch" / "run.fit")
    assert merge.dropped_path == str(fit_and_gpx / "phone" / "run.gpx")
    assert "title" in merge.filled
    assert "richer" in merge.reason and "0 s apart" in merge.reason
    text = str(log.report)
    assert "1 duplicate sessions merged" in text and "run.gpx" in text
    records = [r for r in log.report.to_records() if r["status"] == "merged"]
    assert records and records[0]["kept"] == merge.kept
    # both files are still reported as read
    assert {e.status for e in log.report} == {"ok"} and len(log.report) == 2
    # the merge survives the cache
    again = load_log(fit_and_gpx, tz="UTC")
    assert again.report.merges == log.report.merges


def test_the_merges_are_in_the_imported_report_json(fit_and_gpx: Path, tmp_path: Path) -> None:
    out = tmp_path / "mine"
    log = import_log(fit_and_gpx, out, tz="UTC")
    records = json.loads((out / "report.json").read_text())
    merged = [r for r in records if r["status"] == "merged"]
    assert len(merged) == 1 and merged[0]["dropped_path"].endswith("run.gpx")
    assert {"path", "status", "format", "sessions", "message"} <= set(merged[0])
    back = read_log(out)
    assert back.report.merges == log.report.merges
    assert back.report.entries == log.report.entries
    loaded = load_log(out)  # a stored log has a fingerprint too, for cached analyses
    assert loaded.fingerprint is not None and loaded.fingerprint == load_log(out).fingerprint


# -- the rule itself, on small hand-made tables --------------------------------------------

T0 = pd.Timestamp("2025-03-04T07:00:00Z")


def session(sid: str, start_s: float, duration_s: float, **extra: object) -> dict[str, object]:
    return {
        "session_id": sid,
        "start_utc": T0 + pd.Timedelta(seconds=start_s),
        "local_date": pd.Timestamp("2025-03-04"),
        "sport": "run",
        "duration_s": duration_s,
        "moving_s": duration_s,
        "source": f"{sid}.file",
        **extra,
    }


def log_of(rows: list[dict[str, object]], samples: dict[str, tuple[int, bool]]) -> TrainingLog:
    """A log with ``samples[sid] = (count, with heart rate)`` one-second samples."""
    frames = []
    for sid, (n, hr) in samples.items():
        frames.append(
            pd.DataFrame(
                {
                    "session_id": sid,
                    "t_s": np.arange(n, dtype=float),
                    "hr_bpm": np.full(n, 150.0 if hr else np.nan),
                }
            )
        )
    table = pd.concat(frames, ignore_index=True) if frames else schema.empty("samples")
    return TrainingLog(
        sessions=schema.conform(pd.DataFrame(rows), "sessions"),
        samples=schema.conform(table, "samples"),
    )


def test_a_strava_title_and_rpe_go_onto_the_recorded_run() -> None:
    log = log_of(
        [
            session("20250304T070000Z", 0, 3000, source_format="fit"),
            session(
                "strava:1",
                40,
                3010,
                source_format="strava-csv",
                title="6x800m",
                rpe=8.0,
                notes="windy",
            ),
        ],
        {"20250304T070000Z": (3000, True)},
    )
    merged, merges = merge_duplicates(log)
    assert merged.sessions["session_id"].tolist() == ["20250304T070000Z"]
    row = merged.sessions.iloc[0]
    assert (row["title"], row["rpe"], row["notes"]) == ("6x800m", 8.0, "windy")
    assert row["source_format"] == "fit"
    assert merges[0].dropped == "strava:1" and set(merges[0].filled) >= {"title", "rpe", "notes"}
    assert merged.report.merges == merges


@pytest.mark.parametrize(
    ("samples", "formats", "winner"),
    [
        ({"a": (100, False), "b": (900, False)}, ("fit", "gpx"), "b"),  # most samples
        ({"a": (900, False), "b": (900, True)}, ("fit", "gpx"), "b"),  # then heart rate
        ({"a": (900, True), "b": (900, True)}, ("gpx", "tcx"), "b"),  # then the format
        ({"a": (900, True), "b": (900, True)}, ("fit", "tcx"), "a"),
        ({}, ("strava-csv", "gpx"), "b"),  # a summary ranks last
    ],
)
def test_the_richest_source_wins(
    samples: dict[str, tuple[int, bool]], formats: tuple[str, str], winner: str
) -> None:
    log = log_of(
        [
            session("a", 0, 900, source_format=formats[0]),
            session("b", 5, 900, source_format=formats[1]),
        ],
        samples,
    )
    merged, merges = merge_duplicates(log)
    assert merged.sessions["session_id"].tolist() == [winner]
    assert set(merged.samples["session_id"]) <= {winner}
    assert [m.kept for m in merges] == [winner]


@pytest.mark.parametrize(
    ("second", "why"),
    [
        (session("b", 181, 3000), "starts 3 min later"),
        (session("b", 30, 3000, sport="cross"), "another sport"),
        (session("b", 100, 3000), "a short run barely overlapping"),
    ],
)
def test_different_activities_are_not_merged(second: dict[str, object], why: str) -> None:
    first = session("a", 0, 3000 if why != "a short run barely overlapping" else 180)
    log = log_of([first, second], {})
    merged, merges = merge_duplicates(log)
    assert merges == [], why
    assert merged is log


def test_three_copies_keep_one() -> None:
    log = log_of(
        [
            session("a", 0, 3600, source_format="gpx"),
            session("b", 20, 3590, source_format="fit"),
            session("c", 50, 3500, source_format="tcx"),
        ],
        {"a": (3600, False), "b": (3600, True), "c": (3500, True)},
    )
    assert duplicate_groups(log.sessions) == [[0, 1, 2]]
    merged, merges = merge_duplicates(log)
    assert merged.sessions["session_id"].tolist() == ["b"]
    assert sorted(m.dropped for m in merges) == ["a", "c"]
