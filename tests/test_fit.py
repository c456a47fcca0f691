"""The FIT reader against real files from other projects' test suites.

Expected values come from the CSV files published beside two of the recordings, from
fitdecode (an independent FIT decoder, used here as the reference) and from the fixtures'
documentation (lap and set counts), never from the reader's own output.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gzip
import random
import struct
import warnings
from pathlib import Path

import fitdecode
import numpy as np
import pandas as pd
import pytest
from conftest import assert_as_constructed

from stridekit.errors import LogFormatError, UnsafeInputError
from stridekit.io import fit
from stridekit.io.fit import fit_crc, parse_fit, read_fit
from stridekit.log import TrainingLog

FIT_EPOCH = pd.Timestamp("1989-12-31", tz="UTC")

NOT_ACTIVITIES = {
    "MonitoringFile.fit",
    "Settings.fit",
    "Settings2.fit",
    "nametest.FIT",
    "WeightScaleMultiUser.fit",
    "WeightScaleSingleUser.fit",
    "WorkoutCustomTargetValues.fit",
    "WorkoutIndividualSteps.fit",
    "WorkoutRepeatGreaterThanStep.fit",
    "WorkoutRepeatSteps.fit",
    "DeveloperData.fit",  # three records without a timestamp, no session
}


def _fit_dir(fixtures: Path) -> Path:
    return fixtures / "fit"


def _all_fit(fixtures: Path) -> list[Path]:
    folder = _fit_dir(fixtures)
    return sorted(p for p in folder.iterdir() if p.suffix.lower() == ".fit")


def _reference_records(path: Path) -> list[dict[str, object]]:
    """The ``record`` messages of ``path`` as fitdecode decodes them (up to any error)."""
    rows: list[dict[str, object]] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with fitdecode.FitReader(str(path), check_crc=fitdecode.CrcCheck.DISABLED) as reader:
            try:
                for frame in reader:
                    if isinstance(frame, fitdecode.FitDataMessage) and frame.name == "record":
                        row: dict[str, object] = {}
                        for f in frame.fields:  # components repeat names, often as None
                            if row.get(f.name) is None:
                                row[f.name] = f.value
                        rows.append(row)
            except fitdecode.FitError:
                pass
    return rows


def _num(value: object) -> float:
    return float(value) if isinstance(value, int | float) else np.nan


# --------------------------------------------------------------------------- every file


def test_every_activity_fixture_loads_with_samples(fixtures: Path) -> None:
    read = 0
    for path in _all_fit(fixtures):
        if path.name in NOT_ACTIVITIES:
            continue
        log = read_fit(path, tz="UTC").validate()
        assert len(log.sessions) >= 1, path.name
        assert len(log.samples) > 0, path.name
        assert log.report.entries[0].format == "fit"
        assert set(log.sessions["source_format"]) == {"fit"}
        assert_as_constructed(log)
        read += 1
    assert read == 29


@pytest.mark.parametrize("name", sorted(NOT_ACTIVITIES))
def test_files_without_an_activity_say_so(fixtures: Path, name: str) -> None:
    with pytest.raises(LogFormatError, match="no activity") as info:
        read_fit(_fit_dir(fixtures) / name)
    assert name in str(info.value)
    assert not isinstance(info.value, UnsafeInputError)


@pytest.mark.parametrize(
    ("name", "problem", "records"),
    [
        ("activity-filecrc.fit", "CRC", 14),
        ("activity-activity-filecrc.fit", "CRC", 28),
        ("activity-settings-corruptheader.fit", "not FIT data", 14),
        ("activity-settings-nodata.fit", "truncated", 14),
        ("activity-unexpected-eof.fit", "truncated", 14),
        ("nick.fit", "runs past the end", 14391),
        ("strava-android-app-201.10-b1218918.fit", "never defined", 473),
    ],
)
def test_damaged_files_give_their_readable_part(
    fixtures: Path, name: str, problem: str, records: int
) -> None:
    log = read_fit(_fit_dir(fixtures) / "invalid" / name, tz="UTC").validate()
    entry = log.report.entries[0]
    assert entry.status == "partial"
    assert entry.message is not None and problem in entry.message
    assert entry.sessions == len(log.sessions) >= 1
    assert (
        len(log.samples)
        == records
        == len(_reference_records(_fit_dir(fixtures) / "invalid" / name))
    )


def test_every_invalid_file_gives_a_result_or_a_clear_error(fixtures: Path) -> None:
    for path in sorted((_fit_dir(fixtures) / "invalid").iterdir()):
        try:
            log = read_fit(path)
        except LogFormatError as exc:
            assert str(path) in str(exc)
        else:
            log.validate()
            assert log.report.entries[0].status in ("ok", "partial")


def test_truncations_at_every_length_never_crash(fixtures: Path) -> None:
    data = (_fit_dir(fixtures) / "garmin-fenix-5-run.fit").read_bytes()
    for cut in range(0, len(data), 97):
        try:
            log = parse_fit(data[:cut], source="cut.fit", tz="UTC")
        except LogFormatError as exc:
            assert "cut.fit" in str(exc)
        else:
            log.validate()
            assert log.report.entries[0].status == "partial"


def test_random_damage_never_crashes(fixtures: Path) -> None:
    data = bytearray((_fit_dir(fixtures) / "fr45_run_8laps_1km_autolap.fit").read_bytes())
    rng = random.Random(7)
    for _ in range(40):
        damaged = bytearray(data)
        for _ in range(5):
            damaged[rng.randrange(14, len(damaged))] = rng.randrange(256)
        try:
            parse_fit(bytes(damaged), source="damaged.fit", tz="UTC").validate()
        except LogFormatError as exc:
            assert "damaged.fit" in str(exc)


def test_not_fit_and_empty_bytes_are_refused() -> None:
    with pytest.raises(LogFormatError, match="not a FIT file"):
        parse_fit(b"<?xml version='1.0'?><gpx/>" * 3, source="x.fit")
    with pytest.raises(LogFormatError, match="too short"):
        parse_fit(b"", source="x.fit")


def test_a_header_claiming_gigabytes_is_read_as_truncated(fixtures: Path) -> None:
    data = bytearray((_fit_dir(fixtures) / "Activity.fit").read_bytes())
    assert data[0] == 12  # no header CRC to contradict the size
    data[4:8] = struct.pack("<I", 0xFFFF_FFF0)
    log = parse_fit(bytes(data), source="huge.fit", tz="UTC")
    assert log.report.entries[0].status == "partial"
    assert "truncated" in (log.report.entries[0].message or "")
    assert len(log.samples) == 14


def test_too_many_messages_are_refused(fixtures: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fit, "MAX_MESSAGES", 100)
    with pytest.raises(UnsafeInputError, match="MAX_MESSAGES"):
        read_fit(_fit_dir(fixtures) / "fr45_run_8laps_1km_autolap.fit")


def test_gzip_and_bytes_give_the_same_log(fixtures: Path, tmp_path: Path) -> None:
    src = _fit_dir(fixtures) / "garmin-fenix-5-run.fit"
    packed = tmp_path / "run.fit.gz"
    packed.write_bytes(gzip.compress(src.read_bytes()))
    a, b = read_fit(src, tz="UTC"), read_fit(packed, tz="UTC")
    pd.testing.assert_frame_equal(a.samples, b.samples)
    pd.testing.assert_frame_equal(
        a.sessions.drop(columns="source"), b.sessions.drop(columns="source")
    )


# --------------------------------------------------------------------------- CRC


def _crc_sdk(data: bytes) -> int:
    """The FIT SDK's CRC-16, nibble by nibble, as in its C and Python examples."""
    table = [
        0x0000, 0xCC01, 0xD801, 0x1400, 0xF001, 0x3C00, 0x2800, 0xE401,
        0xA001, 0x6C00, 0x7800, 0xB401, 0x5000, 0x9C01, 0x8801, 0x4400,
    ]  # fmt: skip
    crc = 0
    for byte in data:
        tmp = table[crc & 0xF]
        crc = ((crc >> 4) & 0x0FFF) ^ tmp ^ table[byte & 0xF]
        tmp = table[crc & 0xF]
        crc = ((crc >> 4) & 0x0FFF) ^ tmp ^ table[(byte >> 4) & 0xF]
    return crc


