"""load_log on the bundled sample and on mixed folders: reports, bad files, the cache."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from conftest import SAMPLE

import stridekit
from stridekit.io import cache
from stridekit.io.loader import load_log, read_activity


@pytest.fixture(autouse=True)
def own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("STRIDEKIT_CACHE_DIR", str(folder))
    return folder


def snapshot(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def sample_log() -> stridekit.TrainingLog:
    return load_log(SAMPLE, use_cache=False)


def test_sample_matches_truth(sample_log: stridekit.TrainingLog) -> None:
    truth = json.loads((SAMPLE / "truth.json").read_text())["sessions"]
    log = sample_log.validate()
    assert len(log.sessions) == len(truth)
    assert log.sessions["sport"].value_counts().to_dict() == (
        pd.Series([t["sport"] for t in truth]).value_counts().to_dict()
    )
    planted = sorted(pd.Timestamp(t["start_utc"]) for t in truth)
    assert sorted(log.sessions["start_utc"]) == planted
    assert {e.status for e in log.report} == {"ok"}
    assert "truth.json" not in {Path(e.path).name for e in log.report}
    runs = log.sessions[log.sessions["sport"] == "run"]
    assert runs["focus"].notna().all() and runs["kind"].notna().all()
    # every run file's samples start at t_s 0 and never go back
    t_s = log.samples.groupby("session_id")["t_s"]
    assert (t_s.min() == 0).all()
    assert t_s.apply(lambda t: t.is_monotonic_increasing).all()
    assert set(log.sets["session_id"]) <= set(log.sessions["session_id"])


def test_interval_runs_with_laps_are_speed_days(sample_log: stridekit.TrainingLog) -> None:
    truth = json.loads((SAMPLE / "truth.json").read_text())["sessions"]
    planted = {pd.Timestamp(t["start_utc"]) for t in truth if t["kind"] == "intervals"}
    found = sample_log.sessions[sample_log.sessions["start_utc"].isin(planted)]
    assert len(found) == len(planted)
    assert (found["kind"] == "intervals").all() and (found["focus"] == "speed").all()


def test_folder_with_a_bad_file_loads_the_rest(tmp_path: Path) -> None:
    folder = tmp_path / "log"
    shutil.copytree(SAMPLE, folder)
    runs = sorted((folder / "runs").iterdir())
    runs[0].write_bytes(runs[0].read_bytes()[:500])  # a truncated gzip
    (folder / "runs" / "notes.tcx").write_text("<TrainingCenterDatabase><Activities>")
    (folder / "README.md").write_text("my runs")
    before = snapshot(folder)
    log = load_log(folder)
    assert snapshot(folder) == before, "nothing is written into the runner's folder"
    skipped = {Path(e.path).name: e for e in log.report if e.status == "skipped"}
    assert set(skipped) == {runs[0].name, "notes.tcx"}
    assert all(e.path in (e.message or "") for e in skipped.values())
    assert "README.md" not in {Path(e.path).name for e in log.report}
    truth = json.loads((SAMPLE / "truth.json").read_text())["sessions"]
    assert len(log.sessions) == len(truth) - 1


def test_sets_for_unknown_sessions_are_reported(tmp_path: Path) -> None:
    (tmp_path / "sessions.csv").write_text(
        "session,date,sport\ngym,2025-01-02,strength\n", encoding="utf-8"
    )
    (tmp_path / "sets.csv").write_text(
        "session,exercise,reps\ngym,squat,10\nghost,lunge,8\n", encoding="utf-8"
    )
    log = load_log(tmp_path, tz="UTC", use_cache=False).validate()
    assert log.sets["exercise"].tolist() == ["squat"]
    partial = [e for e in log.report if e.status == "partial"]
    assert len(partial) == 1 and "ghost" in (partial[0].message or "")


def test_cache_hit_equals_parse_and_survives_damage(tmp_path: Path, own_cache: Path) -> None:
    folder = tmp_path / "log"
    shutil.copytree(SAMPLE, folder)
    first = load_log(folder)
    entries = list((own_cache / f"v{cache.CACHE_FORMAT}" / "logs").iterdir())
    assert len(entries) == 1
    second = load_log(folder)
    for name in ("sessions", "laps", "samples", "sets"):
        pd.testing.assert_frame_equal(getattr(first, name), getattr(second, name))
    (entries[0] / "samples.arrow").write_bytes(b"not arrow")
    third = load_log(folder)
    pd.testing.assert_frame_equal(first.samples, third.samples)
    # a changed file makes a new entry
    (folder / "sessions.csv").write_text(
        (folder / "sessions.csv").read_text() + "extra,2025-07-01,,Europe/Berlin,yoga,,,,,,\n"
    )
    assert len(load_log(folder).sessions) == len(first.sessions) + 1


def test_read_activity_reads_one_file_without_the_cache(own_cache: Path) -> None:
    path = sorted((SAMPLE / "runs").iterdir())[0]
    log = read_activity(path)
    assert len(log.sessions) == 1 and len(log.samples) > 100
    assert log.report.entries[0].status == "ok"
    assert not own_cache.exists()


def test_missing_path_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(stridekit.StridekitError, match="no such file or folder"):
        load_log(tmp_path / "nope")


def test_a_folder_of_fit_gpx_and_tcx_recordings(fixtures: Path, tmp_path: Path) -> None:
    folder = tmp_path / "mixed"
    folder.mkdir()
    picks = {
        "fit/fr45_run_8laps_1km_autolap.fit": "run.fit",
        "fit/fr965_strength_27sets.fit": "strength.fit",
        "fit/invalid/activity-unexpected-eof.fit": "truncated.fit",
        "fit/Settings.fit": "settings.fit",
        "gpx/polar_m400_run_no_extensions.gpx": "polar.gpx",
        "tcx/runtastic_run_lowercase_sport.tcx": "runtastic.tcx",
    }
    for source, name in picks.items():
        shutil.copy(fixtures / source, folder / name)
    before = snapshot(folder)
    log = load_log(folder, tz="UTC").validate()
    assert snapshot(folder) == before
    status = {Path(e.path).name: e.status for e in log.report}
    assert status["run.fit"] == status["strength.fit"] == "ok"
    assert status["polar.gpx"] == status["runtastic.tcx"] == "ok"
    assert status["settings.fit"] == "skipped"
    assert status["truncated.fit"] in ("partial", "skipped")
    formats = set(log.sessions["source_format"])
    assert {"fit", "gpx", "tcx"} <= formats
    assert (
        len(
            log.sets[
                log.sets["session_id"].isin(
                    log.sessions.loc[log.sessions["sport"] == "strength", "session_id"]
                )
            ]
        )
        == 14
    )


def test_a_strava_export_zip_loads_classified_and_cached(fixtures: Path, tmp_path: Path) -> None:
    from test_strava import build_export, english_csv, zip_folder

    export = zip_folder(
        build_export(fixtures, tmp_path / "export", english_csv()), tmp_path / "export.zip"
    )
    log = load_log(export, tz="UTC").validate()
    runs = log.sessions[log.sessions["sport"] == "run"]
    assert runs["session_id"].str.startswith("strava:").all()
    assert runs["focus"].notna().all() and runs["reason"].notna().all()
    assert any(e.status == "missing" for e in log.report)
    again = load_log(export, tz="UTC")
    pd.testing.assert_frame_equal(log.sessions, again.sessions)
