"""The Strava bulk export reader, on exports built at test time from real recordings."""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import os
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from stridekit.errors import LogFormatError, UnsafeInputError
from stridekit.io import safety, strava
from stridekit.io.strava import (
    is_strava_export,
    parse_activities_csv,
    parse_strava_date,
    read_strava_export,
)

FIT = "fit/fr45_run_8laps_1km_autolap.fit"
GPX = "gpx/year-of-runs/00978fad-85f8-4f1c-be44-2b7146ccbf76.gpx"
TCX = "tcx/garmin_run_2012_3laps_distance_trigger.tcx"

# The columns of a real English export, the repeated names included (abridged).
ENGLISH = [
    "Activity ID",
    "Activity Date",
    "Activity Name",
    "Activity Type",
    "Activity Description",
    "Elapsed Time",
    "Distance",
    "Max Heart Rate",
    "Relative Effort",
    "Commute",
    "Activity Private Note",
    "Activity Gear",
    "Filename",
    "Athlete Weight",
    "Elapsed Time",
    "Moving Time",
    "Distance",
    "Max Speed",
    "Average Speed",
    "Elevation Gain",
    "Average Heart Rate",
    "Relative Effort",
    "Perceived Exertion",
]
GERMAN = [
    "Aktivitäts-ID",
    "Aktivitätsdatum",
    "Aktivitätsname",
    "Aktivitätsart",
    "Aktivitätsbeschreibung",
    "Verstrichene Zeit",
    "Distanz",
    "Maximale Herzfrequenz",
    "Pendeln",
    "Dateiname",
    "Verstrichene Zeit",
    "Bewegungszeit",
    "Distanz",
    "Durchschnittliche Herzfrequenz",
]
SNAKE = [
    "activity_id",
    "activity_date",
    "activity_name",
    "activity_type",
    "activity_description",
    "elapsed_time",
    "distance",
    "commute",
    "filename",
    "moving_time",
    "distance",
]

# id, UTC start, name, type, description, elapsed s, moving s, metres, file
ROWS = [
    (
        "1001",
        (2024, 1, 5, 7, 3, 12),
        "Morning Run",
        "Run",
        "6x800m @ 5k",
        3100,
        3087,
        7864.2,
        "activities/1001.fit.gz",
    ),
    (
        "1002",
        (2024, 1, 6, 18, 30, 0),
        "Evening Run",
        "Run",
        "",
        3160,
        3152,
        8236.1,
        "activities/1002.gpx",
    ),
    (
        "1003",
        (2024, 1, 7, 13, 0, 5),
        "Trail loop",
        "Trail Run",
        "hilly",
        2000,
        1992,
        4689.2,
        "activities/1003.tcx.gz",
    ),
    (
        "1004",
        (2024, 1, 8, 19, 15, 0),
        "Gym",
        "Weight Training",
        "calf raises, squats",
        2700,
        2700,
        0.0,
        "",
    ),
    ("1005", (2024, 1, 9, 6, 45, 0), "Flow", "Yoga", "", 1800, 1800, 0.0, ""),
    (
        "1006",
        (2024, 1, 10, 12, 0, 0),
        "Lunch Ride",
        "Ride",
        "",
        3600,
        3500,
        20500.5,
        "activities/1006.gpx.gz",
    ),
]
MISSING = "activities/1006.gpx.gz"
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def english_date(y: int, mo: int, d: int, h: int, mi: int, s: int) -> str:
    hour = h % 12 or 12
    return f"{MONTHS[mo - 1]} {d}, {y}, {hour}:{mi:02d}:{s:02d} {'AM' if h < 12 else 'PM'}"


def german_date(y: int, mo: int, d: int, h: int, mi: int, s: int) -> str:
    return f"{d:02d}.{mo:02d}.{y}, {h:02d}:{mi:02d}:{s:02d}"


def snake_date(y: int, mo: int, d: int, h: int, mi: int, s: int) -> str:
    return f"{y}-{mo:02d}-{d:02d} {h:02d}:{mi:02d}:{s:02d}"