def test_crc_matches_the_sdk_algorithm() -> None:
    rng = random.Random(3)
    for n in [0, 1, 2, 3, 13, 14, 63, 64, 65, 127, 128, 129, 1000, 4097, 20_001]:
        data = bytes(rng.randrange(256) for _ in range(n))
        assert fit_crc(data) == _crc_sdk(data), n


def test_crcs_of_ranges_match_the_sdk_algorithm() -> None:
    rng = random.Random(5)
    data = bytes(rng.randrange(256) for _ in range(20_000))
    for _ in range(60):
        ranges = []
        for _ in range(rng.randrange(1, 8)):
            a = rng.randrange(len(data))
            b = min(len(data), a + rng.choice([0, 1, 14, 31, 32, 33, 500, 4000, 20_000]))
            ranges.append((a, b))
        assert fit.fit_crcs(data, ranges) == [_crc_sdk(data[a:b]) for a, b in ranges], ranges


def test_crc_of_a_whole_valid_file_is_zero(fixtures: Path) -> None:
    data = (_fit_dir(fixtures) / "activity-large-fenxi2-multisport.fit").read_bytes()
    assert fit_crc(data) == 0
    assert fit_crc(data[:-2]) == int.from_bytes(data[-2:], "little")
    # The seven chained files of the fr935 file, each with its own CRC, in one pass.
    data = (_fit_dir(fixtures) / "garmin-fr935-cr.fit").read_bytes()
    ranges, pos = [], 0
    while pos < len(data):
        end = pos + data[pos] + int.from_bytes(data[pos + 4 : pos + 8], "little") + 2
        ranges.append((pos, end))
        pos = end
    assert len(ranges) == 7
    assert fit.fit_crcs(data, ranges) == [0] * 7


