"""The hand-kept CSV log: sessions and sets, their errors, and loading a folder."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from stridekit.errors import LogFormatError
from stridekit.exercises import normalize_exercise
from stridekit.io.csvlog import parse_sessions_csv, parse_sets_csv, read_csv_log

SESSIONS = """\
session,date,start,timezone,sport,kind,title,distance,duration,rpe,notes
gym-1,2025-03-04,18:30,Europe/Berlin,strength,,Legs and core,,40:00,6,
yoga-1,2025-03-05,07:00,Europe/Berlin,yoga,,Morning flow,,30 min,3,after the run
run-1,2025-03-06,06:15,America/New_York,running,tempo,Tempo 3x10',10 km,0:52:30,7,
walk-1,2025-10-26,02:30,Europe/Berlin,walk,,,3.1 mi,1:00:00,,DST ends that night
"""

SETS = """\
session,exercise,set,reps,weight_kg,duration_s,rest_s
gym-1,Calf raises,2,15,0,,60
gym-1,heel-raise,1,12,10,,60
gym-1,Squats,3,10,20,,90
gym-1,plank,,,0,45,30
gym-1,Nordic curls,,6,,,
"""


def test_sessions_csv_full_frame() -> None:
    log = parse_sessions_csv(SESSIONS.encode(), source="sessions.csv", tz="UTC").validate()
    s = log.sessions.set_index("session_id")
    assert list(s.index) == ["gym-1", "yoga-1", "run-1", "walk-1"]  # sorted by start
    assert s.loc["gym-1", "start_utc"] == pd.Timestamp("2025-03-04T17:30Z")
    assert s.loc["run-1", "start_utc"] == pd.Timestamp("2025-03-06T11:15Z")
    assert s.loc["walk-1", "start_utc"] == pd.Timestamp("2025-10-26T00:30Z")  # CEST, ambiguous
    assert s.loc["yoga-1", "local_date"] == pd.Timestamp("2025-03-05")
    assert s["sport"].tolist() == ["strength", "mobility", "run", "cross"]
    assert s["kind"].tolist() == ["strength", "yoga", "tempo", "walk"]
    assert s.loc["gym-1", "duration_s"] == 2400.0
    assert s.loc["yoga-1", "duration_s"] == 1800.0
    assert s.loc["run-1", "duration_s"] == 3150.0
    assert s.loc["run-1", "distance_m"] == 10_000.0
    assert s.loc["walk-1", "distance_m"] == pytest.approx(3.1 * 1609.344)
    assert s.loc["run-1", "avg_speed_mps"] == pytest.approx(10_000 / 3150)
    assert s.loc["gym-1", "rpe"] == 6.0
    assert s.loc["yoga-1", "notes"] == "after the run"
    assert pd.isna(s.loc["gym-1", "notes"])
    assert (s["source_format"] == "sessions-csv").all()


def test_sets_csv_orders_and_normalises() -> None:
    sets = parse_sets_csv(SETS.encode(), source="sets.csv")
    assert sets["set_index"].tolist() == [0, 1, 2, 3, 4]
    assert sets["exercise"].tolist() == [
        "plank",
        "nordic_curls",
        "calf_raise",
        "calf_raise",
        "squat",
    ]
    assert sets["category"].tolist() == [
        "plank",
        "Nordic curls",
        "heel-raise",
        "Calf raises",
        "Squats",
    ]
    assert sets["reps"].tolist()[2:] == [12, 15, 10]
    assert pd.isna(sets["reps"].iloc[0])
    assert sets["duration_s"].iloc[0] == 45.0
    assert str(sets["reps"].dtype) == "Int64"


@pytest.mark.parametrize(
    ("line", "column", "value", "message"),
    [
        (2, "date", "2025-13-01", "is not a date; write it as YYYY-MM-DD"),
        (3, "sport", "bouldering", "is not a sport"),
        (2, "start", "25:00", "is not a time of day"),
        (3, "distance", "5 leagues", "is not a distance"),
        (2, "duration", "forever", "is not a duration"),
        (3, "rpe", "11", "outside 1 to 10"),
        (2, "timezone", "Mars/Olympus", "is not a time zone"),
    ],
)
def test_bad_session_cells_name_file_line_and_column(
    line: int, column: str, value: str, message: str
) -> None:
    rows = SESSIONS.splitlines()
    header = rows[0].split(",")
    cells = rows[line - 1].split(",")
    cells[header.index(column)] = value
    rows[line - 1] = ",".join(cells)
    with pytest.raises(LogFormatError) as caught:
        parse_sessions_csv("\n".join(rows).encode(), source="mine.csv")
    text = str(caught.value)
    assert text.startswith(f"mine.csv, line {line}, column '{column}'")
    assert message in text


def test_duplicate_session_key_is_refused() -> None:
    data = SESSIONS + "gym-1,2025-03-09,,,strength,,,,,,\n"
    with pytest.raises(LogFormatError, match=r"line 6, column 'session'.*already used on line 2"):
        parse_sessions_csv(data.encode(), source="s.csv")


def test_bad_sets_reps() -> None:
    with pytest.raises(LogFormatError, match=r"sets.csv, line 3, column 'reps': '1.5' is not a"):
        parse_sets_csv(SETS.replace(",1,12,", ",1,1.5,").encode(), source="sets.csv")


def test_missing_required_header_and_non_utf8() -> None:
    with pytest.raises(LogFormatError, match="line 1: the header lacks date"):
        parse_sessions_csv(b"session,sport\na,run\n", source="x.csv")
    with pytest.raises(LogFormatError, match="not UTF-8"):
        parse_sessions_csv(b"session,date,sport\n\xff\xfe,2025-01-01,run\n", source="x.csv")


def test_read_csv_log_recognises_by_header(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text(SETS, encoding="utf-8")
    (tmp_path / "b.csv").write_text("\ufeff" + SESSIONS, encoding="utf-8")
    (tmp_path / "c.csv").write_text("x,y\n1,2\n", encoding="utf-8")
    assert len(read_csv_log(tmp_path / "a.csv").sets) == 5
    assert len(read_csv_log(tmp_path / "b.csv").sessions) == 4
    with pytest.raises(LogFormatError, match="not a hand-kept log"):
        read_csv_log(tmp_path / "c.csv")


@pytest.mark.parametrize(
    ("written", "name"),
    [
        ("Calf raises", "calf_raise"),
        ("heel raise", "calf_raise"),
        ("calf-raise", "calf_raise"),
        ("CALF_RAISE", "calf_raise"),
        ("Bulgarian split squat", "squat"),
        ("Lunges", "lunge"),
        ("knee raises", "knee_raise"),
        ("Crunches", "crunch"),
        ("Side plank", "plank"),
        ("Dumbbell lunges", "lunge"),
        ("Nordic curls", "nordic_curls"),
        ("  ", None),
    ],
)
def test_normalize_exercise(written: str, name: str | None) -> None:
    assert normalize_exercise(written) == name