def _csv(header: list[str], rows: list[list[str]]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue().encode("utf-8")


def english_csv() -> bytes:
    rows = []
    for aid, when, name, kind, desc, elapsed, moving, metres, file in ROWS:
        shown = f"{metres:.0f}" if "Swim" in kind else f"{metres / 1000:,.2f}"
        rows.append(
            [aid, english_date(*when), name, kind, desc, str(elapsed), shown, "181", "55",
             "false", "", "", file, "", f"{elapsed}.0", f"{moving}.0", repr(metres), "", "",
             "12.0", "150.5", "55.0", "6"]
        )  # fmt: skip
    return _csv(ENGLISH, rows)


def german_csv() -> bytes:
    types = {"Run": "Lauf", "Trail Run": "Traillauf", "Weight Training": "Krafttraining"}
    rows = []
    for aid, when, name, kind, desc, elapsed, moving, metres, file in ROWS:
        shown = f"{metres / 1000:.2f}".replace(".", ",")
        rows.append(
            [aid, german_date(*when), name, types.get(kind, kind), desc, str(elapsed), shown,
             "181", "false", file, f"{elapsed},0", f"{moving},0", f"{metres:.1f}".replace(".", ","),
             "150,5"]
        )  # fmt: skip
    return _csv(GERMAN, rows)


def snake_csv() -> bytes:
    rows = []
    for aid, when, name, kind, desc, elapsed, moving, metres, file in ROWS:
        rows.append(
            [aid, snake_date(*when), name, kind, desc, str(elapsed), f"{metres / 1000:.2f}",
             "false", file, str(moving), str(metres)]
        )  # fmt: skip
    return _csv(SNAKE, rows)


def build_export(fixtures: Path, folder: Path, csv_bytes: bytes) -> Path:
    """A Strava-shaped export folder: activities.csv and the recordings it names."""
    act = folder / "activities"
    act.mkdir(parents=True)
    (folder / "activities.csv").write_bytes(csv_bytes)
    (act / "1001.fit.gz").write_bytes(gzip.compress((fixtures / FIT).read_bytes()))
    shutil.copyfile(fixtures / GPX, act / "1002.gpx")
    # Strava's TCX files start with spaces before <?xml
    (act / "1003.tcx.gz").write_bytes(gzip.compress(b"          " + (fixtures / TCX).read_bytes()))
    (folder / "profile.csv").write_text("Athlete ID,First Name\n1,Alex\n")
    return folder


def zip_folder(folder: Path, target: Path) -> Path:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for f in sorted(folder.rglob("*")):
            if f.is_file():
                zf.write(f, f.relative_to(folder).as_posix())
    return target


def snapshot(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(params=["english", "german", "snake"])
def export(request: pytest.FixtureRequest, fixtures: Path, tmp_path: Path) -> Path:
    make = {"english": english_csv, "german": german_csv, "snake": snake_csv}[request.param]
    return build_export(fixtures, tmp_path / "export", make())


@pytest.fixture(params=["folder", "zip"])
def export_path(request: pytest.FixtureRequest, export: Path, tmp_path: Path) -> Path:
    if request.param == "folder":
        return export
    return zip_folder(export, tmp_path / "export_1234.zip")


def test_one_session_per_row_with_sports_kinds_and_dates(export_path: Path) -> None:
    log = read_strava_export(export_path, tz="UTC").validate()
    s = log.sessions.set_index("session_id")
    assert len(s) == len(ROWS)
    assert sorted(s.index) == sorted(f"strava:{r[0]}" for r in ROWS)
    assert s.loc["strava:1001", "sport"] == "run"
    assert s.loc["strava:1003", "sport"] == "run"
    assert (s.loc["strava:1004", "sport"], s.loc["strava:1004", "kind"]) == (
        "strength",
        "weight training",
    )
    assert (s.loc["strava:1005", "sport"], s.loc["strava:1005", "kind"]) == ("mobility", "yoga")
    assert (s.loc["strava:1006", "sport"], s.loc["strava:1006", "kind"]) == ("cross", "ride")
    # titles and notes are the CSV's, not the recording's
    assert s.loc["strava:1001", "title"] == "Morning Run"
    assert s.loc["strava:1001", "notes"] == "6x800m @ 5k"
    assert s.loc["strava:1003", "title"] == "Trail loop"
    # rows without a file keep the CSV's UTC date, seconds and metres
    assert s.loc["strava:1004", "start_utc"] == pd.Timestamp("2024-01-08 19:15:00", tz="UTC")
    assert s.loc["strava:1005", "start_utc"] == pd.Timestamp("2024-01-09 06:45:00", tz="UTC")
    assert s.loc["strava:1006", "start_utc"] == pd.Timestamp("2024-01-10 12:00:00", tz="UTC")
    assert s.loc["strava:1006", "distance_m"] == pytest.approx(20500.5)
    assert s.loc["strava:1006", "duration_s"] == 3600
    assert s.loc["strava:1006", "moving_s"] == 3500
    assert s.loc["strava:1006", "source_format"] == "strava-csv"
    # rows with a file take the recording's exact times
    assert s.loc["strava:1001", "start_utc"] == pd.Timestamp("2021-03-13 10:57:29", tz="UTC")
    assert s.loc["strava:1001", "source_format"] == "fit"
    assert s.loc["strava:1002", "source_format"] == "gpx"
    assert s.loc["strava:1003", "source_format"] == "tcx"


def test_recordings_give_samples_and_laps_under_the_rows_key(export_path: Path) -> None:
    log = read_strava_export(export_path, tz="UTC").validate()
    per = log.samples.groupby("session_id").size()
    for sid in ("strava:1001", "strava:1002", "strava:1003"):
        assert per.get(sid, 0) > 100, sid
    assert set(per.index) == {"strava:1001", "strava:1002", "strava:1003"}
    laps = log.laps.groupby("session_id").size()
    assert laps["strava:1001"] == 8
    assert laps["strava:1003"] == 3
    assert not log.sessions["session_id"].str.match(r"^\d{8}T").any()


def test_report_one_entry_per_file_plus_the_csv(export_path: Path) -> None:
    log = read_strava_export(export_path, tz="UTC")
    entries = log.report.entries
    assert len(entries) == 1 + sum(1 for r in ROWS if r[-1])
    assert entries[0].path.endswith("activities.csv")
    assert entries[0].status == "ok"
    root = str(export_path) + ("!" if export_path.suffix == ".zip" else os.sep)
    assert all(e.path.startswith(root) for e in entries)
    by_name = {e.path.removeprefix(root): e for e in entries}
    assert by_name[MISSING].status == "missing"
    assert by_name[MISSING].sessions == 0
    assert "1006" in (by_name[MISSING].message or "")
    for name in ("activities/1001.fit.gz", "activities/1002.gpx", "activities/1003.tcx.gz"):
        assert by_name[name].status == "ok", by_name[name]
    assert sum(e.sessions for e in entries) == len(ROWS)


def test_runner_folder_is_untouched(export: Path, tmp_path: Path) -> None:
    archive = zip_folder(export, tmp_path / "export.zip")
    before = snapshot(tmp_path)
    read_strava_export(export, tz="UTC")
    read_strava_export(archive, tz="UTC")
    assert snapshot(tmp_path) == before


def test_metres_come_from_the_second_distance_column() -> None:
    log = parse_activities_csv(english_csv(), source="activities.csv", tz="UTC")
    assert len(log) == len(ROWS)
    assert list(log["distance_m"]) == pytest.approx([r[7] for r in ROWS])
    assert list(log["filename"].fillna("")) == [r[-1] for r in ROWS]
    german = parse_activities_csv(german_csv(), source="activities.csv", tz="UTC")
    assert list(german["distance_m"]) == pytest.approx([r[7] for r in ROWS], abs=0.06)
    assert list(german["moving_s"]) == [r[6] for r in ROWS]
    assert german.loc[0, "avg_hr_bpm"] == 150.5


def test_display_distance_is_used_when_there_is_no_second_column() -> None:
    data = _csv(
        ["Activity ID", "Activity Date", "Activity Type", "Distance", "Filename"],
        [
            ["1", "Jan 5, 2024, 7:03:12 AM", "Run", "1,234.50", ""],
            ["2", "Jan 5, 2024, 7:03:12 PM", "Swim", "1,500", ""],
        ],
    )
    table = parse_activities_csv(data, source="a.csv", tz="UTC")
    assert list(table["distance_m"]) == [1_234_500.0, 1500.0]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Jan 5, 2024, 7:03:12 AM", "2024-01-05 07:03:12"),
        ("Dec 31, 2023, 12:00:01 AM", "2023-12-31 00:00:01"),
        ("Jul 4, 2023, 12:30:00 PM", "2023-07-04 12:30:00"),
        ("Sep 9, 2023, 11:59:59 PM", "2023-09-09 23:59:59"),
        ("05.01.2024, 07:03:12", "2024-01-05 07:03:12"),
        ("5. Jan. 2024, 19:03:12", "2024-01-05 19:03:12"),
        ("2024-01-05 07:03:12", "2024-01-05 07:03:12"),
        ("2024-01-05T08:03:12+01:00", "2024-01-05 07:03:12"),
    ],
)
def test_activity_dates_are_utc_in_every_format(text: str, expected: str) -> None:
    assert parse_strava_date(text) == pd.Timestamp(expected, tz="UTC")