# --------------------------------------------------------------------------- field values


def test_fenix5_records_match_the_published_csv(fixtures: Path) -> None:
    folder = _fit_dir(fixtures)
    expected = pd.read_csv(folder / "garmin-fenix-5-run-records.csv")
    samples = read_fit(folder / "garmin-fenix-5-run.fit", tz="UTC").samples
    assert len(samples) == len(expected)
    times = pd.to_datetime(
        expected["timestamp"].str.replace(" PDT ", " "), format="%a %b %d %H:%M:%S %Y"
    )
    utc = (times + pd.Timedelta(hours=7)).dt.tz_localize("UTC")
    assert (samples["time_utc"].to_numpy() == utc.to_numpy()).all()
    np.testing.assert_allclose(samples["hr_bpm"], expected["heart_rate"])
    np.testing.assert_allclose(samples["speed_mps"], expected["speed"], atol=1e-9)
    np.testing.assert_allclose(samples["distance_m"], expected["distance"], atol=1e-9)
    np.testing.assert_allclose(samples["altitude_m"], expected["altitude"], atol=1e-6)
    semicircle = 180 / 2**31
    np.testing.assert_allclose(samples["lat_deg"], expected["position_lat"] * semicircle)
    np.testing.assert_allclose(samples["lon_deg"], expected["position_long"] * semicircle)
    # The CSV has whole strides per minute; the reader adds the fractional part, in steps.
    strides = samples["cadence_spm"].to_numpy() / 2
    assert (np.floor(strides) == expected["cadence"].to_numpy()).all()
    assert ((strides - np.floor(strides)) < 1).all()
    t_s = (utc - utc.iloc[0]).dt.total_seconds().to_numpy()
    np.testing.assert_allclose(samples["t_s"], t_s)


def test_compressed_timestamps_and_speed_distance_match_the_published_csv(
    fixtures: Path,
) -> None:
    folder = _fit_dir(fixtures)
    expected = pd.read_csv(folder / "compressed-speed-distance-records.csv", na_values="null")
    expected.columns = [c.strip() for c in expected.columns]
    log = read_fit(folder / "compressed-speed-distance.fit", tz="UTC").validate()
    # The first record holds only a timestamp; the CSV starts at the second.
    samples = log.samples.iloc[1:].reset_index(drop=True)
    assert (
        len(samples)
        == len(expected)
        == len(_reference_records(folder / "compressed-speed-distance.fit")) - 1
    )
    # The CSV's times count from the watch's power-on; the reader dates them (see
    # test_power_on_times_without_an_anchor_are_dated_by_the_local_time).
    shift = samples["time_utc"].iloc[0] - (
        FIT_EPOCH + pd.Timedelta(seconds=expected["Timestamp"][0])
    )
    stamps = FIT_EPOCH + pd.to_timedelta(expected["Timestamp"], unit="s") + shift
    assert (samples["time_utc"].to_numpy() == stamps.to_numpy()).all()
    np.testing.assert_allclose(samples["hr_bpm"], expected["Heart Rate [bpm]"])
    np.testing.assert_allclose(samples["speed_mps"], expected["Speed [m/s]"], atol=1e-9)
    np.testing.assert_allclose(samples["distance_m"], expected["Distance [m]"], atol=1e-9)
    np.testing.assert_allclose(
        samples["cadence_spm"], 2 * expected["Cadence [rpm]"], atol=1e-9, equal_nan=True
    )
    assert log.sessions["sport"].tolist() == ["run"]


