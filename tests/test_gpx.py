"""The GPX reader against real files, gpxpy as the reference, and variants derived at test time.

Expected values come from the files themselves (counted by regular expressions here), from
gpxpy's parse of the same file, or from Vincenty's geodesic formula implemented below; never
from the reader's own output.
"""

from __future__ import annotations

import gzip
import itertools
import math
import re
from pathlib import Path

import gpxpy
import numpy as np
import pandas as pd
import pytest
from conftest import FIXTURES, assert_as_constructed

from stridekit import schema
from stridekit.errors import LogFormatError, UnsafeInputError
from stridekit.io.arrays import MAX_RUN_SPEED_MPS, wgs84_steps
from stridekit.io.gpx import TEMPERATURE_COLUMN, parse_gpx, read_gpx
from stridekit.log import TrainingLog

YEAR = "year-of-runs"
POLAR = "polar_m400_run_no_extensions.gpx"
SMALL = "26004849-dc57-4e48-bc16-11196ca043ad.gpx"  # 85 points, heart rate in gpxtpx v1
NO_HR = "3472f2dc-150a-4dfd-8a76-7bc8f40e766e.gpx"
YEAR_FILES = sorted(p.name for p in (FIXTURES / "gpx" / YEAR).glob("*.gpx"))
GPX11 = "http://www.topografix.com/GPX/1/1"
TPX1 = "http://www.garmin.com/xmlschemas/TrackPointExtension/v1"
TPX2 = "http://www.garmin.com/xmlschemas/TrackPointExtension/v2"

# gpxpy's length_2d measures on a sphere of the equatorial radius (6,378,137 m). On the WGS84
# ellipsoid a north-south metre at latitude phi is M(phi) / a of that sphere's: 0.67% shorter
# at the equator, 0.55% at 30 degrees. The year of runs is near Recife (8 degrees south), so a
# mostly north-south run reads up to 0.6% shorter than gpxpy's. The exact check is against
# Vincenty (test_distance_is_the_wgs84_geodesic_length).
GPXPY_SPHERE_TOLERANCE = 0.007


def _year(fixtures: Path, name: str) -> Path:
    return fixtures / "gpx" / YEAR / name


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _same(a: TrainingLog, b: TrainingLog) -> None:
    pd.testing.assert_frame_equal(
        a.sessions.drop(columns="source"), b.sessions.drop(columns="source")
    )
    pd.testing.assert_frame_equal(a.laps, b.laps)
    pd.testing.assert_frame_equal(a.samples, b.samples)


def _conforms(log: TrainingLog) -> None:
    for table in ("sessions", "laps", "samples"):
        frame = getattr(log, table)
        schema.validate(frame, table)
        assert list(frame.columns[: len(schema.columns(table))]) == schema.columns(table)
    log.validate()
    assert_as_constructed(log)