@pytest.mark.parametrize("text", ["", "yesterday", "Foo 5, 2024, 7:03:12 AM", "32.13.2024, 7:00"])
def test_unreadable_dates_are_none(text: str) -> None:
    assert parse_strava_date(text) is None


def test_all_three_csv_flavours_give_the_same_sessions() -> None:
    tables = [
        parse_activities_csv(make(), source="activities.csv", tz="UTC")
        for make in (english_csv, german_csv, snake_csv)
    ]
    for table in tables:
        assert list(table["start_utc"]) == [
            pd.Timestamp(pd.Timestamp(*r[1]), tz="UTC") for r in ROWS
        ]
        assert list(table["sport"]) == ["run", "run", "run", "strength", "mobility", "cross"]
        assert list(table["session_id"]) == [f"strava:{r[0]}" for r in ROWS]
        assert list(table["duration_s"]) == [r[5] for r in ROWS]
        assert table.loc[0, "notes"] == "6x800m @ 5k"


def test_sport_mapping() -> None:
    assert strava.sport_of("Virtual Run") == ("run", None)
    assert strava.sport_of("Workout") == ("strength", "workout")
    assert strava.sport_of("Crossfit") == ("strength", "crossfit")
    assert strava.sport_of("Pilates") == ("mobility", "pilates")
    assert strava.sport_of("Stretching") == ("mobility", "stretching")
    assert strava.sport_of("Nordic Ski") == ("cross", "nordic ski")