@pytest.mark.parametrize(
    "name",
    [
        "2013-02-06-12-11-14.fit",
        "activity-small-fenix2-run.fit",
        "coros-pace-2-cycling-misaligned-fields.fit",
        "developer-types-sample.fit",
        "event_timestamp.fit",
        "fr965_multisport_strength_run_strength.fit",
        "garmin-edge-500-activity.fit",
        "garmin-fr935-cr.fit",
        "null_compressed_speed_dist.fit",
        "sample_mulitple_header.fit",
    ],
)
def test_records_match_fitdecode(fixtures: Path, name: str) -> None:
    path = _fit_dir(fixtures) / name
    reference = _reference_records(path)
    samples = read_fit(path, tz="UTC").samples
    assert len(samples) == len(reference)

    def column(*names: str) -> np.ndarray:
        out = np.full(len(reference), np.nan)
        for key in reversed(names):  # the first name wins where it has a value
            values = np.array([_num(r.get(key)) for r in reference])
            out = np.where(np.isnan(values), out, values)
        return out

    stamps = [r.get("timestamp") for r in reference]
    seconds = np.array([s.timestamp() if isinstance(s, dt.datetime) else np.nan for s in stamps])
    mine = samples["time_utc"].astype("int64").to_numpy() / 1e9
    np.testing.assert_allclose(mine, seconds)
    np.testing.assert_allclose(samples["hr_bpm"], column("heart_rate"))
    np.testing.assert_allclose(samples["distance_m"], column("distance"), atol=1e-9)
    np.testing.assert_allclose(samples["speed_mps"], column("enhanced_speed", "speed"), atol=1e-9)
    np.testing.assert_allclose(
        samples["altitude_m"], column("enhanced_altitude", "altitude"), atol=1e-9
    )
    semicircle = 180 / 2**31
    np.testing.assert_allclose(samples["lat_deg"], column("position_lat") * semicircle)


# --------------------------------------------------------------------------- laps, sets


def test_forerunner_110_five_laps(fixtures: Path) -> None:
    log = read_fit(_fit_dir(fixtures) / "2013-02-06-12-11-14.fit", tz="UTC").validate()
    laps = log.laps
    assert len(laps) == 5
    assert laps["lap_index"].tolist() == [0, 1, 2, 3, 4]
    np.testing.assert_allclose(laps["distance_m"][:4], 1000.0)
    assert laps["trigger"].tolist() == ["distance"] * 4 + ["manual"]
    assert set(laps["intensity"]) == {"active"}
    assert laps["distance_m"].sum() == pytest.approx(log.sessions["distance_m"].iloc[0])
    assert laps["start_s"].iloc[0] == 0
    assert laps["start_s"].is_monotonic_increasing
    assert log.sessions["sport"].tolist() == ["run"]


def test_forerunner_45_eight_autolaps(fixtures: Path) -> None:
    log = read_fit(_fit_dir(fixtures) / "fr45_run_8laps_1km_autolap.fit", tz="UTC").validate()
    laps = log.laps
    assert len(laps) == 8
    np.testing.assert_allclose(laps["distance_m"][:7], 1000.0)
    assert laps["trigger"].tolist() == ["distance"] * 7 + ["session_end"]
    assert laps["distance_m"].sum() == pytest.approx(log.sessions["distance_m"].iloc[0])
    np.testing.assert_allclose(
        laps["avg_speed_mps"], laps["distance_m"] / laps["duration_s"], rtol=1e-12
    )
    # Running cadence in steps: between 150 and 190 on the full laps of this run.
    assert laps["avg_cadence_spm"][:7].between(150, 190).all()
    samples = log.samples
    assert samples["cadence_spm"].max() < 250
    moving = samples["cadence_spm"] > 0
    step = samples["speed_mps"][moving] / (samples["cadence_spm"][moving] / 60)
    np.testing.assert_allclose(samples["step_m"][moving], step)


@pytest.mark.parametrize(
    ("name", "active", "rests"),
    [("fr965_strength_27sets.fit", 14, 13), ("fr965_strength_76sets.fit", 38, 38)],
)
def test_strength_sets(fixtures: Path, name: str, active: int, rests: int) -> None:
    log = read_fit(_fit_dir(fixtures) / name, tz="UTC").validate()
    assert log.sessions["sport"].tolist() == ["strength"]
    sets = log.sets
    assert len(sets) == active
    assert sets["set_index"].tolist() == list(range(active))
    assert sets["rest_s"].notna().sum() == rests
    assert (sets["duration_s"] > 0).all()
    assert (sets["weight_kg"] >= 0).all()
    assert sets["reps"].dtype == "Int64"
    named = sets["exercise"].dropna()
    assert len(named) > 0
    assert named.str.fullmatch(r"[a-z_]+").all()
    first = sets["category"].dropna().str.split(",").str[0]
    assert first.isin(list(fit.P.EXERCISE_CATEGORY.values())).all()
    assert log.samples["cadence_spm"].isna().all()


