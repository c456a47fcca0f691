"""The TCX reader against real files, and against variants of them derived at test time.

Expected values come from the files themselves (counted or summed by regular expressions
here, independently of the reader), never from the reader's own output.
"""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import assert_as_constructed

from stridekit import schema
from stridekit.errors import LogFormatError
from stridekit.io.tcx import parse_tcx, read_tcx
from stridekit.log import TrainingLog

GARMIN = "garmin_run_2012_3laps_distance_trigger.tcx"
RUNPANDAS = "runpandas_11km.tcx"
RUNTASTIC = "runtastic_run_lowercase_sport.tcx"

# file, laps, trackpoints, sum of the laps' DistanceMeters [m]
KNOWN = [
    (GARMIN, 3, 384, 4689.2),
    (RUNPANDAS, 12, 1599, 11047.3),
    (RUNTASTIC, 1, 750, 2200.0),
]
FILES = [k[0] for k in KNOWN]


def _tcx(fixtures: Path, name: str) -> Path:
    return fixtures / "tcx" / name


def _blocks(text: str) -> list[str]:
    return re.findall(r"<Trackpoint>(.*?)</Trackpoint>", text, flags=re.S)


def _field(block: str, tag: str) -> float:
    m = re.search(rf"<(?:\w+:)?{tag}>\s*([^<]*?)\s*</(?:\w+:)?{tag}>", block)
    return float(m.group(1)) if m else np.nan


def _same(a: TrainingLog, b: TrainingLog) -> None:
    pd.testing.assert_frame_equal(
        a.sessions.drop(columns="source"), b.sessions.drop(columns="source")
    )
    pd.testing.assert_frame_equal(a.laps, b.laps)
    pd.testing.assert_frame_equal(a.samples, b.samples)


@pytest.mark.parametrize(("name", "n_laps", "n_points", "distance"), KNOWN)
def test_counts_and_distance_match_the_file(
    fixtures: Path, name: str, n_laps: int, n_points: int, distance: float
) -> None:
    log = read_tcx(_tcx(fixtures, name), tz="UTC")
    assert len(log.sessions) == 1
    assert len(log.laps) == n_laps
    assert len(log.samples) == n_points
    assert log.sessions.loc[0, "distance_m"] == pytest.approx(distance, abs=0.05)
    assert log.laps["distance_m"].sum() == pytest.approx(distance, abs=0.05)
    assert list(log.laps["lap_index"]) == list(range(n_laps))
    assert log.sessions.loc[0, "sport"] == "run"
    assert log.sessions.loc[0, "source_format"] == "tcx"
    assert log.sessions.loc[0, "source"] == str(_tcx(fixtures, name))
    for table in ("sessions", "laps", "samples"):
        frame = getattr(log, table)
        schema.validate(frame, table)
        assert list(frame.columns[: len(schema.columns(table))]) == schema.columns(table)
    log.validate()
    assert [(e.status, e.sessions, e.format) for e in log.report] == [("ok", 1, "tcx")]


@pytest.mark.parametrize("name", FILES)
def test_samples_follow_the_file(fixtures: Path, name: str) -> None:
    path = _tcx(fixtures, name)
    text = path.read_text(encoding="utf-8")
    log = read_tcx(path, tz="UTC")
    s = log.samples
    times = re.findall(r"<Time>\s*([^<]*?)\s*</Time>", text)
    assert s["time_utc"].iloc[0] == pd.Timestamp(times[0])
    assert s["time_utc"].iloc[-1] == pd.Timestamp(times[-1])
    assert s["t_s"].is_monotonic_increasing
    start = log.sessions.loc[0, "start_utc"]
    assert start == pd.Timestamp(re.search(r"<Id>([^<]*)</Id>", text).group(1))
    expected_t = (s["time_utc"] - start).dt.total_seconds()
    np.testing.assert_allclose(s["t_s"], expected_t)
    assert log.sessions.loc[0, "session_id"] == start.strftime("%Y%m%dT%H%M%SZ")
    assert (s["session_id"] == log.sessions.loc[0, "session_id"]).all()

    blocks = _blocks(text)
    hr = np.array([_field(b, "Value") for b in blocks])
    np.testing.assert_array_equal(s["hr_bpm"].to_numpy(), hr)
    assert s["hr_bpm"].dropna().between(40, 230).all()
    dist = np.array([_field(b, "DistanceMeters") for b in blocks])
    np.testing.assert_allclose(s["distance_m"].to_numpy(), dist, equal_nan=True)
    lat = np.array([_field(b, "LatitudeDegrees") for b in blocks])
    np.testing.assert_allclose(s["lat_deg"].to_numpy(), lat, equal_nan=True)
    speed = s["speed_mps"].dropna()
    assert len(speed) > 0.9 * len(s)
    assert speed.between(0, 12).all()
    assert speed.median() == pytest.approx(log.sessions.loc[0, "avg_speed_mps"], rel=0.25)