def test_a_broken_recording_is_skipped_and_its_row_kept(fixtures: Path, tmp_path: Path) -> None:
    folder = build_export(fixtures, tmp_path / "export", english_csv())
    (folder / "activities" / "1002.gpx").write_bytes(b"<gpx><trk><trkseg><trkpt")
    log = read_strava_export(folder, tz="UTC").validate()
    assert len(log.sessions) == len(ROWS)
    entry = next(e for e in log.report if e.path.endswith("1002.gpx"))
    assert entry.status == "skipped"
    assert entry.message and "1002.gpx" in entry.message
    row = log.sessions.set_index("session_id").loc["strava:1002"]
    assert row["start_utc"] == pd.Timestamp("2024-01-06 18:30:00", tz="UTC")
    assert row["distance_m"] == pytest.approx(8236.1)


def test_a_filename_escaping_the_folder_is_not_read(fixtures: Path, tmp_path: Path) -> None:
    data = english_csv().replace(b"activities/1006.gpx.gz", b"../secret.gpx")
    (tmp_path / "secret.gpx").write_bytes((fixtures / GPX).read_bytes())
    folder = build_export(fixtures, tmp_path / "export", data)
    log = read_strava_export(folder, tz="UTC")
    entry = next(e for e in log.report if "secret" in e.path)
    assert entry.status == "skipped"
    assert len(log.sessions) == len(ROWS)
    assert "strava:1006" not in set(log.samples["session_id"])


def test_zip_slip_member_is_refused(fixtures: Path, tmp_path: Path) -> None:
    folder = build_export(fixtures, tmp_path / "export", english_csv())
    archive = zip_folder(folder, tmp_path / "export.zip")
    with zipfile.ZipFile(archive, "a") as zf:
        zf.writestr("../../evil.gpx", b"<gpx/>")
    with pytest.raises(UnsafeInputError, match=r"\.\./\.\./evil\.gpx"):
        read_strava_export(archive, tz="UTC")