def test_multisport_strength_files_split_sets_by_session(fixtures: Path) -> None:
    log = read_fit(
        _fit_dir(fixtures) / "fr965_multisport_strength_run_strength.fit", tz="UTC"
    ).validate()
    assert log.sessions["sport"].tolist() == ["strength", "run", "strength"]
    run_id = log.sessions["session_id"].iloc[1]
    assert not (log.sets["session_id"] == run_id).any()
    assert log.sets["session_id"].nunique() == 2
    run_samples = log.samples[log.samples["session_id"] == run_id]
    assert run_samples["cadence_spm"].notna().any()
    assert log.samples.loc[log.samples["session_id"] != run_id, "cadence_spm"].isna().all()


# --------------------------------------------------------------------------- multisport


def test_multisport_sessions_and_record_assignment(fixtures: Path) -> None:
    path = _fit_dir(fixtures) / "activity-large-fenxi2-multisport.fit"
    log = read_fit(path, tz="UTC").validate()
    sessions = log.sessions
    assert len(sessions) == 7
    assert sessions["sport"].tolist() == ["cross", "cross", "run", "cross", "run", "cross", "cross"]
    counts = log.samples.groupby("session_id").size()
    assert counts.sum() == len(log.samples) == 24_239 == len(_reference_records(path))
    assert set(counts.index) == set(sessions["session_id"])
    # A record whose time lies in a session's window belongs to the last such session.
    start = sessions["start_utc"]
    end = start + pd.to_timedelta(sessions["duration_s"], unit="s")
    times = log.samples["time_utc"]
    for i in range(1, len(sessions)):
        next_start = start.iloc[i + 1] if i + 1 < len(sessions) else end.iloc[i]
        inside = (times >= start.iloc[i]) & (times < min(end.iloc[i], next_start))
        assert (log.samples.loc[inside, "session_id"] == sessions["session_id"].iloc[i]).all()
    assert (
        log.samples.groupby("session_id")["t_s"].max()
        <= sessions.set_index("session_id")["duration_s"] + 5
    ).all()


def test_chained_files_are_all_read(fixtures: Path) -> None:
    log = read_fit(_fit_dir(fixtures) / "sample_mulitple_header.fit", tz="UTC").validate()
    assert log.report.entries[0].status == "ok"
    assert log.sessions["sport"].tolist() == ["cross", "cross", "cross", "cross", "run"]
    assert len(log.laps) == 5
    twice = read_fit(_fit_dir(fixtures) / "invalid" / "activity-activity-filecrc.fit", tz="UTC")
    assert len(twice.sessions) == 2
    assert twice.sessions["session_id"].is_unique
    assert twice.samples.groupby("session_id").size().tolist() == [14, 14]


def test_chained_files_in_reverse_time_order_give_ascending_sessions(fixtures: Path) -> None:
    # A 2019 run chained after a 2008 one written later: sessions come out ascending, each
    # with its own samples, as for any log (the reader sorts what it cannot build in order).
    older = (_fit_dir(fixtures) / "Activity.fit").read_bytes()
    newer = (_fit_dir(fixtures) / "garmin-fenix-5-bike.fit").read_bytes()
    log = parse_fit(newer + older, tz="UTC").validate()
    alone = [
        read_fit(_fit_dir(fixtures) / n, tz="UTC")
        for n in ("Activity.fit", "garmin-fenix-5-bike.fit")
    ]
    assert log.sessions["start_utc"].is_monotonic_increasing
    assert log.sessions["start_utc"].tolist() == [a.sessions["start_utc"].iloc[0] for a in alone]
    counts = log.samples.groupby("session_id", sort=False).size()
    assert counts[log.sessions["session_id"]].tolist() == [len(a.samples) for a in alone]
    assert_as_constructed(log)


def _activity_offset_s(path: Path) -> float:
    """``activity.local_timestamp - activity.timestamp`` as fitdecode reads them [s]."""
    with warnings.catch_warnings(), fitdecode.FitReader(str(path)) as reader:
        warnings.simplefilter("ignore")
        for frame in reader:
            if isinstance(frame, fitdecode.FitDataMessage) and frame.name == "activity":
                local = frame.get_raw_value("local_timestamp")
                utc = frame.get_raw_value("timestamp")
                return float(local - utc)
    raise AssertionError(f"{path.name} has no activity message")


