"""The Garmin Connect export reader, on exports built at test time from real recordings."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from stridekit.errors import LogFormatError, UnsafeInputError
from stridekit.io import safety
from stridekit.io.garmin import exercise_sets, is_garmin_export, read_garmin_export, sport_of
from stridekit.io.loader import read_activity
from stridekit.report import ReportEntry

RUN_FIT = "fit/fr45_run_8laps_1km_autolap.fit"  # 2021-03-13 10:57:29Z, 718 records, 8 laps
STRENGTH_FIT = "fit/fr965_strength_27sets.fit"  # 2025-10-20 17:44:06Z, 14 active sets
SHORT_FIT = "fit/garmin-fenix-5-run.fit"  # 2017-06-11 14:34:09Z, 21 records, 1 lap

FITNESS = "DI_CONNECT/DI-Connect-Fitness"
UPLOADS = "DI_CONNECT/DI-Connect-Uploaded-Files"
HOUR_MS = 3_600_000


def ms(iso: str) -> int:
    """Epoch milliseconds of a UTC time, as Garmin writes them."""
    return int(pd.Timestamp(iso).tz_localize("UTC").value // 1_000_000)


def activities() -> list[dict[str, Any]]:
    """Summaries as Garmin exports them: times in epoch ms, durations in ms, lengths in cm."""
    return [
        {  # joined with its FIT by the activity id in the file name
            "activityId": 1001,
            "name": "Autolap 8 km",
            "description": "8x1km felt easy",
            "activityType": "running",
            "sportType": "RUNNING",
            "startTimeGmt": ms("2021-03-13 10:57:31"),
            "startTimeLocal": ms("2021-03-13 10:57:31") + HOUR_MS,
            "duration": 3_000_000.0,
            "elapsedDuration": 3_100_000.0,
            "distance": 786_000.0,
            "avgHr": 150.0,
            "avgRunCadence": 80.0,
        },
        {  # joined with its FIT by start time (the file is named by an upload id)
            "activityId": 1002,
            "name": "Gym legs",
            "activityType": {"typeKey": "strength_training"},
            "sportType": "TRAINING",
            "startTimeGmt": ms("2025-10-20 17:44:36"),
            "startTimeLocal": ms("2025-10-20 17:44:36") + 2 * HOUR_MS,
            "duration": 1_857_000.0,
            "distance": 0.0,
            "summarizedExerciseSets": [
                {"category": "SQUAT", "reps": 30, "sets": 3, "volume": 0.0, "duration": 90000.0}
            ],
        },
        {  # no recording; sets only in the summary; local date from its own offset
            "activityId": 1003,
            "name": "Calves and squats",
            "activityType": "strength_training",
            "startTimeGmt": ms("2024-01-05 23:30:00"),
            "startTimeLocal": ms("2024-01-06 01:30:00"),
            "duration": 1_200_000.0,
            "summarizedExerciseSets": [
                {
                    "category": "CALF_RAISE",
                    "subCategory": None,
                    "reps": 31,
                    "sets": 3,
                    "volume": 0.0,
                    "maxWeight": 0.0,
                    "duration": 95_000.0,
                },
                {
                    "category": "SQUAT",
                    "subCategory": "GOBLET_SQUAT",
                    "reps": 24,
                    "sets": 2,
                    "volume": 384_000.0,
                    "maxWeight": 16_000.0,
                    "duration": 60_000.0,
                },
            ],
        },
        {  # no recording, no startTimeLocal: local date from tz
            "activityId": 1004,
            "name": "Treadmill easy",
            "activityType": "treadmill_running",
            "startTimeGmt": ms("2024-01-07 03:00:00"),
            "duration": 1_800_000.0,
            "elapsedDuration": 1_900_500.0,
            "movingDuration": 1_790_000.0,
            "distance": 523_456.0,
            "avgSpeed": 0.29,
            "avgHr": 151.0,
            "avgRunCadence": 84.5,
            "elevationGain": 4550.0,
        },
        {
            "activityId": 1005,
            "name": "Evening yoga",
            "activityType": "yoga",
            "startTimeGmt": ms("2024-01-08 18:00:00"),
            "startTimeLocal": ms("2024-01-08 19:00:00"),
            "duration": 2_700_000.0,
        },
        {
            "activityId": 1006,
            "name": "Commute",
            "activityType": "cycling",
            "startTimeGmt": ms("2024-01-09 07:00:00"),
            "startTimeLocal": ms("2024-01-09 08:00:00"),
            "duration": 1_500_000.0,
            "distance": 1_000_000.0,
        },
        {  # its recording is corrupt: kept from the summary
            "activityId": 1008,
            "name": "Lost run",
            "activityType": "trail_running",
            "startTimeGmt": ms("2024-01-10 07:00:00"),
            "startTimeLocal": ms("2024-01-10 08:00:00"),
            "duration": 600_000.0,
            "distance": 200_000.0,
        },
    ]


def uploads_zip(fixtures: Path, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    """UploadedFiles_0-_Part1.zip: the original recordings, with Garmin's names."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as zf:
        zf.writestr("runner@example.com_1001.fit", (fixtures / RUN_FIT).read_bytes())
        zf.writestr("runner@example.com_77123456.fit", (fixtures / STRENGTH_FIT).read_bytes())
        zf.writestr("runner@example.com_555.fit", (fixtures / SHORT_FIT).read_bytes())
        zf.writestr("runner@example.com_1008.fit", b"this is no FIT file, the upload broke")
        zf.writestr("notes.txt", b"not a recording")
    return buf.getvalue()