def test_run_cadence_is_doubled_to_steps(fixtures: Path) -> None:
    path = _tcx(fixtures, RUNPANDAS)
    blocks = _blocks(path.read_text(encoding="utf-8"))
    strides = np.array([_field(b, "RunCadence") for b in blocks])
    log = read_tcx(path, tz="UTC")
    s = log.samples
    np.testing.assert_array_equal(s["cadence_spm"].to_numpy(), 2 * strides)
    np.testing.assert_array_equal(
        s["speed_mps"].to_numpy(), np.array([_field(b, "Speed") for b in blocks])
    )
    ok = s["cadence_spm"] > 0
    np.testing.assert_allclose(
        s.loc[ok, "step_m"], s.loc[ok, "speed_mps"] / (s.loc[ok, "cadence_spm"] / 60)
    )
    assert s["step_m"][~ok].isna().all()
    sess = log.sessions.iloc[0]
    assert 150 < sess["avg_cadence_spm"] < 190  # steps, not strides
    assert sess["avg_step_m"] == pytest.approx(
        sess["avg_speed_mps"] / (sess["avg_cadence_spm"] / 60)
    )


def test_laps_as_recorded(fixtures: Path) -> None:
    path = _tcx(fixtures, GARMIN)
    text = path.read_text(encoding="utf-8")
    log = read_tcx(path, tz="UTC")
    laps = log.laps
    assert list(laps["trigger"]) == [t.lower() for t in re.findall(r"<TriggerMethod>(\w+)", text)]
    assert list(laps["trigger"]) == ["distance", "distance", "manual"]
    assert list(laps["intensity"]) == ["active"] * 3
    assert laps["role"].isna().all()
    assert list(laps["duration_s"]) == [
        float(v) for v in re.findall(r"<TotalTimeSeconds>([^<]*)", text)
    ]
    np.testing.assert_allclose(laps["avg_speed_mps"], laps["distance_m"] / laps["duration_s"])
    assert list(laps["avg_hr_bpm"]) == [139.0, 172.0, 167.0]
    assert laps["avg_cadence_spm"].isna().all()
    starts = [pd.Timestamp(t) for t in re.findall(r'<Lap StartTime="([^"]*)"', text)]
    expected = [(t - starts[0]).total_seconds() for t in starts]
    assert list(laps["start_s"]) == expected
    sess = log.sessions.iloc[0]
    assert sess["moving_s"] == pytest.approx(608.47 + 714.80 + 669.51)
    assert sess["duration_s"] >= sess["moving_s"]
    assert sess["avg_speed_mps"] == pytest.approx(sess["distance_m"] / sess["moving_s"])
    assert sess["title"] == "Aerobics"
    assert sess["notes"] == "Aerobics"
    assert 100 < sess["avg_hr_bpm"] < 200
    assert sess["ascent_m"] > 0
    assert pd.isna(sess["kind"]) and pd.isna(sess["focus"])


def test_lowercase_sport_and_missing_intensity(fixtures: Path) -> None:
    log = read_tcx(_tcx(fixtures, RUNTASTIC), tz="Europe/Berlin")
    sess = log.sessions.iloc[0]
    assert sess["sport"] == "run"
    assert sess["local_date"] == pd.Timestamp("2016-12-11")
    assert sess["moving_s"] == 750.0
    # The track starts 401 s after the lap and ends at 11:13:40, 1150 s after the start.
    assert log.samples["t_s"].iloc[0] == 401.0
    assert sess["duration_s"] == 1150.0
    assert log.laps["intensity"].isna().all()
    assert list(log.laps["trigger"]) == ["manual"]