def test_local_date_uses_the_files_own_offset_before_tz(fixtures: Path) -> None:
    path = _fit_dir(fixtures) / "fr965_strength_27sets.fit"
    offset = pd.Timedelta(seconds=_activity_offset_s(path))
    assert offset == pd.Timedelta(hours=3)
    for tz in (None, "UTC", "Asia/Tokyo"):
        sessions = read_fit(path, tz=tz).sessions
        start = sessions["start_utc"].iloc[0]
        own = (start + offset).tz_localize(None).normalize()
        assert sessions["local_date"].iloc[0] == own, tz
    # 17:44 UTC is 20:44 at the file's +3h and the next day in Tokyo: the offset decided.
    assert own != start.tz_convert("Asia/Tokyo").tz_localize(None).normalize()


def test_local_date_uses_tz_when_the_file_has_no_offset(fixtures: Path) -> None:
    path = _fit_dir(fixtures) / "2013-02-06-12-11-14.fit"
    with pytest.raises(KeyError):  # fitdecode: the activity has no local_timestamp
        _activity_offset_s(path)
    days = set()
    for tz in ("Pacific/Kiritimati", "Pacific/Pago_Pago"):
        sessions = read_fit(path, tz=tz).sessions
        start = sessions["start_utc"].iloc[0]
        local = start.tz_convert(tz).tz_localize(None).normalize()
        assert sessions["local_date"].iloc[0] == local
        days.add(local)
    assert len(days) == 2


def test_log_is_a_training_log(fixtures: Path) -> None:
    log = read_fit(_fit_dir(fixtures) / "Activity.fit", tz="UTC")
    assert isinstance(log, TrainingLog)
    assert log.sessions["session_id"].iloc[0] == log.samples["session_id"].iloc[0]


# --------------------------------------------------------------------------- time


def _define(local: int, global_num: int, fields: list[tuple[int, int, int]]) -> bytes:
    """A little-endian definition message; ``fields`` are (number, size, base type)."""
    head = struct.pack("<BBBHB", 0x40 | local, 0, 0, global_num, len(fields))
    return head + b"".join(struct.pack("BBB", *f) for f in fields)


def _data(local: int, fmt: str, *values: int) -> bytes:
    return struct.pack("<B" + fmt, local, *values)


def _fit_file(*messages: bytes) -> bytes:
    """A FIT file (12-byte header, no header CRC) of ``messages``, with its CRC."""
    body = b"".join(messages)
    data = struct.pack("<BBHI4s", 12, 0x20, 2132, len(body), b".FIT") + body
    return data + struct.pack("<H", fit_crc(data))


_UINT32_NONE = 0xFFFF_FFFF
_POWER_ON = 5_000_000  # a watch's seconds since power-on at the run's start [s]
_UTC_START = 1_000_000_000  # the same instant, seconds since the FIT epoch (2021-09-08)


def _power_on_run(
    *, correlation: bool = False, switch_at: int | None = None, early: int = 0, stray: int = 0
) -> bytes:
    """A 60 s run timed from the watch's power-on, with a pause from 20 s to 40 s.

    ``correlation`` adds a ``timestamp_correlation``; ``switch_at`` makes the records from
    that second on carry UTC (as a watch does once GPS tells it the time); ``early`` starts
    the records that many seconds before the session's ``start_time``; ``stray`` adds a
    first record that many seconds before it (a bad clock). The session has no
    ``total_timer_time``; the activity records the runner's UTC offset, +2 h, in UTC terms.
    """
    t0 = _POWER_ON
    out = [
        _define(0, 0, [(0, 1, 0x00), (4, 4, 0x86)]),
        _data(0, "BI", 4, t0),
        _define(1, 21, [(253, 4, 0x86), (0, 1, 0x00), (1, 1, 0x00)]),
        _define(2, 20, [(253, 4, 0x86), (3, 1, 0x02), (5, 4, 0x86)]),
    ]
    if correlation:
        out += [
            _define(3, 162, [(253, 4, 0x86), (1, 4, 0x86)]),
            _data(3, "II", _UTC_START + 3, t0 + 3),
        ]
    events = {0: 0, 20: 1, 40: 0, 59: 4}  # second -> timer start / stop / stop_all
    if stray:
        out.append(_data(2, "IBI", t0 - stray, 100, 0))
    for s in range(-early, 60):
        when = t0 + s
        if switch_at is not None and s >= switch_at:
            when = _UTC_START + s
        if s in events:
            out.append(_data(1, "IBB", when, 0, events[s]))
        out.append(_data(2, "IBI", when, 120 + s, 100 * (s + early)))
    end = t0 + 59 if switch_at is None else _UTC_START + 59
    out += [
        _define(4, 18, [(253, 4, 0x86), (2, 4, 0x86), (7, 4, 0x86), (8, 4, 0x86), (5, 1, 0x00)]),
        _data(4, "IIIIB", end, t0, 59_000, _UINT32_NONE, 1),
        _define(5, 34, [(253, 4, 0x86), (5, 4, 0x86)]),
        _data(5, "II", end, _UTC_START + 59 + 7200),
    ]
    return _fit_file(*out)