def export_files(fixtures: Path) -> dict[str, bytes]:
    summary = [{"summarizedActivitiesExport": activities()}]
    return {
        f"{FITNESS}/runner_0_summarizedActivities.json": json.dumps(summary).encode(),
        f"{UPLOADS}/UploadedFiles_0-_Part1.zip": uploads_zip(fixtures),
        "DI_CONNECT/DI-Connect-User/user_profile.json": b'{"userName": "runner"}',
    }


def write_zip(path: Path, files: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return path


def write_folder(root: Path, files: dict[str, bytes]) -> Path:
    for name, data in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    return root


@pytest.fixture(params=["zip", "folder"])
def export(request: pytest.FixtureRequest, fixtures: Path, tmp_path: Path) -> Path:
    files = export_files(fixtures)
    if request.param == "zip":
        return write_zip(tmp_path / "garmin_export.zip", files)
    return write_folder(tmp_path / "garmin_export", files)


def text(entry: ReportEntry) -> str:
    """The entry's message, which a problem always has."""
    assert entry.message
    return entry.message


def row(log: Any, title: str) -> pd.Series:
    found = log.sessions.loc[log.sessions["title"] == title]
    assert len(found) == 1, title
    return found.iloc[0]


def test_every_summary_and_every_unclaimed_recording_is_one_session(export: Path) -> None:
    log = read_garmin_export(export, tz="America/New_York").validate()
    assert len(log.sessions) == 8  # 7 summaries + the FIT no summary names
    assert log.sessions["session_id"].is_unique
    assert sorted(log.sessions["sport"]) == [
        "cross",
        "mobility",
        "run",
        "run",
        "run",
        "run",
        "strength",
        "strength",
    ]
    assert row(log, "Evening yoga")["kind"] == "yoga"
    assert row(log, "Commute")["kind"] == "cycling"


def test_units_are_converted_from_ms_and_cm(export: Path) -> None:
    log = read_garmin_export(export, tz="America/New_York")
    run = row(log, "Treadmill easy")
    assert run["session_id"] == "garmin:1004"
    assert run["source_format"] == "garmin-json"
    assert run["start_utc"] == pd.Timestamp("2024-01-07 03:00:00", tz="UTC")
    assert run["distance_m"] == pytest.approx(5234.56, abs=1e-9)
    assert run["moving_s"] == 1800.0  # duration: the timer time
    assert run["duration_s"] == 1900.5  # elapsedDuration
    assert run["avg_speed_mps"] == pytest.approx(5234.56 / 1800.0)
    assert run["avg_hr_bpm"] == 151.0
    assert run["avg_cadence_spm"] == 169.0  # strides per minute, doubled
    assert run["ascent_m"] == 45.5
    assert run["avg_step_m"] == pytest.approx(5234.56 / 1800.0 / (169.0 / 60.0))
    assert row(log, "Commute")["distance_m"] == 10_000.0


def test_local_date_comes_from_the_summarys_own_offset_else_from_tz(export: Path) -> None:
    log = read_garmin_export(export, tz="America/New_York")
    # 23:30 UTC with a +2 h offset is the next day, whatever tz says
    assert row(log, "Calves and squats")["local_date"] == pd.Timestamp("2024-01-06")
    # no startTimeLocal: 03:00 UTC is the evening before in New York
    assert row(log, "Treadmill easy")["local_date"] == pd.Timestamp("2024-01-06")
    assert read_garmin_export(export, tz="UTC").sessions.set_index("title").loc[
        "Treadmill easy", "local_date"
    ] == pd.Timestamp("2024-01-07")


def test_a_matched_fit_adds_samples_laps_and_exact_times(export: Path, fixtures: Path) -> None:
    log = read_garmin_export(export, tz="UTC")
    fit = read_activity(fixtures / RUN_FIT)
    run = row(log, "Autolap 8 km")
    assert run["session_id"] == fit.sessions["session_id"].iloc[0] == "20210313T105729Z"
    assert run["start_utc"] == pd.Timestamp("2021-03-13 10:57:29", tz="UTC")
    assert run["distance_m"] == pytest.approx(7864.22)  # the FIT's, not the summary's 7860
    assert run["moving_s"] == pytest.approx(3087.19)
    assert run["avg_hr_bpm"] == 158.0
    assert run["notes"] == "8x1km felt easy"
    assert run["source_format"] == "fit"
    assert run["source"].endswith("runner@example.com_1001.fit")
    samples = log.samples.loc[log.samples["session_id"] == run["session_id"]]
    laps = log.laps.loc[log.laps["session_id"] == run["session_id"]]
    assert len(samples) == len(fit.samples) == 718
    assert len(laps) == len(fit.laps) == 8
    assert laps["distance_m"].to_numpy() == pytest.approx(fit.laps["distance_m"].to_numpy())


def test_a_fit_named_by_upload_id_is_matched_by_start_time(export: Path, fixtures: Path) -> None:
    log = read_garmin_export(export, tz="UTC")
    gym = row(log, "Gym legs")
    fit = read_activity(fixtures / STRENGTH_FIT)
    assert gym["session_id"] == "20251020T174406Z"  # 30 s before the summary's start
    assert gym["sport"] == "strength"
    sets = log.sets.loc[log.sets["session_id"] == gym["session_id"]]
    # the watch's own sets win over the summary's totals
    assert len(sets) == len(fit.sets) == 14
    assert sets["set_index"].tolist() == list(range(14))
    assert len(log.samples.loc[log.samples["session_id"] == gym["session_id"]]) == 927


def test_summary_sets_fill_the_sets_table_when_there_is_no_recording(export: Path) -> None:
    log = read_garmin_export(export, tz="UTC")
    sets = log.sets.loc[log.sets["session_id"] == "garmin:1003"]
    assert sets["exercise"].tolist() == ["calf_raise"] * 3 + ["squat"] * 2
    assert sets["category"].tolist() == ["CALF_RAISE"] * 3 + ["SQUAT/GOBLET_SQUAT"] * 2
    assert sets["reps"].tolist() == [11, 10, 10, 12, 12]  # sums to Garmin's 31 and 24
    assert sets["weight_kg"].tolist() == [0.0, 0.0, 0.0, 16.0, 16.0]
    assert sets["duration_s"].to_numpy() == pytest.approx([95 / 3] * 3 + [30.0, 30.0])
    assert sets["set_index"].tolist() == [0, 1, 2, 3, 4]
    assert sets["rest_s"].isna().all()
    assert len(log.sets) == 14 + 5


def test_a_summary_without_its_recording_is_still_kept(export: Path) -> None:
    log = read_garmin_export(export, tz="UTC")
    yoga = row(log, "Evening yoga")
    assert yoga["session_id"] == "garmin:1005"
    assert yoga["duration_s"] == yoga["moving_s"] == 2700.0
    assert yoga["source"].endswith("runner_0_summarizedActivities.json")
    assert not (log.samples["session_id"] == "garmin:1005").any()


def test_a_recording_no_summary_names_is_a_session_of_its_own(export: Path) -> None:
    log = read_garmin_export(export, tz="UTC")
    extra = log.sessions.loc[log.sessions["session_id"] == "20170611T143409Z"].iloc[0]
    assert extra["sport"] == "run"
    assert pd.isna(extra["title"])
    assert (log.samples["session_id"] == "20170611T143409Z").sum() == 21


def test_a_corrupt_recording_is_skipped_and_the_rest_loaded(export: Path) -> None:
    log = read_garmin_export(export, tz="UTC")
    entries = {Path(e.path.split("!")[-1]).name: e for e in log.report}
    bad = entries["runner@example.com_1008.fit"]
    assert bad.status == "skipped"
    assert bad.sessions == 0
    assert "runner@example.com_1008.fit" in text(bad)
    assert "activity 1008 was kept from its summary alone" in text(bad)
    lost = row(log, "Lost run")
    assert lost["session_id"] == "garmin:1008"
    assert lost["distance_m"] == 2000.0
    assert lost["sport"] == "run"
    assert entries["runner@example.com_1001.fit"].status == "ok"
    assert entries["runner@example.com_1001.fit"].sessions == 1
    # one entry per file: the JSON, and the four recordings (notes.txt is no recording)
    assert len(log.report) == 5
    json_entry = entries["runner_0_summarizedActivities.json"]
    assert (json_entry.status, json_entry.sessions) == ("ok", 5)
    assert sum(e.sessions for e in log.report) == len(log.sessions)


def test_a_truncated_fit_is_read_as_far_as_it_goes(fixtures: Path, tmp_path: Path) -> None:
    data = (fixtures / RUN_FIT).read_bytes()
    files = {f"{UPLOADS}/UploadedFiles_0-_Part1.zip": _zip({"x_1.fit": data[: len(data) // 2]})}
    log = read_garmin_export(write_folder(tmp_path / "e", files), tz="UTC")
    (entry,) = log.report
    assert (entry.status, entry.sessions) == ("partial", 1)
    assert entry.message and "x_1.fit: " in text(entry) and "truncated" in text(entry)
    assert 0 < len(log.samples) < 718


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


@pytest.mark.parametrize("as_zip", [True, False])
def test_unsafe_nested_zips_are_refused_and_reported(
    fixtures: Path, tmp_path: Path, as_zip: bool
) -> None:
    files = export_files(fixtures)
    files[f"{UPLOADS}/UploadedFiles_0-_Part2.zip"] = _zip(
        {"../../escape_1004.fit": (fixtures / SHORT_FIT).read_bytes()}
    )
    files[f"{UPLOADS}/UploadedFiles_0-_Part3.zip"] = _zip({"bomb_1005.fit": bytes(3_000_000)})
    path = (
        write_zip(tmp_path / "export.zip", files)
        if as_zip
        else write_folder(tmp_path / "export", files)
    )
    log = read_garmin_export(path, tz="UTC")
    entries = {Path(e.path).name: e for e in log.report}
    slip = entries["UploadedFiles_0-_Part2.zip"]
    assert slip.status == "skipped"
    assert "'../../escape_1004.fit'" in text(slip)
    assert "escape the folder" in text(slip)
    bomb = entries["UploadedFiles_0-_Part3.zip"]
    assert bomb.status == "skipped"
    assert "bomb_1005.fit" in text(bomb) and "inflates" in text(bomb)
    assert not (tmp_path / "escape_1004.fit").exists()
    assert len(log.sessions) == 8  # the rest of the export was read
    assert row(log, "Treadmill easy")["session_id"] == "garmin:1004"


def test_an_unsafe_outer_zip_is_refused(tmp_path: Path) -> None:
    path = write_zip(
        tmp_path / "export.zip",
        {f"{FITNESS}/a_summarizedActivities.json": b"[]", "../evil.txt": b"x"},
    )
    with pytest.raises(UnsafeInputError, match="escape"):
        read_garmin_export(path)


def test_an_unreadable_summary_is_skipped_and_the_recordings_read(
    fixtures: Path, tmp_path: Path
) -> None:
    files = export_files(fixtures)
    files[f"{FITNESS}/runner_0_summarizedActivities.json"] = b'[{"summarizedActivitiesExport": ['
    files[f"{FITNESS}/runner_1_summarizedActivities.json"] = b'{"something": "else"}'
    log = read_garmin_export(write_folder(tmp_path / "e", files), tz="UTC")
    entries = {Path(e.path).name: e for e in log.report}
    assert entries["runner_0_summarizedActivities.json"].status == "skipped"
    assert "not readable JSON" in text(entries["runner_0_summarizedActivities.json"])
    assert entries["runner_1_summarizedActivities.json"].status == "skipped"
    assert "summarizedActivitiesExport" in text(entries["runner_1_summarizedActivities.json"])
    assert len(log.sessions) == 3  # the three readable FIT files
    assert set(log.sessions["source_format"]) == {"fit"}


def test_several_summary_files_and_a_multisport_parent(tmp_path: Path) -> None:
    first = [
        {"activityId": 1, "activityType": "running", "startTimeGmt": ms("2024-02-01 06:00")},
        {
            "activityId": 10,
            "activityType": "multi_sport",
            "parent": True,
            "childIds": [11, 12],
            "startTimeGmt": ms("2024-02-02 06:00"),
            "distance": 3_000_000.0,
        },
        {"activityId": 11, "activityType": "cycling", "startTimeGmt": ms("2024-02-02 06:00")},
        {"activityId": 12, "activityType": "running", "startTimeGmt": ms("2024-02-02 07:00")},
        "not an activity",
    ]
    second = [
        {"activityId": 1, "activityType": "running", "startTimeGmt": ms("2024-02-01 06:00")},
        {"activityId": 2, "activityType": "pilates", "startTimeGmt": ms("2024-02-03 06:00")},
    ]
    files = {
        f"{FITNESS}/r_0_summarizedActivities.json": json.dumps(
            [{"summarizedActivitiesExport": first}]
        ).encode(),
        f"{FITNESS}/r_1_summarizedActivities.json": json.dumps(
            [{"summarizedActivitiesExport": second}]
        ).encode(),
    }
    log = read_garmin_export(write_zip(tmp_path / "e.zip", files), tz="UTC").validate()
    assert sorted(log.sessions["session_id"]) == [
        "garmin:1",
        "garmin:11",
        "garmin:12",
        "garmin:2",
    ]
    first_entry, second_entry = log.report
    assert first_entry.status == "partial" and "are not objects" in text(first_entry)
    assert first_entry.sessions == 3
    assert second_entry.status == "partial" and "already read" in text(second_entry)
    assert second_entry.sessions == 1


def test_is_garmin_export(fixtures: Path, tmp_path: Path) -> None:
    files = export_files(fixtures)
    assert is_garmin_export(write_zip(tmp_path / "g.zip", files))
    folder = write_folder(tmp_path / "g", files)
    assert is_garmin_export(folder)
    assert is_garmin_export(folder / "DI_CONNECT")
    wrapped = write_folder(tmp_path / "w", {f"top/{k}": v for k, v in files.items()})
    assert is_garmin_export(wrapped)
    strava = {"activities.csv": b"Activity ID,Activity Date\n", "activities/1.fit": b"x"}
    assert not is_garmin_export(write_folder(tmp_path / "s", strava))
    assert not is_garmin_export(write_zip(tmp_path / "s.zip", strava))
    assert not is_garmin_export(fixtures / RUN_FIT)
    assert not is_garmin_export(tmp_path / "absent")
    (tmp_path / "empty").mkdir()
    assert not is_garmin_export(tmp_path / "empty")


def test_a_strava_export_is_no_garmin_export(tmp_path: Path) -> None:
    folder = write_folder(tmp_path / "s", {"activities.csv": b"Activity ID,Activity Date\n"})
    with pytest.raises(LogFormatError, match="not a Garmin Connect export"):
        read_garmin_export(folder)


def test_reading_leaves_the_export_byte_identical(export: Path) -> None:
    def digests() -> dict[str, str]:
        files = [export] if export.is_file() else sorted(export.rglob("*"))
        return {str(f): hashlib.blake2b(f.read_bytes()).hexdigest() for f in files if f.is_file()}

    before = digests()
    read_garmin_export(export, tz="UTC")
    assert digests() == before


def test_sport_of() -> None:
    assert sport_of("trail_running") == ("run", None)
    assert sport_of("virtual_run") == ("run", None)
    assert sport_of("strength_training") == ("strength", "strength")
    assert sport_of("breathwork") == ("mobility", "breathwork")
    assert sport_of("yoga") == ("mobility", "yoga")
    assert sport_of("lap_swimming") == ("cross", "lap swimming")
    assert sport_of("") == ("cross", None)


def test_exercise_sets_keeps_what_the_totals_do_not_pin_down_missing() -> None:
    sets = exercise_sets(
        [
            {"category": "LUNGE", "reps": 20, "sets": 2, "volume": 300_000.0, "maxWeight": 20000},
            {"category": "PLANK", "reps": 0, "sets": 0, "duration": 60_000.0},
            {"category": "UNKNOWN", "sets": 1},
            "junk",
        ],
        "garmin:9",
    )
    assert sets["exercise"].tolist()[:3] == ["lunge", "lunge", "plank"]
    assert np.isnan(sets["weight_kg"].iloc[0])  # 300 kg of volume is not 20 x 20 kg
    assert sets["reps"].tolist()[:3] == [10, 10, 0]
    assert sets["duration_s"].iloc[2] == 60.0
    assert pd.isna(sets["exercise"].iloc[3])
    assert sets["category"].iloc[3] == "UNKNOWN"
    assert len(sets) == 4


def test_an_uploads_zip_larger_than_one_member_may_be_is_spooled_not_refused(
    fixtures: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = export_files(fixtures)
    nested = files[f"{UPLOADS}/UploadedFiles_0-_Part1.zip"] = uploads_zip(
        fixtures, zipfile.ZIP_STORED
    )
    largest_fit = max((fixtures / f).stat().st_size for f in (RUN_FIT, STRENGTH_FIT, SHORT_FIT))
    assert len(nested) > largest_fit + 1
    # each recording fits the member cap, the zip holding them does not, nor the memory spool
    monkeypatch.setattr(safety, "MAX_MEMBER_BYTES", largest_fit + 1)
    log = read_garmin_export(write_zip(tmp_path / "export.zip", files), tz="UTC")
    assert len(log.sessions) == 8
    assert len(log.samples) == 718 + 927 + 21
    assert [e.status for e in log.report].count("ok") == 4


@pytest.mark.parametrize("where", [f"{UPLOADS}/../../..", f"C:/{UPLOADS}"])
def test_an_uploads_zip_too_large_for_one_member_may_not_escape_the_folder(
    fixtures: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    files = export_files(fixtures)
    nested = files.pop(f"{UPLOADS}/UploadedFiles_0-_Part1.zip")
    files[f"{where}/UploadedFiles_0-_Part1.zip"] = nested
    monkeypatch.setattr(safety, "MAX_MEMBER_BYTES", len(nested) - 1)  # held to a whole zip's caps
    with pytest.raises(UnsafeInputError, match="would escape the folder"):
        read_garmin_export(write_zip(tmp_path / "export.zip", files), tz="UTC")


def test_text_times_loose_recordings_and_the_match_window(fixtures: Path, tmp_path: Path) -> None:
    summaries = [
        {  # 90 s after the loose FIT starts: outside the window, so not joined
            "activityId": 7,
            "activityType": {"typeKey": "running"},
            "startTimeGmt": "2017-06-11 14:35:39",
            "startTimeLocal": "2017-06-11 16:35:39",
            "duration": 60_000,
        },
        {  # 40 s after: joined
            "activityId": 8,
            "name": "Matched",
            "activityType": "running",
            "startTimeGmt": "2025-10-20 17:44:46",
            "duration": 60_000,
        },
    ]
    files = {
        f"{FITNESS}/r_0_summarizedActivities.json": json.dumps(
            [{"summarizedActivitiesExport": summaries}]
        ).encode(),
        f"{FITNESS}/r_1_summarizedActivities.json": b"[]",
        # the uploaded-files zip, unpacked by the runner
        f"{UPLOADS}/UploadedFiles_0-_Part1/a_1.fit": (fixtures / SHORT_FIT).read_bytes(),
        f"{UPLOADS}/UploadedFiles_0-_Part2.zip": _zip(
            {"b_2.fit": (fixtures / STRENGTH_FIT).read_bytes(), "deeper.zip": _zip({"c": b"c"})}
        ),
        "__MACOSX/DI_CONNECT/DI-Connect-Fitness/._r_0_summarizedActivities.json": b"\x00\x05",
    }
    log = read_garmin_export(write_folder(tmp_path / "e", files)).validate()
    assert sorted(log.sessions["session_id"]) == [
        "20170611T143409Z",
        "20251020T174406Z",
        "garmin:7",
    ]
    seven = log.sessions.set_index("session_id").loc["garmin:7"]
    assert seven["start_utc"] == pd.Timestamp("2017-06-11 14:35:39", tz="UTC")
    assert seven["local_date"] == pd.Timestamp("2017-06-11")
    matched = log.sessions.set_index("session_id").loc["20251020T174406Z"]
    assert matched["title"] == "Matched"
    assert matched["sport"] == "run"  # the summary's type wins over the watch's
    statuses = {Path(e.path.split("!")[-1]).name: e.status for e in log.report}
    assert statuses == {
        "r_0_summarizedActivities.json": "ok",
        "r_1_summarizedActivities.json": "ok",
        "a_1.fit": "ok",
        "b_2.fit": "ok",
        "deeper.zip": "skipped",
    }


def test_an_activity_without_a_start_is_kept_undated(tmp_path: Path) -> None:
    summaries = [
        {"activityId": 3, "activityType": "running", "distance": 100_000.0},
        {"activityId": 4, "activityType": "running", "startTimeGmt": ms("2024-03-01 12:00")},
    ]
    files = {
        f"{FITNESS}/r_0_summarizedActivities.json": json.dumps(
            [{"summarizedActivitiesExport": summaries}]
        ).encode()
    }
    log = read_garmin_export(write_folder(tmp_path / "e", files), tz="Europe/Berlin").validate()
    undated = log.sessions.set_index("session_id").loc["garmin:3"]
    assert pd.isna(undated["start_utc"]) and pd.isna(undated["local_date"])
    assert undated["distance_m"] == 1000.0
    dated = log.sessions.set_index("session_id").loc["garmin:4"]
    assert dated["local_date"] == pd.Timestamp("2024-03-01")
    (entry,) = log.report
    assert (entry.status, entry.sessions) == ("partial", 2)
    assert "activities 3 have no readable startTimeGmt" in text(entry)


def test_load_log_reads_the_recordings_through_the_pool_and_the_per_file_cache(
    export: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from stridekit.io import cache, loader

    monkeypatch.setenv("STRIDEKIT_CACHE_DIR", str(tmp_path / "cache"))
    # a temporary folder of this test's own: another test may be reading a nested zip right now
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    seen: list[str] = []
    pooled = loader.load_log(
        export, tz="UTC", workers=2, progress=lambda done, total, path: seen.append(path)
    )
    # every recording, the nested zip's included, is one job reported once
    assert sorted(Path(p.split("!")[-1]).name for p in seen) == [
        "runner@example.com_1001.fit",
        "runner@example.com_1008.fit",
        "runner@example.com_555.fit",
        "runner@example.com_77123456.fit",
    ]
    entries = sorted((cache.cache_root() / "files").rglob("*.parquet"))
    assert len(entries) == 4  # one per recording, the broken one's failure included
    serial = loader.load_log(export, tz="UTC", workers=1, use_cache=False)
    for name in ("sessions", "laps", "samples", "sets"):
        pd.testing.assert_frame_equal(getattr(pooled, name), getattr(serial, name))
    assert pooled.report.to_records() == serial.report.to_records()
    assert len(pooled.samples) == 718 + 927 + 21

    # without the whole-log entry, the recordings come from their entries: nothing is parsed
    shutil.rmtree(cache.cache_root() / "logs")

    def no_parsing(job: object, data: object) -> None:
        raise AssertionError(f"parsed {job}")

    monkeypatch.setattr(loader, "_parse_job", no_parsing)
    again = loader.load_log(export, tz="UTC", workers=1)
    for name in ("sessions", "laps", "samples", "sets"):
        pd.testing.assert_frame_equal(getattr(again, name), getattr(pooled, name))
    assert not list(scratch.glob("stridekit-garmin-*"))  # the nested zips' copies are gone
