"""Fuzzing the readers: a short deterministic run of every target, and the crashes it found.

The short run fuzzes each reader of :mod:`fuzz.targets` in a process of its own
(``python -m fuzz.harness``: atheris, coverage-guided, when installed; else the harness's
deterministic byte mutator) for a fixed number of inputs from a fixed seed, and fails when
any input made a reader raise anything but stridekit's own errors or exceed the memory bound
(:data:`fuzz.harness.MEMORY_BOUND`, tracemalloc peak per input). ``make fuzz`` is the long
run. The regression tests below are the crashes fuzzing found, each rebuilt here as a small
input (none is a copy of a third-party file).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import struct
import subprocess
import sys
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from conftest import IN_CI, ROOT, need_fixtures

from stridekit import load_log
from stridekit.errors import LogFormatError, StridekitError, UnknownFormatError
from stridekit.io import safety
from stridekit.io.csvlog import parse_sets_csv, sniff_csv
from stridekit.io.garmin import is_garmin_export, read_garmin_export
from stridekit.io.gpx import parse_gpx
from stridekit.io.loader import parse_activity
from stridekit.io.strava import is_strava_export, read_strava_export
from stridekit.io.tcx import parse_tcx

sys.path.insert(0, str(ROOT))
from fuzz.harness import MEMORY_BOUND
from fuzz.targets import TARGETS

# Inputs per target in the short run (libFuzzer counts the seeds among them): two to five
# CPU seconds each, about two minutes for all on two loaded cores.
RUNS = {
    "fit": 120,
    "gpx": 300,
    "tcx": 300,
    "csvlog": 150,
    "strava-csv": 50,
    "strava-zip": 120,
    "garmin-json": 120,
    "garmin-zip": 200,
    "gzip": 800,
    "zip": 200,
    "activity": 200,
}


def test_every_target_has_a_short_run() -> None:
    assert set(RUNS) == set(TARGETS)


def _engine() -> str:
    try:
        import atheris  # noqa: F401
    except ImportError:
        if IN_CI:
            pytest.fail("CI must fuzz coverage-guided: atheris is in the test extras")
        return "mutate"
    return "atheris"


@pytest.mark.parametrize("target", sorted(RUNS))
def test_short_fuzz_run(target: str, tmp_path: Path) -> None:
    need_fixtures()  # the seeds
    out = tmp_path / target
    cmd = [sys.executable, "-m", "fuzz.harness", target, "--out", str(out)]
    cmd += ["--engine", _engine(), "--runs", str(RUNS[target]), "--seed", "1"]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONHASHSEED": "0"}  # same run each time
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    stats = json.loads((out / "stats.json").read_text())
    crashes = {k: v["error"] for k, v in stats["kinds"].items()}
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert stats["crashes"] == 0, crashes
    assert stats["memory_overruns"] == 0
    assert stats["max_peak"] <= MEMORY_BOUND
    assert stats["inputs"] >= RUNS[target] * 0.9, stats["inputs"]  # all ran (seeds count)


# -- the crashes fuzzing found ------------------------------------------------------------


def _peak(fn: object) -> int:
    tracemalloc.start()
    try:
        assert callable(fn)
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


GPX_YEAR_6021 = b"""<?xml version="1.0"?>
<gpx version="1.1" creator="x" xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg>
<trkpt lat="52.5" lon="13.4"><time>2021-03-21T09:48:13Z</time></trkpt>
<trkpt lat="52.5001" lon="13.4"><time>6021-03-21T09:48:13</time></trkpt>
<trkpt lat="52.5002" lon="13.4"><time>2021-03-21T09:48:20Z</time></trkpt>
</trkseg></trk></gpx>"""


def test_gpx_time_beyond_2262_is_unreadable_not_a_crash() -> None:
    # Found by fuzzing the GPX reader: pandas read the year 6021, then overflowed
    # converting it to nanoseconds (OutOfBoundsDatetime out of arrays.parse_times).
    log = parse_gpx(GPX_YEAR_6021, source="far.gpx", tz="UTC")
    assert len(log.samples) == 2  # the point with the unreadable time is left out
    only_far = GPX_YEAR_6021.replace(b"2021-03-21T09:48", b"3363-03-21T09:48")
    with pytest.raises(LogFormatError, match="no timestamps"):
        parse_gpx(only_far, source="far.gpx", tz="UTC")


def test_tcx_time_beyond_2262_is_unreadable_not_a_crash() -> None:
    # Found by fuzzing the TCX reader (same overflow, through the same helper).
    doc = (
        b'<TrainingCenterDatabase xmlns="http://www.garmin.com/xmlschemas/'
        b'TrainingCenterDatabase/v2"><Activities><Activity Sport="Running">'
        b"<Id>2024-05-01T06:00:00Z</Id><Lap StartTime='2024-05-01T06:00:00Z'>"
        b"<TotalTimeSeconds>10</TotalTimeSeconds><DistanceMeters>30</DistanceMeters><Track>"
        b"<Trackpoint><Time>2024-05-01T06:00:00Z</Time><DistanceMeters>0</DistanceMeters>"
        b"</Trackpoint><Trackpoint><Time>3363-03-21T09:11:19</Time></Trackpoint>"
        b"<Trackpoint><Time>2024-05-01T06:00:10Z</Time><DistanceMeters>30</DistanceMeters>"
        b"</Trackpoint></Track></Lap></Activity></Activities></TrainingCenterDatabase>"
    )
    log = parse_tcx(doc, source="far.tcx", tz="UTC")
    assert len(log.samples) == 2


def _garmin_folder(tmp_path: Path, payload: bytes) -> Path:
    fitness = tmp_path / "export" / "DI_CONNECT" / "DI-Connect-Fitness"
    fitness.mkdir(parents=True)
    (fitness / "runner_0_summarizedActivities.json").write_bytes(payload)
    return tmp_path / "export"


def test_garmin_start_time_beyond_2262_is_kept_undated(tmp_path: Path) -> None:
    # Found by fuzzing the Garmin summaries: "8565-10-20 17:44:36" overflowed in
    # pandas.Timestamp.value (OverflowError out of garmin._instant).
    acts = [
        {"activityId": 1, "activityType": "running", "startTimeGmt": "8565-10-20 17:44:36"},
        {"activityId": 2, "activityType": "running", "startTimeGmt": 1497191649000},
    ]
    payload = json.dumps([{"summarizedActivitiesExport": acts}]).encode()
    log = read_garmin_export(_garmin_folder(tmp_path, payload), tz="UTC")
    assert len(log.sessions) == 2
    assert log.sessions["start_utc"].isna().sum() == 1
    entry = next(e for e in log.report if e.path.endswith(".json"))
    assert entry.status == "partial"
    assert "no readable startTimeGmt" in (entry.message or "")


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _central(data: bytes) -> int:
    """Where the (first) central directory entry starts."""
    pos = data.find(b"PK\x01\x02")
    assert pos > 0
    return pos


def _bad_offset(data: bytes, offset: int) -> bytes:
    """The zip with its first member's local header said to be at ``offset``."""
    pos = _central(data) + 42
    return data[:pos] + struct.pack("<I", offset) + data[pos + 4 :]