def _fitdecode_bytes(data: bytes) -> list[fitdecode.FitDataMessage]:
    """The data messages fitdecode reads in ``data``, up to any error."""
    out = []
    with warnings.catch_warnings(), fitdecode.FitReader(data) as reader:
        warnings.simplefilter("ignore")
        with contextlib.suppress(fitdecode.FitError):
            out += [f for f in reader if isinstance(f, fitdecode.FitDataMessage)]
    return out


def test_power_on_times_are_dated_by_the_timestamp_correlation() -> None:
    data = _power_on_run(correlation=True)
    messages = _fitdecode_bytes(data)
    correlation = next(m for m in messages if m.name == "timestamp_correlation")
    utc = correlation.get_raw_value("timestamp")
    system = correlation.get_raw_value("system_timestamp")
    log = parse_fit(data, source="corr.fit").validate()
    assert log.report.entries[0].status == "ok"
    record_times = [m.get_raw_value("timestamp") for m in messages if m.name == "record"]
    expected = FIT_EPOCH + pd.to_timedelta(np.array(record_times) - system + utc, unit="s")
    assert (log.samples["time_utc"].to_numpy() == expected.to_numpy()).all()
    assert log.sessions["start_utc"].iloc[0] == FIT_EPOCH + pd.Timedelta(seconds=_UTC_START)
    # The activity's offset (+2 h) holds once the activity's own time is dated too.
    local = FIT_EPOCH + pd.Timedelta(seconds=_UTC_START, hours=2)
    assert log.sessions["local_date"].iloc[0] == local.tz_localize(None).normalize()


def test_power_on_times_are_dated_by_the_first_absolute_timestamp() -> None:
    log = parse_fit(_power_on_run(switch_at=30), source="switch.fit").validate()
    times = log.samples["time_utc"]
    assert times.iloc[0] == FIT_EPOCH + pd.Timedelta(seconds=_UTC_START)
    assert (times.diff().dropna() == pd.Timedelta(seconds=1)).all()  # no jump at the switch
    assert log.sessions["start_utc"].iloc[0].year == 2021


def test_power_on_times_without_an_anchor_are_dated_by_the_local_time(fixtures: Path) -> None:
    # Two Forerunner files whose every date_time counts from power-on: no correlation, no
    # absolute time_created; only the activity's local_timestamp is a date.
    for name in ("compressed-speed-distance.fit", "antfs-dump.63.fit"):
        path = _fit_dir(fixtures) / name
        messages = _fitdecode_bytes(path.read_bytes())
        assert all(
            m.get_raw_value("timestamp") < 0x1000_0000
            for m in messages
            if m.name == "record" and m.get_raw_value("timestamp") is not None
        )
        activity = next(m for m in messages if m.name == "activity")
        local = activity.get_raw_value("local_timestamp")
        shift = local - activity.get_raw_value("timestamp")
        for tz, hours in (("UTC", 0), ("Asia/Tokyo", 9)):
            log = read_fit(path, tz=tz).validate()
            assert log.report.entries[0].status == "ok"
            first = next(m for m in messages if m.name == "record")
            when = FIT_EPOCH + pd.Timedelta(
                seconds=first.get_raw_value("timestamp") + shift - hours * 3600
            )
            assert log.samples["time_utc"].iloc[0] == when, (name, tz)
            assert log.sessions["local_date"].iloc[0] == pd.Timestamp("2012-02-13")


def test_moving_time_comes_from_timer_events_when_the_session_lacks_it() -> None:
    log = parse_fit(_power_on_run(correlation=True), source="pause.fit").validate()
    session = log.sessions.iloc[0]
    assert session["duration_s"] == 59.0
    assert session["moving_s"] == 20.0 + 19.0  # running 0-20 s and 40-59 s
    # The pause does not stop the wall clock: t_s is time since the start, pauses included.
    samples = log.samples
    np.testing.assert_array_equal(samples["t_s"], np.arange(60.0))
    since = (samples["time_utc"] - session["start_utc"]).dt.total_seconds()
    np.testing.assert_array_equal(samples["t_s"], since)