def _vincenty(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Vincenty's inverse formula on WGS84 [m]: the reference geodesic distance."""
    a, f = 6_378_137.0, 1 / 298.257223563
    b = a * (1 - f)
    if lat1 == lat2 and lon1 == lon2:
        return 0.0
    u1 = math.atan((1 - f) * math.tan(math.radians(lat1)))
    u2 = math.atan((1 - f) * math.tan(math.radians(lat2)))
    big_l = math.radians(lon2 - lon1)
    lam = big_l
    for _ in range(200):
        sin_lam, cos_lam = math.sin(lam), math.cos(lam)
        sin_sigma = math.hypot(
            math.cos(u2) * sin_lam,
            math.cos(u1) * math.sin(u2) - math.sin(u1) * math.cos(u2) * cos_lam,
        )
        if sin_sigma == 0:
            return 0.0
        cos_sigma = math.sin(u1) * math.sin(u2) + math.cos(u1) * math.cos(u2) * cos_lam
        sigma = math.atan2(sin_sigma, cos_sigma)
        sin_alpha = math.cos(u1) * math.cos(u2) * sin_lam / sin_sigma
        cos2_alpha = 1 - sin_alpha**2
        cos_2sm = cos_sigma - 2 * math.sin(u1) * math.sin(u2) / cos2_alpha if cos2_alpha else 0.0
        c = f / 16 * cos2_alpha * (4 + f * (4 - 3 * cos2_alpha))
        prev = lam
        lam = big_l + (1 - c) * f * sin_alpha * (
            sigma + c * sin_sigma * (cos_2sm + c * cos_sigma * (-1 + 2 * cos_2sm**2))
        )
        if abs(lam - prev) < 1e-13:
            break
    u_sq = cos2_alpha * (a**2 - b**2) / b**2
    big_a = 1 + u_sq / 16384 * (4096 + u_sq * (-768 + u_sq * (320 - 175 * u_sq)))
    big_b = u_sq / 1024 * (256 + u_sq * (-128 + u_sq * (74 - 47 * u_sq)))
    d_sigma = (
        big_b
        * sin_sigma
        * (
            cos_2sm
            + big_b
            / 4
            * (
                cos_sigma * (-1 + 2 * cos_2sm**2)
                - big_b / 6 * cos_2sm * (-3 + 4 * sin_sigma**2) * (-3 + 4 * cos_2sm**2)
            )
        )
    )
    return b * big_a * (sigma - d_sigma)


# --------------------------------------------------------------------------- real files


def test_the_year_of_runs_loads_with_heart_rate_where_recorded(fixtures: Path) -> None:
    paths = sorted((fixtures / "gpx" / YEAR).glob("*.gpx"))
    assert len(paths) == 68
    with_hr = 0
    for path in paths:
        log = read_gpx(path, tz="UTC")
        assert len(log.sessions) == 1, path.name
        assert log.sessions.loc[0, "sport"] == "run", path.name
        with_hr += bool(log.samples["hr_bpm"].notna().any())
    assert with_hr == 67


@pytest.mark.parametrize("name", YEAR_FILES)
def test_each_run_matches_gpxpy(fixtures: Path, name: str) -> None:
    path = _year(fixtures, name)
    text = _text(path)
    log = read_gpx(path, tz="UTC")
    ref = gpxpy.parse(text)
    points = [p for t in ref.tracks for s in t.segments for p in s.points]

    _conforms(log)
    session = log.sessions.iloc[0]
    samples = log.samples
    assert len(samples) == ref.get_track_points_no() == len(points)
    assert session["distance_m"] == pytest.approx(ref.length_2d(), rel=GPXPY_SPHERE_TOLERANCE)
    assert session["distance_m"] == pytest.approx(samples["distance_m"].iloc[-1])
    assert session["source_format"] == "gpx"
    assert session["source"] == str(path)
    title = session["title"]
    assert (None if pd.isna(title) else title) == (ref.tracks[0].name or None)
    assert session["start_utc"] == pd.Timestamp(points[0].time).tz_convert("UTC")
    assert session["session_id"] == session["start_utc"].strftime("%Y%m%dT%H%M%SZ")
    assert session["duration_s"] == pytest.approx(
        (points[-1].time - points[0].time).total_seconds()
    )
    assert session["moving_s"] == session["duration_s"]  # one segment: no pause
    assert len(log.laps) == 0

    expected_times = pd.DatetimeIndex([p.time for p in points]).tz_convert("UTC")
    assert (samples["time_utc"].to_numpy() == expected_times.to_numpy()).all()
    assert samples["t_s"].iloc[0] == 0.0
    assert (np.diff(samples["t_s"]) >= 0).all()
    np.testing.assert_array_equal(samples["lat_deg"], [p.latitude for p in points])
    np.testing.assert_array_equal(samples["lon_deg"], [p.longitude for p in points])
    elevations = [np.nan if p.elevation is None else p.elevation for p in points]
    np.testing.assert_array_equal(samples["altitude_m"], elevations)

    # Heart rate: as many values as the file has <gpxtpx:hr>, in the same order.
    hr = [float(v) for v in re.findall(r"<gpxtpx:hr>\s*([^<]*?)\s*</gpxtpx:hr>", text)]
    assert samples["hr_bpm"].dropna().tolist() == hr
    if hr:
        assert session["avg_hr_bpm"] == pytest.approx(np.mean(hr), rel=0.05)
    else:
        assert math.isnan(session["avg_hr_bpm"])
    assert samples["cadence_spm"].isna().all()  # none recorded
    assert samples[TEMPERATURE_COLUMN].isna().all()
    speed = samples["speed_mps"]
    # Missing only at GPS jumps and where a run would be faster than any runner: a few files
    # hold long stretches of jumps, or of doubled points whose length (gpxpy's too) is twice
    # what was run.
    assert speed.notna().mean() > 0.5
    assert speed.dropna().between(0, MAX_RUN_SPEED_MPS).all()
    assert 1.0 < speed.median() < 6.0
    assert session["avg_speed_mps"] == pytest.approx(session["distance_m"] / session["moving_s"])


# Three runs hold GPS jumps: positions 40-90 m apart recorded milliseconds apart.
JUMPY = [
    "556160e9-d74c-440c-b0af-363efb753430.gpx",
    "7ff163c7-3486-434f-8201-e83ce7f675b6.gpx",
    "9427f130-d6a8-4a0d-bf79-3e5f61d54bb4.gpx",
]


@pytest.mark.parametrize("name", JUMPY)
def test_gps_jumps_count_in_distance_but_not_in_speed(fixtures: Path, name: str) -> None:
    path = _year(fixtures, name)
    ref = gpxpy.parse(_text(path))
    points = [p for t in ref.tracks for s in t.segments for p in s.points]
    steps = [
        (a.distance_2d(b), (b.time - a.time).total_seconds()) for a, b in itertools.pairwise(points)
    ]
    jumps = [d for d, dt in steps if d > 40 and dt < 0.01]
    assert jumps  # the file is what this test is about

    log = read_gpx(path, tz="UTC")
    # The contract: distance is the geodesic length of the track as recorded, jumps included.
    assert log.sessions.loc[0, "distance_m"] == pytest.approx(
        ref.length_2d(), rel=GPXPY_SPHERE_TOLERANCE
    )
    # The speed: none at the jumps' ends, and no spike (without this, up to 17-176 m/s).
    speed = log.samples["speed_mps"]
    assert 0 < speed.isna().sum() < len(speed) / 2
    assert speed.max() < 3 * speed.median() < MAX_RUN_SPEED_MPS


def test_a_runs_speeds_beyond_any_runner_are_missing() -> None:
    # A point every 2 s, 5.6 m apart (2.8 m/s); one bogus point 111 m off, and later a
    # stretch 100 m a step (50 m/s: no runner, GPS or car).
    lons = [2 + 0.00005 * i for i in range(40)]
    lons[10] += 0.001
    for i in range(25, 40):
        lons[i] = lons[24] + 0.0009 * (i - 24)
    times = [f"2021-03-01T07:{2 * i // 60:02d}:{2 * i % 60:02d}Z" for i in range(40)]
    points = "".join(_pt(1, lon, t) for lon, t in zip(lons, times, strict=True))
    run = parse_gpx(_doc(points), tz="UTC").samples["speed_mps"]
    assert run.iloc[9:12].isna().all()  # the jump's ends
    assert run.iloc[25:].isna().all()
    assert run.dropna().between(1.5, 3.0).all()  # the jump counts nothing: no spike
    ride = parse_gpx(_doc(points, track="<type>cycling</type>"), tz="UTC").samples["speed_mps"]
    assert ride.notna().all()
    assert ride.max() == pytest.approx(50, rel=0.01)


def test_distance_is_the_wgs84_geodesic_length(fixtures: Path) -> None:
    for name in (SMALL, NO_HR, "68d141b2-ef47-4476-bac5-fd72f4faf678.gpx"):
        path = _year(fixtures, name)
        points = [p for t in gpxpy.parse(_text(path)).tracks for s in t.segments for p in s.points]
        steps = [
            _vincenty(a.latitude, a.longitude, b.latitude, b.longitude)
            for a, b in itertools.pairwise(points)
        ]
        samples = read_gpx(path, tz="UTC").samples
        np.testing.assert_allclose(np.diff(samples["distance_m"]), steps, rtol=1e-7, atol=1e-6)
        assert samples["distance_m"].iloc[-1] == pytest.approx(sum(steps), rel=1e-7)


@pytest.mark.parametrize(
    ("lat1", "lon1", "lat2", "lon2"),
    [
        (0.0, 0.0, 0.0, 0.0001),  # 11 m along the equator
        (53.1, 8.85, 53.1001, 8.8501),  # Bremen, a step of 13 m
        (-8.09, -34.88, -8.08, -34.88),  # 1.1 km north
        (60.0, 10.0, 60.05, 10.1),  # 7.7 km: the longest local step
        (45.0, 7.0, 45.2, 7.1),  # 23 km: Lambert's formula
        (0.0, 0.0, 0.5, 0.5),  # 78 km
        (40.0, -74.0, 51.5, -0.1),  # New York to London
        (-33.9, 151.2, -33.9001, 151.2),  # southern hemisphere
        (10.0, 179.9999, 10.0, -179.9999),  # across the antimeridian: 22 m
    ],
)
def test_geodesic_steps_agree_with_vincenty(
    lat1: float, lon1: float, lat2: float, lon2: float
) -> None:
    ours = float(wgs84_steps(np.array([lat1, lat2]), np.array([lon1, lon2]))[0])
    reference = _vincenty(lat1, lon1, lat2, lon2)
    # Lambert's formula (long steps) is good to about 10 m over thousands of km.
    tolerance = 1e-6 * reference + (1e-4 * reference if reference > 10_000 else 1e-6)
    assert ours == pytest.approx(reference, abs=tolerance)


def test_polar_m400_file_reads(fixtures: Path) -> None:
    path = fixtures / "gpx" / POLAR
    text = _text(path)
    log = read_gpx(path, tz="Europe/Berlin")
    _conforms(log)
    assert len(log.sessions) == 1
    session = log.sessions.iloc[0]
    assert len(log.samples) == len(re.findall(r"<trkpt ", text)) == 3032
    assert session["sport"] == "run"
    assert session["start_utc"] == pd.Timestamp("2020-10-26T17:07:30Z")
    assert session["local_date"] == pd.Timestamp("2020-10-26")
    assert session["duration_s"] == pytest.approx(
        (
            pd.Timestamp(re.findall(r"<time>([^<]*)</time>", text)[-1]) - session["start_utc"]
        ).total_seconds()
    )
    assert session["distance_m"] == pytest.approx(gpxpy.parse(text).length_2d(), rel=0.005)
    assert pd.isna(session["title"])  # metadata holds only the author's name
    assert log.samples["hr_bpm"].isna().all()
    assert log.samples["altitude_m"].notna().all()
    assert [(e.status, e.sessions, e.format) for e in log.report] == [("ok", 1, "gpx")]


# --------------------------------------------------------------------------- variants


def test_gpx_1_0_reads_like_1_1(fixtures: Path, tmp_path: Path) -> None:
    path = _year(fixtures, SMALL)
    text = _text(path)
    old = text.replace(GPX11, "http://www.topografix.com/GPX/1/0").replace(
        'version="1.1"', 'version="1.0"'
    )
    # GPX 1.0 puts speed [m/s] straight into the point.
    old = old.replace("</time>", "</time>\n        <speed>2.5</speed>", 1)
    got = read_gpx(_write(tmp_path, "old.gpx", old), tz="UTC")
    want = read_gpx(path, tz="UTC")
    assert got.samples.loc[0, "speed_mps"] == 2.5
    pd.testing.assert_frame_equal(got.samples.iloc[1:], want.samples.iloc[1:])
    pd.testing.assert_frame_equal(
        got.sessions.drop(columns="source"), want.sessions.drop(columns="source")
    )


def test_trackpoint_extension_v2_under_another_prefix(fixtures: Path, tmp_path: Path) -> None:
    text = _text(_year(fixtures, SMALL)).replace(TPX1, TPX2).replace("gpxtpx", "ns3")
    text = text.replace(
        "</ns3:hr>",
        "</ns3:hr><ns3:cad>88</ns3:cad><ns3:atemp>21.5</ns3:atemp>"
        "<ns3:speed>3.2</ns3:speed><ns3:course>90</ns3:course>",
    )
    n_hr = text.count("<ns3:hr>")
    log = read_gpx(_write(tmp_path, "v2.gpx", text), tz="UTC")
    _conforms(log)
    samples = log.samples
    has_ext = samples["hr_bpm"].notna()
    assert has_ext.sum() == n_hr > 0
    assert (samples.loc[has_ext, "cadence_spm"] == 176.0).all()  # strides -> steps
    assert (samples.loc[has_ext, TEMPERATURE_COLUMN] == 21.5).all()
    assert (samples.loc[has_ext, "speed_mps"] == 3.2).all()
    assert samples.loc[has_ext, "step_m"].to_numpy() == pytest.approx(3.2 / (176 / 60))
    assert samples.loc[~has_ext, ["cadence_spm", TEMPERATURE_COLUMN]].isna().all().all()
    assert log.sessions.loc[0, "avg_cadence_spm"] == pytest.approx(176.0)
    assert list(samples.columns) == [*schema.columns("samples"), TEMPERATURE_COLUMN]


def test_cadence_of_other_sports_is_not_read(fixtures: Path, tmp_path: Path) -> None:
    text = _text(_year(fixtures, SMALL)).replace(
        "</gpxtpx:hr>", "</gpxtpx:hr><gpxtpx:cad>80</gpxtpx:cad>"
    )
    text = text.replace("<trkseg>", "<type>cycling</type><trkseg>", 1)
    log = read_gpx(_write(tmp_path, "ride.gpx", text), tz="UTC")
    assert log.sessions.loc[0, "sport"] == "cross"
    assert log.samples["cadence_spm"].isna().all()
    assert log.samples["hr_bpm"].notna().any()


def _points_of(text: str) -> tuple[str, list[str], str]:
    """A file's text before its first point, the points' texts, and the text after the last."""
    start = text.index("<trkpt")
    end = text.rindex("</trkpt>") + len("</trkpt>")
    points = re.findall(r"<trkpt .*?</trkpt>", text[start:end], flags=re.S)
    return text[:start], points, text[end:]


def test_segments_are_joined_and_the_gap_is_a_pause(fixtures: Path, tmp_path: Path) -> None:
    head, points, tail = _points_of(_text(_year(fixtures, SMALL)))
    first, second = points[:40], points[50:]
    joined = head + "".join(first) + "</trkseg><trkseg>" + "".join(second) + tail
    log = read_gpx(_write(tmp_path, "two-segments.gpx", joined), tz="UTC")
    one = read_gpx(_write(tmp_path, "first.gpx", head + "".join(first) + tail), tz="UTC")
    two = read_gpx(_write(tmp_path, "second.gpx", head + "".join(second) + tail), tz="UTC")
    _conforms(log)
    session = log.sessions.iloc[0]
    assert len(log.sessions) == 1
    assert len(log.samples) == 75
    # The jump between the segments is neither distance nor moving time.
    total = one.sessions.loc[0, "distance_m"] + two.sessions.loc[0, "distance_m"]
    assert session["distance_m"] == pytest.approx(total)
    moving = one.sessions.loc[0, "duration_s"] + two.sessions.loc[0, "duration_s"]
    assert session["moving_s"] == pytest.approx(moving)
    end_of_first = one.sessions.loc[0, "duration_s"]
    gap = two.sessions.loc[0, "start_utc"] - one.sessions.loc[0, "start_utc"]
    assert session["duration_s"] == pytest.approx(gap.total_seconds() + moving - end_of_first)
    assert session["duration_s"] > session["moving_s"]
    dist = log.samples["distance_m"].to_numpy()
    assert dist[40] == dist[39]  # no distance across the gap
    # Speeds are derived within each segment, as in the files of one segment.
    np.testing.assert_allclose(log.samples["speed_mps"][:40], one.samples["speed_mps"])
    np.testing.assert_allclose(log.samples["speed_mps"][40:], two.samples["speed_mps"])


def test_each_track_is_a_session(fixtures: Path, tmp_path: Path) -> None:
    head, points, tail = _points_of(_text(_year(fixtures, SMALL)))
    second = "<trk><name>Home</name><type>Cycling</type><desc>Ride home</desc><trkseg>"
    text = head + "".join(points[:40]) + "</trkseg></trk>" + second + "".join(points[40:]) + tail
    log = read_gpx(_write(tmp_path, "two-tracks.gpx", text), tz="UTC")
    _conforms(log)
    assert len(log.sessions) == 2
    assert log.sessions["sport"].tolist() == ["run", "cross"]
    assert log.sessions["notes"].isna().tolist() == [True, False]
    assert log.sessions.loc[1, "notes"] == "Ride home"
    assert log.sessions.loc[1, "title"] == "Home"
    counts = log.samples.groupby("session_id", sort=False).size()
    assert counts.tolist() == [40, 45]
    assert counts.index.tolist() == log.sessions["session_id"].tolist()
    firsts = log.samples.groupby("session_id", sort=False)["t_s"].first()
    assert firsts.tolist() == [0.0, 0.0]


def test_a_track_without_times_is_skipped_and_reported(fixtures: Path, tmp_path: Path) -> None:
    head, points, tail = _points_of(_text(_year(fixtures, SMALL)))
    timeless = [re.sub(r"<time>.*?</time>", "", p) for p in points[:10]]
    text = head + "".join(points) + "</trkseg></trk><trk><trkseg>" + "".join(timeless) + tail
    log = read_gpx(_write(tmp_path, "partial.gpx", text), tz="UTC")
    assert len(log.sessions) == 1
    assert len(log.samples) == 85
    [entry] = log.report
    assert (entry.status, entry.sessions) == ("partial", 1)
    assert "1 of 2 tracks" in (entry.message or "")


def test_points_without_a_time_are_left_out(fixtures: Path, tmp_path: Path) -> None:
    head, points, tail = _points_of(_text(_year(fixtures, SMALL)))
    points[5] = re.sub(r"<time>.*?</time>", "", points[5])
    log = read_gpx(_write(tmp_path, "gap.gpx", head + "".join(points) + tail), tz="UTC")
    assert len(log.samples) == 84


def test_leading_whitespace_and_bom(fixtures: Path, tmp_path: Path) -> None:
    path = _year(fixtures, SMALL)
    odd = tmp_path / "bom.gpx"
    odd.write_bytes(b"\xef\xbb\xbf \r\n\t " + path.read_bytes())
    _same(read_gpx(odd, tz="UTC"), read_gpx(path, tz="UTC"))


def test_gzip(fixtures: Path, tmp_path: Path) -> None:
    path = _year(fixtures, SMALL)
    packed = tmp_path / "run.gpx.gz"
    packed.write_bytes(gzip.compress(path.read_bytes()))
    want = read_gpx(path, tz="UTC")
    _same(read_gpx(packed, tz="UTC"), want)
    _same(parse_gpx(packed.read_bytes(), tz="UTC"), want)
    assert read_gpx(packed, tz="UTC").sessions.loc[0, "source"] == str(packed)


def test_no_times_fails_clearly(fixtures: Path, tmp_path: Path) -> None:
    text = re.sub(r"<time>.*?</time>", "", _text(_year(fixtures, SMALL)))
    path = _write(tmp_path, "no-times.gpx", text)
    with pytest.raises(LogFormatError, match="has no timestamps") as err:
        read_gpx(path)
    message = str(err.value)
    assert str(path) in message
    assert "has no timestamps; stridekit needs times to compute pace" in message
    assert "export the GPX with times" in message


def test_not_gpx_and_no_track_fail_clearly(tmp_path: Path) -> None:
    with pytest.raises(LogFormatError, match="not a GPX file"):
        parse_gpx(b"<TrainingCenterDatabase/>", source="x.tcx")
    route = f'<gpx xmlns="{GPX11}" version="1.1"><rte><rtept lat="1" lon="2"/></rte></gpx>'
    with pytest.raises(LogFormatError, match=r"has no track points") as err:
        read_gpx(_write(tmp_path, "route.gpx", route))
    assert "route.gpx" in str(err.value)
    with pytest.raises(LogFormatError, match="not well-formed"):
        parse_gpx(b'<gpx version="1.1"><trk>', source="cut.gpx")


BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE gpx [
  <!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
  <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
  <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
]>
<gpx xmlns="http://www.topografix.com/GPX/1/1" version="1.1"><trk><name>&c;</name><trkseg>
<trkpt lat="1" lon="2"><time>2020-01-01T00:00:00Z</time></trkpt></trkseg></trk></gpx>
"""
EXTERNAL = b"""<?xml version="1.0"?>
<!DOCTYPE gpx [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<gpx xmlns="http://www.topografix.com/GPX/1/1" version="1.1"><trk><name>&secret;</name><trkseg>
<trkpt lat="1" lon="2"><time>2020-01-01T00:00:00Z</time></trkpt></trkseg></trk></gpx>
"""


@pytest.mark.parametrize("data", [BOMB, EXTERNAL], ids=["entity-bomb", "external-entity"])
def test_entities_are_refused(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "hostile.gpx"
    path.write_bytes(data)
    with pytest.raises(UnsafeInputError, match="entities") as err:
        read_gpx(path)
    assert str(path) in str(err.value)
    with pytest.raises(UnsafeInputError):
        parse_gpx(data)


# --------------------------------------------------------------------------- small documents


def _doc(points: str, *, track: str = "", meta: str = "") -> bytes:
    return (
        f'<gpx xmlns="{GPX11}" xmlns:t="{TPX1}" version="1.1">{meta}'
        f"<trk>{track}<trkseg>{points}</trkseg></trk></gpx>"
    ).encode()


def _pt(lat: float, lon: float, time: str, extra: str = "") -> str:
    return f'<trkpt lat="{lat}" lon="{lon}"><time>{time}</time>{extra}</trkpt>'


@pytest.mark.parametrize(
    ("kind", "sport"),
    [
        (None, "run"),
        ("running", "run"),
        ("Run", "run"),
        ("9", "run"),
        ("trail running", "run"),
        ("TRAIL_RUNNING", "run"),
        ("VirtualRun", "run"),
        ("cycling", "cross"),
        ("biking", "cross"),
        ("1", "cross"),
        ("walking", "cross"),
    ],
)
def test_sport_from_type(kind: str | None, sport: str) -> None:
    track = "" if kind is None else f"<type>{kind}</type>"
    points = _pt(1, 2, "2021-03-01T07:00:00Z") + _pt(1.001, 2, "2021-03-01T07:01:00Z")
    log = parse_gpx(_doc(points, track=track), tz="UTC")
    assert log.sessions.loc[0, "sport"] == sport


def test_times_with_offsets_or_without_zone() -> None:
    offsets = _pt(1, 2, "2021-03-01T09:00:00+02:00") + _pt(1, 2.001, "2021-03-01T09:00:05.5+02:00")
    log = parse_gpx(_doc(offsets), tz="UTC")
    assert log.samples["time_utc"].tolist() == [
        pd.Timestamp("2021-03-01T07:00:00Z"),
        pd.Timestamp("2021-03-01T07:00:05.5Z"),
    ]
    assert log.samples["t_s"].tolist() == [0.0, 5.5]
    naive = _pt(1, 2, " 2021-03-01T07:00:00 ") + _pt(1, 2.001, "2021-03-01T07:00:05")
    log = parse_gpx(_doc(naive), tz="UTC")  # the GPX standard's times are UTC
    assert log.sessions.loc[0, "start_utc"] == pd.Timestamp("2021-03-01T07:00:00Z")
    assert log.samples["t_s"].tolist() == [0.0, 5.0]


@pytest.mark.parametrize(
    ("first", "tz", "day"),
    [
        # 01:30 at +02:00 is 23:30 UTC the day before: the file's own offset decides.
        ("2021-05-01T01:30:00+02:00", "UTC", "2021-05-01"),
        ("2021-05-01T01:30:00+02:00", "America/New_York", "2021-05-01"),
        ("2021-05-01T01:30:00+0200", "Asia/Tokyo", "2021-05-01"),
        ("2021-04-30T20:00:00.5-05:00", "Asia/Tokyo", "2021-04-30"),
        ("2021-05-01T05:30:00+05:30", "UTC", "2021-05-01"),
        # Z, a zero offset or no zone: the runner's time zone decides.
        ("2021-04-30T23:30:00Z", "UTC", "2021-04-30"),
        ("2021-04-30T23:30:00Z", "Asia/Tokyo", "2021-05-01"),
        ("2021-04-30T23:30:00+00:00", "Asia/Tokyo", "2021-05-01"),
        ("2021-04-30T23:30:00", "Asia/Tokyo", "2021-05-01"),
    ],
)
def test_local_date_from_the_files_own_offset(first: str, tz: str, day: str) -> None:
    later = "2021-05-01T23:59:00Z"
    log = parse_gpx(_doc(_pt(1, 2, first) + _pt(1, 2.001, later)), tz=tz)
    session = log.sessions.iloc[0]
    start = pd.Timestamp(first)
    start = start.tz_localize("UTC") if start.tzinfo is None else start.tz_convert("UTC")
    assert session["start_utc"] == start
    assert session["local_date"] == pd.Timestamp(day)


def test_local_date_title_and_notes_from_the_file() -> None:
    meta = "<metadata><name>Morning run</name><desc>Felt good</desc></metadata>"
    points = _pt(1, 2, "2021-03-01T20:00:00Z") + _pt(1, 2.001, "2021-03-01T20:10:00Z")
    log = parse_gpx(_doc(points, meta=meta), tz="Asia/Tokyo")
    session = log.sessions.iloc[0]
    assert session["local_date"] == pd.Timestamp("2021-03-02")
    assert (session["title"], session["notes"]) == ("Morning run", "Felt good")
    own = parse_gpx(_doc(points, meta=meta, track="<name>Own</name><desc>Mine</desc>"), tz="UTC")
    assert (own.sessions.loc[0, "title"], own.sessions.loc[0, "notes"]) == ("Own", "Mine")


def test_unreadable_numbers_are_missing_and_points_are_sorted() -> None:
    points = (
        _pt(1, 2.002, "2021-03-01T07:00:20Z", "<ele>n/a</ele>")
        + _pt(1, 2, "2021-03-01T07:00:00Z", "<ele> 12.5 </ele>")
        + _pt(
            1,
            2.001,
            "2021-03-01T07:00:10Z",
            "<extensions><t:TrackPointExtension>"
            "<t:hr>150</t:hr></t:TrackPointExtension></extensions>",
        )
    )
    log = parse_gpx(_doc(points), tz="UTC")
    samples = log.samples
    assert samples["t_s"].tolist() == [0.0, 10.0, 20.0]
    assert samples["lon_deg"].tolist() == [2, 2.001, 2.002]
    assert samples["altitude_m"].iloc[0] == 12.5
    assert samples["altitude_m"].iloc[1:].isna().all()
    assert samples["hr_bpm"].tolist()[1] == 150
    assert samples["distance_m"].is_monotonic_increasing