def _flags(data: bytes, flags: int) -> bytes:
    """The zip with its first member's general-purpose flags (central directory) set."""
    pos = _central(data) + 8
    return data[:pos] + struct.pack("<H", flags) + data[pos + 2 :]


def _renamed(data: bytes, old: bytes, new: bytes) -> bytes:
    assert len(old) == len(new)
    return data.replace(old, new)


CSV = b"Activity ID,Activity Date,Activity Type\n1,2024-01-05 07:03:12,Run\n"


def _hostile_zips() -> dict[str, bytes]:
    """Each zip fuzzing found that made zipfile raise something other than BadZipFile."""
    good = _zip({"activities.csv": CSV})
    return {
        # a local header offset past the start: "negative seek value" (ValueError), or
        # EINVAL (OSError) from the file's seek
        "negative seek": _bad_offset(good, 0xFFFFFF00),
        # flag bit 6, strong encryption: NotImplementedError
        "strong encryption": _flags(good, 0x41),
        # flag bit 0, encrypted: RuntimeError (a password is required)
        "encrypted": _flags(good, 0x01),
        # flag bit 11 (UTF-8 names) with a name that is not UTF-8: UnicodeDecodeError
        "not UTF-8": _flags(_renamed(good, b"activities.csv", b"activ\xd8\x00ies.csv"), 0x800),
    }


@pytest.mark.parametrize("case", sorted(_hostile_zips()))
def test_broken_zips_are_format_errors(tmp_path: Path, case: str) -> None:
    # Found by fuzzing the Strava, Garmin and zip targets: each raised out of zipfile.
    path = tmp_path / "export.zip"
    path.write_bytes(_hostile_zips()[case])
    is_strava_export(path)  # never raises
    is_garmin_export(path)
    try:
        read_strava_export(path, tz="UTC")
    except LogFormatError as exc:
        assert str(path) in str(exc)

    def read_all() -> None:
        with safety.open_zip(path, path) as zf:
            for info in safety.check_zip(zf, path):
                safety.read_member(zf, info, path)

    with pytest.raises(LogFormatError, match=r"cannot be read as a zip|is corrupt"):
        read_all()
    good = tmp_path / "good.gpx"
    good.write_bytes(GPX_YEAR_6021)
    log = load_log(tmp_path, use_cache=False, workers=1)  # a folder holding it: reported
    statuses = {Path(e.path).name.split("!")[0]: e.status for e in log.report}
    assert statuses.get("good.gpx") == "ok"
    assert statuses.get("export.zip", "skipped") in ("skipped", "ok", "partial")


def test_a_zip_member_with_an_empty_name_is_not_a_file() -> None:
    # Found by fuzzing the Garmin zip: ZipInfo.is_dir() indexes the name's last character.
    data = _renamed(_zip({"a": b"x"}), b"a", b"\x00")
    zf = zipfile.ZipFile(io.BytesIO(data))
    zf.infolist()[0].filename = ""  # what zipfile makes of a name it cut at the NUL
    assert safety.check_zip(zf, "x.zip") == []


def test_a_carriage_return_in_a_csv_header_is_no_hand_log() -> None:
    # Found by fuzzing the hand-kept log: csv.Error ("new-line character seen in unquoted
    # field") out of sniff_csv, and so out of format detection for any file.
    assert sniff_csv(b"session,exe\rrcise\ng,squat\n") is None
    with pytest.raises(UnknownFormatError):
        parse_activity(b"session,exe\rrcise\ng,squat\n", source="odd.csv")


def test_a_count_too_large_is_a_format_error() -> None:
    # Found by fuzzing the hand-kept log: 23 digits of reps overflowed the Int64 column.
    with pytest.raises(LogFormatError, match="too large") as err:
        parse_sets_csv(b"session,exercise,reps\ng,squat,99999999999999999999999\n", source="s.csv")
    assert err.value.line == 2
    assert err.value.column == "reps"


def test_reading_any_crash_input_raises_only_stridekit_errors() -> None:
    """Crash inputs kept in tests/fuzz_regressions (none derived from third-party files)."""
    folder = ROOT / "tests" / "fuzz_regressions"
    for path in sorted(folder.glob("*.bin")):
        target = TARGETS[path.name.rsplit("-", 1)[0]]
        with contextlib.suppress(StridekitError):
            target.run(path.read_bytes())