def test_oversized_member_is_refused(
    fixtures: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = build_export(fixtures, tmp_path / "export", english_csv())
    archive = zip_folder(folder, tmp_path / "export.zip")
    monkeypatch.setattr(safety, "MAX_MEMBER_BYTES", 200_000)
    with pytest.raises(UnsafeInputError, match=r"1002\.gpx"):
        read_strava_export(archive, tz="UTC")


def test_export_in_one_top_folder_of_the_zip(fixtures: Path, tmp_path: Path) -> None:
    folder = build_export(fixtures, tmp_path / "export_99" / "export_99", english_csv())
    archive = zip_folder(folder.parent, tmp_path / "export_99.zip")
    assert is_strava_export(archive)
    log = read_strava_export(archive, tz="UTC")
    assert len(log.sessions) == len(ROWS)
    assert log.samples["session_id"].nunique() == 3


def test_recognising_an_export(fixtures: Path, tmp_path: Path) -> None:
    folder = build_export(fixtures, tmp_path / "export", snake_csv())
    archive = zip_folder(folder, tmp_path / "export.zip")
    assert is_strava_export(folder)
    assert is_strava_export(archive)
    assert not is_strava_export(folder / "activities")
    assert not is_strava_export(folder / "activities.csv")
    assert not is_strava_export(tmp_path / "nope")
    other = tmp_path / "other.zip"
    with zipfile.ZipFile(other, "w") as zf:
        zf.writestr("a/b/activities.csv", "x")
    assert not is_strava_export(other)


def test_not_an_export(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(LogFormatError, match=r"activities\.csv"):
        read_strava_export(tmp_path / "empty")
    (tmp_path / "empty" / "activities.csv").write_text("a,b\n1,2\n")
    with pytest.raises(LogFormatError, match="Activity Date"):
        read_strava_export(tmp_path / "empty")


def test_runs_classify_from_the_csv_titles(fixtures: Path, tmp_path: Path) -> None:
    from stridekit.analysis.classify import classify_runs

    log = read_strava_export(build_export(fixtures, tmp_path / "e", english_csv()), tz="UTC")
    classified = classify_runs(log.sessions, log.laps).set_index("session_id")
    assert classified.loc["strava:1001", "kind"] == "intervals"


def test_a_multisport_recording_joins_into_its_rows_session(fixtures: Path, tmp_path: Path) -> None:
    folder = tmp_path / "export"
    (folder / "activities").mkdir(parents=True)
    multisport = (fixtures / "fit/fr965_multisport_strength_run_strength.fit").read_bytes()
    (folder / "activities" / "7.fit.gz").write_bytes(gzip.compress(multisport))
    (folder / "activities.csv").write_bytes(
        _csv(
            [
                "Activity ID",
                "Activity Date",
                "Activity Type",
                "Elapsed Time",
                "Distance",
                "Filename",
                "Distance",
            ],
            [
                [
                    "7",
                    "Oct 1, 2025, 9:10:26 AM",
                    "Workout",
                    "3600",
                    "5.00",
                    "activities/7.fit.gz",
                    "5000.0",
                ]
            ],
        )
    )
    log = read_strava_export(folder, tz="UTC").validate()
    assert list(log.sessions["session_id"]) == ["strava:7"]
    assert log.sessions.loc[0, "sport"] == "strength"
    assert log.sessions.loc[0, "distance_m"] == 5000.0
    assert len(log.sets) > 0
    assert log.samples["t_s"].is_monotonic_increasing
    assert list(log.laps["lap_index"]) == list(range(len(log.laps)))
    entry = log.report.entries[1]
    assert entry.status == "partial"
    assert entry.message and "sessions" in entry.message


def test_an_unreadable_date_keeps_the_row_and_says_so() -> None:
    data = _csv(
        ["Activity ID", "Activity Date", "Activity Type", "Distance", "Filename", "Distance"],
        [
            ["1", "Jan 5, 2024, 11:30:00 PM", "Run", "5.00", "", "5000"],
            ["2", "someday", "Run", "5.00", "", "5000"],
        ],
    )
    table = parse_activities_csv(data, source="a.csv", tz="Europe/Berlin")
    assert len(table) == 2
    assert pd.isna(table.loc[1, "start_utc"])
    # 23:30 UTC is the next day in Berlin
    assert table.loc[0, "local_date"] == pd.Timestamp("2024-01-06")


def test_an_undated_row_makes_the_csv_entry_partial(tmp_path: Path) -> None:
    (tmp_path / "activities.csv").write_bytes(
        _csv(
            ["Activity ID", "Activity Date", "Activity Type", "Filename"],
            [["1", "Jan 5, 2024, 7:03:12 AM", "Yoga", ""], ["2", "?", "Yoga", ""]],
        )
    )
    log = read_strava_export(tmp_path, tz="UTC")
    assert len(log.sessions) == 2
    (entry,) = log.report.entries
    assert entry.status == "partial"
    assert entry.sessions == 2
    assert entry.message and "row(s) 2" in entry.message


def test_a_corrupt_member_is_skipped_and_its_row_kept(fixtures: Path, tmp_path: Path) -> None:
    folder = build_export(fixtures, tmp_path / "export", english_csv())
    (folder / "activities" / "1001.fit.gz").write_bytes(b"\x1f\x8b\x08\x00garbage")
    archive = zip_folder(folder, tmp_path / "export.zip")
    log = read_strava_export(archive, tz="UTC").validate()
    assert len(log.sessions) == len(ROWS)
    entry = next(e for e in log.report if e.path.endswith("1001.fit.gz"))
    assert entry.status == "skipped"
    assert entry.path == f"{archive}!activities/1001.fit.gz"
    assert "strava:1001" not in set(log.samples["session_id"])


def _gathered_reference(pieces: list[tuple[str, pa.Table]]) -> pd.DataFrame:
    """What the recordings' samples gather into, the plain way: Arrow's concatenation."""
    from stridekit.io.store import to_pandas

    tables = [strava._renamed(t, sid, None) for sid, t in pieces]
    return to_pandas(pa.concat_tables(tables, promote_options="default"), "samples")


def _samples_piece(rows: int, start: int, *, extra: bool = False) -> pa.Table:
    t = np.arange(rows, dtype="float64")
    hr = np.where(t % 7 == 0, np.nan, 120.0 + t)
    times = pa.array(
        (start + np.arange(rows, dtype="int64")) * 1_000_000_000, pa.timestamp("ns", tz="UTC")
    )
    columns: dict[str, pa.Array] = {
        "session_id": pa.array(["parsed"] * rows, pa.large_string()),
        "t_s": pa.array(t),
        "time_utc": times,
        "hr_bpm": pa.array(hr),
    }
    if extra:
        columns["power_w"] = pa.array(200.0 + t)
    return pa.table(columns)


@pytest.mark.parametrize("compact_rows", [1, 5, 1 << 18])
@pytest.mark.parametrize("mixed", [False, True])
def test_gathered_samples_equal_arrows_concatenation(
    compact_rows: int, mixed: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(strava, "COMPACT_ROWS", compact_rows)
    sizes = [3, 1, 4, 1, 5, 9, 2, 6]
    pieces = [
        (f"strava:{n}", _samples_piece(rows, 1000 * n, extra=mixed and n % 3 == 0))
        for n, rows in enumerate(sizes)
    ]
    gathered = strava._Gathered()
    for sid, table in pieces:
        session = {"session_id": sid}
        gathered.add(strava._Joined(session, None, table, None, "fit"))
    got = gathered.frames()["samples"]
    pd.testing.assert_frame_equal(got, _gathered_reference(pieces), check_exact=True)
    assert list(got["session_id"].unique()) == [sid for sid, _ in pieces]


@pytest.mark.parametrize("compact_rows", [1, 1 << 18])
def test_runs_analysed_while_read_classify_as_the_whole_log(
    fixtures: Path, tmp_path: Path, compact_rows: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """load_log analyses an export's runs batch by batch as the recordings come; the log
    is the one that analysing the whole log at the end gives, bit for bit."""
    from stridekit import load_log
    from stridekit.analysis.classify import classify_log
    from stridekit.io.merge import merge_duplicates

    monkeypatch.setattr(strava, "COMPACT_ROWS", compact_rows)
    folder = build_export(fixtures, tmp_path / "export", english_csv())
    got = load_log(folder, tz="UTC", use_cache=False, workers=1)
    log = read_strava_export(folder, tz="UTC")
    assert log.laps["role"].isna().all(), "read_strava_export alone classifies nothing"
    expected = classify_log(merge_duplicates(log)[0])
    for name in ("sessions", "laps", "samples", "sets"):
        pd.testing.assert_frame_equal(getattr(got, name), getattr(expected, name))
    runs = got.sessions.loc[got.sessions["sport"] == "run"]
    assert runs["kind"].notna().all()
    assert got.laps["role"].notna().any()