def _timer_s_fitdecode(path: Path) -> float:
    """The timer's running time from the file's timer events, as fitdecode reads them [s]."""
    running, total = None, 0.0
    for m in _fitdecode_bytes(path.read_bytes()):
        if m.name != "event" or m.get_raw_value("event") != 0:
            continue
        t, kind = m.get_raw_value("timestamp"), m.get_raw_value("event_type")
        if kind == 0 and running is None:
            running = t
        elif kind in (1, 4, 8, 9) and running is not None:
            total, running = total + t - running, None
    return total


def test_timer_events_of_paused_rides_match_the_recorded_timer_time(
    fixtures: Path, tmp_path: Path
) -> None:
    for name in ("garmin-edge-500-activity.fit", "2019-02-17-062644-ELEMNT-297E-195-0.fit"):
        path = _fit_dir(fixtures) / name
        recorded = read_fit(path, tz="UTC").sessions.iloc[0]
        assert recorded["moving_s"] < recorded["duration_s"] - 1800  # long pauses
        # The same file with the session's total_timer_time made invalid.
        data = bytearray(path.read_bytes())
        scan = fit._scan(bytes(data), name)
        (i,) = [k for k, lid in enumerate(scan.layout) if scan.layouts[lid].global_num == 18]
        offset, size, _ = scan.layouts[scan.layout[i]].fields[8]
        at = int(scan.starts[i]) + 1 + offset
        data[at : at + size] = b"\xff" * size
        data[-2:] = struct.pack("<H", fit_crc(bytes(data[:-2])))
        patched = tmp_path / name
        patched.write_bytes(bytes(data))
        session = read_fit(patched, tz="UTC").sessions.iloc[0]
        assert session["moving_s"] == _timer_s_fitdecode(path)
        assert session["moving_s"] == pytest.approx(recorded["moving_s"], abs=1.0)
        assert session["duration_s"] == recorded["duration_s"]


def test_pauses_do_not_break_wall_clock_t_s(fixtures: Path) -> None:
    path = _fit_dir(fixtures) / "garmin-edge-500-activity.fit"
    log = read_fit(path, tz="UTC").validate()
    samples, session = log.samples, log.sessions.iloc[0]
    since = (samples["time_utc"] - session["start_utc"]).dt.total_seconds()
    np.testing.assert_array_equal(samples["t_s"], since)
    assert samples["t_s"].is_monotonic_increasing
    assert samples["t_s"].diff().max() > 60  # a pause: the clock ran on
    assert samples["t_s"].max() <= session["duration_s"] + 1


def test_a_file_without_session_takes_moving_time_from_its_timer_events(
    fixtures: Path,
) -> None:
    path = _fit_dir(fixtures) / "invalid" / "nick.fit"
    session = read_fit(path, tz="UTC").sessions.iloc[0]
    stops = _timer_s_fitdecode(path)  # the last start has no stop: the file is cut short
    assert stops < session["moving_s"] < session["duration_s"]


def test_records_before_the_first_session_extend_its_start(fixtures: Path) -> None:
    path = _fit_dir(fixtures) / "activity-large-fenxi2-multisport.fit"
    log = read_fit(path, tz="UTC").validate()
    first = log.sessions.iloc[0]
    reference = _reference_records(path)
    assert first["start_utc"] == pd.Timestamp(reference[0]["timestamp"])
    assert (log.samples["t_s"] >= 0).all()
    assert (log.laps["start_s"] >= 0).all()
    assert log.laps["start_s"].iloc[0] == 0
    mine = log.samples[log.samples["session_id"] == first["session_id"]]
    assert mine["t_s"].max() <= first["duration_s"] + 5

    log = parse_fit(_power_on_run(correlation=True, early=5), source="early.fit").validate()
    session = log.sessions.iloc[0]
    assert session["start_utc"] == FIT_EPOCH + pd.Timedelta(seconds=_UTC_START - 5)
    np.testing.assert_array_equal(log.samples["t_s"], np.arange(65.0))

    # A record days before the start is a bad clock: the start stays where the file says.
    days = 3 * 86400
    log = parse_fit(_power_on_run(correlation=True, stray=days), source="stray.fit").validate()
    assert log.sessions["start_utc"].iloc[0] == FIT_EPOCH + pd.Timedelta(seconds=_UTC_START)
    np.testing.assert_array_equal(log.samples["t_s"], np.r_[-days, np.arange(60.0)])