def test_local_date_follows_the_time_zone(fixtures: Path) -> None:
    path = _tcx(fixtures, GARMIN)  # starts 2012-12-26 21:29:53 UTC
    assert read_tcx(path, tz="UTC").sessions.loc[0, "local_date"] == pd.Timestamp("2012-12-26")
    assert read_tcx(path, tz="Asia/Tokyo").sessions.loc[0, "local_date"] == pd.Timestamp(
        "2012-12-27"
    )


# ----------------------------------------------------------------------- derived variants


def _one_line(data: bytes) -> bytes:
    # Strip the whitespace between tags, then the line breaks left inside tags (attributes).
    return re.sub(rb"\s*\n\s*", b" ", re.sub(rb">\s+<", b"><", data)).strip()


def _split_tracks(data: bytes) -> bytes:
    def split(m: re.Match[bytes]) -> bytes:
        body = m.group(1)
        ends = [e.end() for e in re.finditer(rb"</Trackpoint>", body)]
        cut = ends[len(ends) // 2 - 1]
        return b"<Track>" + body[:cut] + b"</Track>\n<Track>" + body[cut:] + b"</Track>"

    out, n = re.subn(rb"<Track>(.*?)</Track>", split, data, flags=re.S)
    assert n >= 1
    return out


def _prefixed(data: bytes) -> bytes:
    """Every element under an explicit prefix (``t:`` and ``x:``) instead of defaults."""
    data = data.replace(b'xmlns="http://www.garmin.com/xmlschemas/ActivityExtension/v2"', b"")
    data = data.replace(
        b'xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2"',
        b'xmlns:t="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2" '
        b'xmlns:x="http://www.garmin.com/xmlschemas/ActivityExtension/v2"',
    )
    ext = {b"TPX", b"Speed", b"RunCadence"}

    def prefix(m: re.Match[bytes]) -> bytes:
        name = m.group(2)
        return b"<" + m.group(1) + (b"x:" if name in ext else b"t:") + name

    return re.sub(rb"<(/?)([A-Za-z]+)(?=[\s>/])", prefix, data)


VARIANTS = {
    "one_line": _one_line,
    "split_tracks": _split_tracks,
    "leading_whitespace": lambda d: b"  \n\t\n   " + d,
    "bom": lambda d: b"\xef\xbb\xbf" + d,
    "prefixed": _prefixed,
}


@pytest.mark.parametrize("variant", sorted(VARIANTS))
@pytest.mark.parametrize("name", FILES)
def test_variants_read_the_same(fixtures: Path, tmp_path: Path, name: str, variant: str) -> None:
    path = _tcx(fixtures, name)
    data = VARIANTS[variant](path.read_bytes())
    assert data != path.read_bytes()
    if variant == "split_tracks":
        assert data.count(b"<Track>") == 2 * path.read_bytes().count(b"<Track>")
    if variant == "one_line":
        assert b"\n" not in data
    out = tmp_path / name
    out.write_bytes(data)
    _same(read_tcx(path, tz="UTC"), read_tcx(out, tz="UTC"))


@pytest.mark.parametrize("name", FILES)
def test_gzip_by_suffix_and_by_content(fixtures: Path, tmp_path: Path, name: str) -> None:
    path = _tcx(fixtures, name)
    plain = read_tcx(path, tz="UTC")
    packed = gzip.compress(path.read_bytes())
    gz = tmp_path / (name + ".gz")
    gz.write_bytes(packed)
    disguised = tmp_path / name  # gzip content under a .tcx name
    disguised.write_bytes(packed)
    for other in (read_tcx(gz, tz="UTC"), read_tcx(disguised, tz="UTC")):
        _same(plain, other)
    assert read_tcx(gz, tz="UTC").sessions.loc[0, "source"] == str(gz)
    _same(plain, parse_tcx(packed, tz="UTC"))


def test_parse_tcx_takes_bytes_and_names_the_source(fixtures: Path) -> None:
    data = _tcx(fixtures, GARMIN).read_bytes()
    log = parse_tcx(data, source="from-memory.tcx", tz="UTC")
    assert log.sessions.loc[0, "source"] == "from-memory.tcx"
    _same(log, read_tcx(_tcx(fixtures, GARMIN), tz="UTC"))


def _activity(text: str) -> str:
    return re.search(r"<Activity .*?</Activity>", text, flags=re.S).group(0)


def test_several_activities_are_several_sessions(fixtures: Path) -> None:
    a = _tcx(fixtures, GARMIN).read_text(encoding="utf-8")
    b = _tcx(fixtures, RUNTASTIC).read_text(encoding="utf-8")
    bike = _activity(b).replace('Sport="running"', 'Sport="Biking"', 1)
    both = a.replace("</Activity>", "</Activity>" + bike, 1)
    log = parse_tcx(both.encode(), source="two.tcx", tz="UTC")
    assert len(log.sessions) == 2
    assert list(log.sessions["sport"]) == ["run", "cross"]  # sorted by start: 2012 run first
    by_id = log.samples.groupby("session_id").size()
    assert sorted(by_id) == [384, 750]
    assert sorted(log.laps.groupby("session_id").size()) == [1, 3]
    assert sorted(log.sessions["distance_m"].round(1)) == [2200.0, 4689.2]
    log.validate()


def test_geodesic_distance_when_none_is_recorded(fixtures: Path) -> None:
    text = _tcx(fixtures, GARMIN).read_text(encoding="utf-8")
    # Drop the trackpoints' DistanceMeters (indented deeper than the laps' own).
    stripped = re.sub(r"\n {12}<DistanceMeters>[^<]*</DistanceMeters>", "", text)
    assert stripped.count("<DistanceMeters>") == 3
    recorded = parse_tcx(text.encode(), tz="UTC").samples
    derived = parse_tcx(stripped.encode(), tz="UTC")
    d = derived.samples["distance_m"]
    assert d.iloc[0] == 0
    assert d.dropna().is_monotonic_increasing
    assert d.iloc[-1] == pytest.approx(recorded["distance_m"].max(), rel=0.03)
    assert derived.sessions.loc[0, "distance_m"] == pytest.approx(4689.2, abs=0.05)


def test_a_gps_jump_makes_no_speed_spike(fixtures: Path) -> None:
    text = _tcx(fixtures, GARMIN).read_text(encoding="utf-8")
    stripped = re.sub(r"\n {12}<DistanceMeters>[^<]*</DistanceMeters>", "", text)
    lats = list(re.finditer(r"<LatitudeDegrees>([^<]*)</LatitudeDegrees>", stripped))
    jump = lats[200]  # one position 0.002 degrees (222 m) north: a GPS jump and back
    moved = f"<LatitudeDegrees>{float(jump.group(1)) + 0.002}</LatitudeDegrees>"
    jumpy = stripped[: jump.start()] + moved + stripped[jump.end() :]
    plain = parse_tcx(stripped.encode(), tz="UTC").samples
    log = parse_tcx(jumpy.encode(), tz="UTC")
    s = log.samples
    # Distance keeps the jump (222 m there and back, less the steps it replaces); speed not.
    assert s["distance_m"].iloc[-1] - plain["distance_m"].iloc[-1] > 400
    assert s["speed_mps"].iloc[199:202].isna().all()
    assert s["speed_mps"].max() <= plain["speed_mps"].max() + 0.01
    assert s["speed_mps"].notna().sum() >= len(s) - 3


def test_recorded_speeds_beyond_any_runner_are_missing(fixtures: Path) -> None:
    text = _tcx(fixtures, RUNPANDAS).read_text(encoding="utf-8")
    speeds = list(re.finditer(r"<Speed>([^<]*)</Speed>", text))
    fast = speeds[500]
    data = (text[: fast.start()] + "<Speed>40.0</Speed>" + text[fast.end() :]).encode()
    s = parse_tcx(data, tz="UTC").samples["speed_mps"]
    assert np.isnan(s.iloc[500])
    assert s.drop(500).notna().all()
    cycling = data.replace(b'Sport="Running"', b'Sport="Biking"')
    assert parse_tcx(cycling, tz="UTC").samples["speed_mps"].iloc[500] == 40.0


@pytest.mark.parametrize(
    ("start", "tz", "day"),
    [
        ("2021-05-01T01:30:00+02:00", "UTC", "2021-05-01"),  # 23:30 UTC the day before
        ("2021-05-01T01:30:00+02:00", "America/New_York", "2021-05-01"),
        ("2021-04-30T20:00:00-05:00", "Asia/Tokyo", "2021-04-30"),
        ("2021-04-30T23:30:00Z", "UTC", "2021-04-30"),
        ("2021-04-30T23:30:00Z", "Asia/Tokyo", "2021-05-01"),
        ("2021-04-30T23:30:00+00:00", "Asia/Tokyo", "2021-05-01"),
    ],
)
def test_local_date_from_the_files_own_offset(start: str, tz: str, day: str) -> None:
    data = (
        "<TrainingCenterDatabase><Activities><Activity Sport='Running'>"
        f"<Id>{start}</Id><Lap StartTime='{start}'><TotalTimeSeconds>60</TotalTimeSeconds>"
        f"<Track><Trackpoint><Time>{start}</Time></Trackpoint></Track></Lap>"
        "</Activity></Activities></TrainingCenterDatabase>"
    ).encode()
    session = parse_tcx(data, tz=tz).sessions.iloc[0]
    assert session["start_utc"] == pd.Timestamp(start).tz_convert("UTC")
    assert session["local_date"] == pd.Timestamp(day)


def test_no_activity_is_an_error(tmp_path: Path) -> None:
    course = tmp_path / "course.tcx"
    course.write_bytes(
        b'<?xml version="1.0"?><TrainingCenterDatabase '
        b'xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2">'
        b"<Courses><Course><Name>x</Name></Course></Courses></TrainingCenterDatabase>"
    )
    with pytest.raises(LogFormatError, match="no <Activity>") as err:
        read_tcx(course)
    assert str(course) in str(err.value)
    assert err.value.fix


def test_activity_without_data_is_an_error() -> None:
    data = (
        b"<TrainingCenterDatabase><Activities><Activity Sport='Running'>"
        b"</Activity></Activities></TrainingCenterDatabase>"
    )
    with pytest.raises(LogFormatError, match="none with usable data") as err:
        parse_tcx(data, source="empty.tcx")
    assert "empty.tcx" in str(err.value)


def test_not_tcx_is_an_error() -> None:
    with pytest.raises(LogFormatError, match="not a TCX file"):
        parse_tcx(b"<gpx><trk/></gpx>", source="x.gpx")


def test_laps_without_trackpoints_still_make_a_session() -> None:
    data = (
        b"<TrainingCenterDatabase><Activities><Activity Sport='Running'>"
        b"<Id>2024-05-01T06:00:00Z</Id><Lap StartTime='2024-05-01T06:00:00Z'>"
        b"<TotalTimeSeconds>1800</TotalTimeSeconds><DistanceMeters>5000</DistanceMeters>"
        b"<Cadence>85</Cadence><Intensity>Resting</Intensity>"
        b"<TriggerMethod>Manual</TriggerMethod></Lap>"
        b"</Activity></Activities></TrainingCenterDatabase>"
    )
    log = parse_tcx(data, tz="UTC")
    assert len(log.samples) == 0
    lap = log.laps.iloc[0]
    assert lap["avg_cadence_spm"] == 170.0
    assert lap["intensity"] == "resting"
    sess = log.sessions.iloc[0]
    assert (sess["distance_m"], sess["duration_s"], sess["moving_s"]) == (5000.0, 1800.0, 1800.0)
    assert sess["avg_cadence_spm"] == 170.0
    log.validate()


def test_activities_starting_in_the_same_second_get_distinct_keys(fixtures: Path) -> None:
    a = _tcx(fixtures, GARMIN).read_text(encoding="utf-8")
    twice = a.replace("</Activity>", "</Activity>" + _activity(a), 1)
    log = parse_tcx(twice.encode(), tz="UTC")
    assert list(log.sessions["session_id"]) == ["20121226T212953Z", "20121226T212953Z-2"]
    assert list(log.samples.groupby("session_id").size()) == [384, 384]
    log.validate()


def test_frames_are_what_the_schema_makes_of_them(fixtures: Path) -> None:
    log = read_tcx(_tcx(fixtures, RUNPANDAS), tz="UTC")
    for table in schema.table_names():
        frame = getattr(log, table)
        pd.testing.assert_frame_equal(frame, schema.conform(frame, table))


def test_frames_conform_as_built(fixtures: Path) -> None:
    # The reader builds every table at the schema's columns and dtypes, so conforming (in
    # TrainingLog) has nothing to change and the log validates without help.
    log = read_tcx(_tcx(fixtures, GARMIN), tz="UTC")
    for table in schema.table_names():
        assert schema.conforms(getattr(log, table), table)
    log.validate()


@pytest.mark.parametrize("name", FILES)
def test_the_log_is_what_the_constructor_makes(fixtures: Path, name: str) -> None:
    # The reader skips TrainingLog's conforming pass (of_conforming): it must have nothing to do.
    assert_as_constructed(read_tcx(_tcx(fixtures, name), tz="UTC"))
    a = _tcx(fixtures, GARMIN).read_text(encoding="utf-8")
    b = _tcx(fixtures, RUNTASTIC).read_text(encoding="utf-8")
    later_first = b.replace("</Activity>", "</Activity>" + _activity(a), 1)  # 2016, then 2012
    log = parse_tcx(later_first.encode(), tz="UTC")
    assert log.sessions["start_utc"].is_monotonic_increasing
    assert_as_constructed(log)
    assert read_tcx(_tcx(fixtures, name), tz="UTC").sets is not log.sets


def _retime(data: str, fmt: str) -> str:
    return re.sub(r"<Time>(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)Z</Time>", fmt, data)


@pytest.mark.parametrize(
    "fmt",
    [
        r"<Time>\1.000Z</Time>",  # fractional seconds, vectorised
        r"<Time>\1.5Z</Time>",
        r"<Time>\1+00:00</Time>",  # an offset: pandas parses it
        r"<Time> \1Z </Time>",  # whitespace: pandas parses it
    ],
)
def test_time_layouts_read_the_same(fixtures: Path, fmt: str) -> None:
    text = _tcx(fixtures, GARMIN).read_text(encoding="utf-8")
    plain = parse_tcx(text.encode(), tz="UTC")
    other = parse_tcx(_retime(text, fmt).encode(), tz="UTC")
    shift = 0.5 if ".5Z" in fmt else 0.0
    np.testing.assert_array_equal(other.samples["t_s"], plain.samples["t_s"] + shift)
    other.validate()


def test_time_fast_path_matches_pandas() -> None:
    from stridekit.io.arrays import parse_times

    texts = np.array(
        [
            "1900-01-01T00:00:00Z",
            "1999-12-31T23:59:59Z",
            "2000-02-29T12:00:00Z",
            "2012-12-26T21:29:53Z",
            "2199-12-31T23:59:59Z",
        ],
        dtype=object,
    )
    for frac in ("", ".1", ".123", ".123456", ".123456789"):
        values = np.array([t[:-1] + frac + "Z" for t in texts], dtype=object)
        ns, ok = parse_times(values)
        expected = pd.to_datetime(values, utc=True, format="ISO8601")
        assert ok.all()
        np.testing.assert_array_equal(ns, expected.as_unit("ns").asi8)
    # Invalid dates are missing, as pandas has them, and do not spoil the others.
    ns, ok = parse_times(np.array(["2012-02-30T10:00:00Z", "2012-02-29T10:00:00Z"], dtype=object))
    assert list(ok) == [False, True]
    assert ns[1] == pd.Timestamp("2012-02-29T10:00:00Z").value


@pytest.mark.parametrize(
    ("text", "expected"),
    [(" 150.5 ", 150.5), ("1_50", 150.0), ("abc", np.nan), ("", np.nan), ("inf", np.nan)],
)
def test_numbers_read_as_python_reads_them(fixtures: Path, text: str, expected: float) -> None:
    # Arrow parses the numbers; what it refuses falls back to float(), field by field.
    data = _tcx(fixtures, GARMIN).read_text(encoding="utf-8")
    first = re.search(r"<AltitudeMeters>[^<]*</AltitudeMeters>", data)
    assert first is not None
    data = data[: first.start()] + f"<AltitudeMeters>{text}</AltitudeMeters>" + data[first.end() :]
    log = parse_tcx(data.encode(), tz="UTC")
    np.testing.assert_equal(log.samples.loc[0, "altitude_m"], expected)
    plain = read_tcx(_tcx(fixtures, GARMIN), tz="UTC")
    pd.testing.assert_series_equal(log.samples["hr_bpm"], plain.samples["hr_bpm"])
    pd.testing.assert_series_equal(
        log.samples["altitude_m"].iloc[1:], plain.samples["altitude_m"].iloc[1:]
    )
