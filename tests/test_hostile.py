"""Hostile files: each refused at a numbered cap, with a clear message and bounded memory.

Every hostile input here is refused by a cap of :mod:`stridekit.io.safety` (or of the FIT
decoder), with a message that names the file, the cap and what to do; reading it stays
under a tracemalloc bound; and a folder holding it next to good recordings still loads the
good ones, the hostile one reported as skipped. ``stridekit inspect FILE --json`` says
``error`` with the message, never a traceback. Memory is asserted, never time.

The good recordings are the bundled sample's (in the repository); the hostile files are
built here.
"""

from __future__ import annotations

import gzip
import io
import json
import shutil
import struct
import subprocess
import sys
import tracemalloc
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import SAMPLE

from stridekit import load_log
from stridekit.errors import LogFormatError, UnsafeInputError
from stridekit.io import fit, safety
from stridekit.io.csvlog import read_csv_log
from stridekit.io.fit import fit_crc, parse_fit
from stridekit.io.gpx import read_gpx
from stridekit.io.loader import read_activity
from stridekit.io.strava import read_strava_export
from stridekit.io.tcx import read_tcx
from stridekit.log import TrainingLog

MB = safety.MB
READ_BOUND = 64 * MB
"""tracemalloc peak allowed while one hostile file is refused [bytes]."""
LOAD_BOUND = 160 * MB
"""tracemalloc peak allowed while a folder (two good runs and the hostile file) loads."""

GOOD = sorted(SAMPLE.glob("runs/*.fit.gz"), key=lambda p: p.stat().st_size)[:2]


def peak_of(fn: Callable[[], Any]) -> tuple[Any, int]:
    """``fn()``'s result (or the exception it raised) and its tracemalloc peak [bytes]."""
    tracemalloc.start()
    try:
        try:
            result: Any = fn()
        except Exception as exc:
            result = exc
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def refused(fn: Callable[[], Any], match: str, path: Path | str) -> UnsafeInputError:
    """Assert ``fn`` raises an UnsafeInputError naming ``path`` and ``match``, in bounds."""
    err, peak = peak_of(fn)
    assert isinstance(err, UnsafeInputError), err
    assert str(path) in str(err)
    assert match in str(err), str(err)
    assert err.fix, "the message says what to do"
    assert peak < READ_BOUND, f"{peak / MB:.0f} MB"
    return err


def folder_keeps_the_good(tmp_path: Path, hostile: Path, match: str) -> TrainingLog:
    """Load a folder of the good runs and ``hostile``: the good ones load, it is skipped."""
    for p in GOOD:
        shutil.copy(p, hostile.parent / p.name)
    log, peak = peak_of(lambda: load_log(hostile.parent, use_cache=False, workers=1))
    assert isinstance(log, TrainingLog), log
    assert peak < LOAD_BOUND, f"{peak / MB:.0f} MB"
    entries = {e.path: e for e in log.report}
    for p in GOOD:
        assert entries[str(hostile.parent / p.name)].status == "ok"
    assert len(log.sessions) == len(GOOD)
    bad = [e for e in log.report if e.path.startswith(str(hostile))]
    assert bad and all(e.status == "skipped" for e in bad), bad
    assert any(match in (e.message or "") and str(hostile) in (e.message or "") for e in bad)
    return log


def inspect_json(path: Path) -> dict[str, Any]:
    """``stridekit inspect PATH --json``: its one object; no traceback printed."""
    proc = subprocess.run(
        [sys.executable, "-m", "stridekit.cli", "inspect", str(path), "--json"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert "Traceback" not in proc.stdout + proc.stderr
    assert proc.returncode == 1
    [result] = json.loads(proc.stdout)
    assert result["status"] == "error"
    assert result["sessions"] == []
    return result


# -- XML: entities, external entities, depth -----------------------------------------------

GPX_OPEN = b'<gpx version="1.1" creator="x" xmlns="http://www.topografix.com/GPX/1/1">'
GPX_BODY = (
    b"<trk><name>&e;</name><trkseg><trkpt lat='52.5' lon='13.4'><time>2024-05-01T06:00:00Z"
    b"</time></trkpt><trkpt lat='52.51' lon='13.4'><time>2024-05-01T06:01:00Z</time></trkpt>"
    b"</trkseg></trk></gpx>"
)
TCX_OPEN = (
    b'<TrainingCenterDatabase xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2">'
)
TCX_BODY = (
    b"<Activities><Activity Sport='Running'><Id>2024-05-01T06:00:00Z</Id><Notes>&e;</Notes>"
    b"<Lap StartTime='2024-05-01T06:00:00Z'><TotalTimeSeconds>60</TotalTimeSeconds>"
    b"<DistanceMeters>200</DistanceMeters><Track><Trackpoint><Time>2024-05-01T06:00:00Z</Time>"
    b"</Trackpoint><Trackpoint><Time>2024-05-01T06:01:00Z</Time></Trackpoint></Track></Lap>"
    b"</Activity></Activities></TrainingCenterDatabase>"
)


def _laughs(root: bytes) -> bytes:
    """Billion laughs: ten levels of ten references each, 10**9 'lol's if expanded."""
    ents = [b'<!ENTITY l0 "lol">']
    for i in range(1, 10):
        ents.append(b"<!ENTITY l%d " % i + b'"' + (b"&l%d;" % (i - 1)) * 10 + b'">')
    ents.append(b'<!ENTITY e "&l9;">')
    return b'<?xml version="1.0"?>\n<!DOCTYPE ' + root + b" [" + b"\n".join(ents) + b"]>\n"


def _external(root: bytes, url: bytes) -> bytes:
    return b'<?xml version="1.0"?>\n<!DOCTYPE ' + root + b' [<!ENTITY e SYSTEM "' + url + b'">]>\n'


XML_CASES = {
    "gpx-laughs": ("x.gpx", _laughs(b"gpx") + GPX_OPEN + GPX_BODY),
    "gpx-file": ("x.gpx", _external(b"gpx", b"file:///etc/passwd") + GPX_OPEN + GPX_BODY),
    "gpx-http": ("x.gpx", _external(b"gpx", b"http://127.0.0.1:9/x") + GPX_OPEN + GPX_BODY),
    "tcx-laughs": ("x.tcx", _laughs(b"TrainingCenterDatabase") + TCX_OPEN + TCX_BODY),
    "tcx-file": (
        "x.tcx",
        _external(b"TrainingCenterDatabase", b"file:///etc/passwd") + TCX_OPEN + TCX_BODY,
    ),
    "tcx-http": (
        "x.tcx",
        _external(b"TrainingCenterDatabase", b"http://127.0.0.1:9/x") + TCX_OPEN + TCX_BODY,
    ),
}


def test_the_xml_cases_are_otherwise_readable(tmp_path: Path) -> None:
    # Without their DOCTYPE, the same documents read as one session each.
    for name, (file, doc) in XML_CASES.items():
        plain = doc.split(b"]>\n", 1)[1].replace(b"&e;", b"x")
        path = tmp_path / f"{name}-{file}"
        path.write_bytes(plain)
        assert len(read_activity(path, tz="UTC").sessions) == 1


@pytest.mark.parametrize("case", sorted(XML_CASES))
def test_entities_are_refused(tmp_path: Path, case: str) -> None:
    file, doc = XML_CASES[case]
    hostile = tmp_path / "log" / file
    hostile.parent.mkdir()
    hostile.write_bytes(doc)
    read = read_gpx if file.endswith(".gpx") else read_tcx
    err = refused(lambda: read(hostile, tz="UTC"), "declares XML entities", hostile)
    assert "root:" not in str(err)  # /etc/passwd was never read into the message
    folder_keeps_the_good(tmp_path, hostile, "entities")
    assert "entities" in inspect_json(hostile)["error"]


@pytest.mark.parametrize("kind", ["gpx", "tcx"])
def test_deep_nesting_is_refused(tmp_path: Path, kind: str) -> None:
    n = 50_000
    opening = GPX_OPEN if kind == "gpx" else TCX_OPEN
    closing = b"</gpx>" if kind == "gpx" else b"</TrainingCenterDatabase>"
    hostile = tmp_path / "log" / f"deep.{kind}"
    hostile.parent.mkdir()
    hostile.write_bytes(b'<?xml version="1.0"?>' + opening + b"<a>" * n + b"</a>" * n + closing)
    read = read_gpx if kind == "gpx" else read_tcx
    refused(lambda: read(hostile, tz="UTC"), "MAX_XML_DEPTH", hostile)
    folder_keeps_the_good(tmp_path, hostile, "deeper than 256")
    assert "MAX_XML_DEPTH" in inspect_json(hostile)["error"]


# -- archives: zip slip, absolute paths, bombs ------------------------------------------------

SMALL_FIT = GOOD[0]


def _zip(members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


STRAVA_CSV = (
    b"Activity ID,Activity Date,Activity Name,Activity Type,Filename\n"
    b'1,"Jan 5, 2024, 7:03:12 AM",Run,Run,activities/1.fit.gz\n'
)
GARMIN_JSON = json.dumps(
    [{"summarizedActivitiesExport": [{"activityId": 1, "activityType": "running"}]}]
).encode()
ESCAPES = ["../../evil.fit.gz", "/etc/evil.fit.gz", "C:/evil.fit.gz", "a/../../evil.fit.gz"]


def _escaping_zip(shape: str, name: str) -> bytes:
    run = SMALL_FIT.read_bytes()
    if shape == "recordings":
        return _zip({"runs/ok.fit.gz": run, name: run})
    if shape == "strava":
        return _zip({"activities.csv": STRAVA_CSV, "activities/1.fit.gz": run, name: run})
    fitness = "DI_CONNECT/DI-Connect-Fitness/runner_0_summarizedActivities.json"
    return _zip({fitness: GARMIN_JSON, name: run})


@pytest.mark.parametrize("shape", ["recordings", "strava", "garmin"])
@pytest.mark.parametrize("name", ESCAPES)
def test_zip_slip_and_absolute_paths_are_refused(tmp_path: Path, shape: str, name: str) -> None:
    hostile = tmp_path / "log" / f"{shape}.zip"
    hostile.parent.mkdir()
    hostile.write_bytes(_escaping_zip(shape, name))
    with zipfile.ZipFile(hostile) as zf:
        refused(lambda zf=zf: safety.check_zip(zf, hostile), "escape the folder", hostile)
    if shape == "strava":
        refused(lambda: read_strava_export(hostile, tz="UTC"), "escape the folder", hostile)
    folder_keeps_the_good(tmp_path, hostile, "escape the folder")
    assert not (tmp_path / "evil.fit.gz").exists()
    assert list(tmp_path.glob("**/evil*")) == []  # nothing was unpacked anywhere


def _deflated_zeros(mb: int) -> bytes:
    """``mb`` MB of zeros as one raw deflate stream, made a block at a time (test_safety)."""
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = comp.compress(bytes(MB)) + comp.flush(zlib.Z_FULL_FLUSH)
    return block * mb + comp.flush(zlib.Z_FINISH)


def _zip_bomb(name: str, mb: int, extra: dict[str, bytes] | None = None) -> bytes:
    """A zip whose member ``name`` inflates to ``mb`` MB of zeros, its sizes declared true."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        for member, data in (extra or {}).items():
            zf.writestr(member, data)
    raw = _deflated_zeros(mb)
    crc = 0
    for _ in range(mb):
        crc = zlib.crc32(bytes(MB), crc)
    size = mb * MB
    head = buf.getvalue()
    entries, count = _central_entries(head)
    local = struct.pack(
        "<4sHHHHHIIIHH", b"PK\x03\x04", 20, 0, 8, 0, 0, crc, len(raw), size, len(name), 0
    )
    offset = len(head) - (len(head) - _cd_start(head))
    body = head[: _cd_start(head)] + local + name.encode() + raw
    central = struct.pack(
        "<4sHHHHHHIIIHHHHHII",
        b"PK\x01\x02",
        20,
        20,
        0,
        8,
        0,
        0,
        crc,
        len(raw),
        size,
        len(name),
        0,
        0,
        0,
        0,
        0,
        offset,
    )
    cd = entries + central + name.encode()
    end = struct.pack(
        "<4sHHHHIIH", b"PK\x05\x06", 0, 0, count + 1, count + 1, len(cd), len(body), 0
    )
    return body + cd + end


def _cd_start(data: bytes) -> int:
    end = data.rfind(b"PK\x05\x06")
    return struct.unpack("<I", data[end + 16 : end + 20])[0]


def _central_entries(data: bytes) -> tuple[bytes, int]:
    end = data.rfind(b"PK\x05\x06")
    count = struct.unpack("<H", data[end + 10 : end + 12])[0]
    return data[_cd_start(data) : end], count


def test_the_zip_bomb_builder_makes_valid_zips() -> None:
    data = _zip_bomb("z.fit", 3, {"a.txt": b"a"})
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert zf.testzip() is None
        assert zf.read("z.fit") == bytes(3 * MB)
        assert zf.read("a.txt") == b"a"


FIT_HEAD = struct.pack("<BBHI4sH", 14, 0x20, 2132, 0xFFFF_FFF0, b".FIT", 0)


def _gzip_bomb(mb: int) -> bytes:
    """A FIT header then ``mb`` MB of zeros, gzipped: a recording by its first bytes."""
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = comp.compress(FIT_HEAD) + comp.flush(zlib.Z_FULL_FLUSH)
    block = comp.compress(bytes(MB)) + comp.flush(zlib.Z_FULL_FLUSH)
    raw = head + block * mb + comp.flush(zlib.Z_FINISH)
    crc = zlib.crc32(FIT_HEAD)
    for _ in range(mb):
        crc = zlib.crc32(bytes(MB), crc)
    size = (len(FIT_HEAD) + mb * MB) & 0xFFFFFFFF
    return b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff" + raw + struct.pack("<II", crc, size)


def test_the_gzip_bomb_builder_makes_valid_gzip() -> None:
    assert gzip.decompress(_gzip_bomb(3)) == FIT_HEAD + bytes(3 * MB)


BOMBS = {
    # a member of 150 MB of zeros, about 150 kB compressed: refused by its declared ratio
    "zip": ("bomb.zip", lambda: _zip_bomb("runs/bomb.fit", 150), "MAX_RATIO"),
    # the same inside a Strava export
    "strava-zip": (
        "strava.zip",
        lambda: _zip_bomb("activities/1.fit", 150, {"activities.csv": STRAVA_CSV}),
        "MAX_RATIO",
    ),
    # a member of 1 GB, over the cap of one member whatever its ratio
    "zip-member": ("big.zip", lambda: _zip_bomb("runs/big.fit", 1024), "MAX_MEMBER_BYTES"),
    # 1 GB of zeros gzipped, about 1 MB, named like a recording
    "gzip": ("bomb.fit.gz", lambda: _gzip_bomb(1024), "MAX_RATIO"),
    # the gzip bomb stored (not deflated) inside a zip: the zip is fine, its member is not
    "gzip-in-zip": (
        "gz.zip",
        lambda: _zip({"runs/bomb.fit.gz": _gzip_bomb(1024)}, zipfile.ZIP_STORED),
        "MAX_RATIO",
    ),
}


@pytest.mark.parametrize("case", sorted(BOMBS))
def test_zip_and_gzip_bombs_are_refused(tmp_path: Path, case: str) -> None:
    file, build, cap = BOMBS[case]
    hostile = tmp_path / "log" / file
    hostile.parent.mkdir()
    hostile.write_bytes(build())
    assert hostile.stat().st_size < 4 * MB
    if case == "gzip":
        refused(lambda: safety.read_bytes(hostile), cap, hostile)
        assert cap in inspect_json(hostile)["error"]
    elif case == "strava-zip":
        refused(lambda: read_strava_export(hostile, tz="UTC"), cap, hostile)
    else:
        with zipfile.ZipFile(hostile) as zf:
            infos = [i for i in zf.infolist() if not i.is_dir()]

            def read_all() -> None:
                for info in infos:
                    safety.read_member(zf, info, hostile)

            refused(read_all, cap, hostile)
    folder_keeps_the_good(tmp_path, hostile, cap)


# -- FIT ---------------------------------------------------------------------------------


def _fit(body: bytes, data_size: int | None = None) -> bytes:
    size = len(body) if data_size is None else data_size
    header = struct.pack("<BBHI4s", 14, 0x20, 2132, size, b".FIT")
    header += struct.pack("<H", fit_crc(header))
    data = header + body
    return data + struct.pack("<H", fit_crc(data))


def test_a_fit_header_claiming_gigabytes_is_never_trusted(tmp_path: Path) -> None:
    # The claim allocates nothing: only the bytes there are read, and the report says the
    # header is over the cap. With nothing readable after it, the file is skipped.
    hostile = tmp_path / "log" / "huge.fit"
    hostile.parent.mkdir()
    hostile.write_bytes(_fit(bytes(64), data_size=0xFFFF_FFF0))
    err, peak = peak_of(lambda: parse_fit(hostile.read_bytes(), source=str(hostile)))
    assert isinstance(err, LogFormatError), err
    assert str(hostile) in str(err)
    assert peak < READ_BOUND
    folder_keeps_the_good(tmp_path, hostile, "huge.fit")
    assert inspect_json(hostile)["error"]
    # A real run's header claiming 4 GB: its records are read, the report names the cap.
    run = bytearray(gzip.decompress(SMALL_FIT.read_bytes()))
    run[4:8] = struct.pack("<I", 0xFFFF_FFF0)
    log, peak = peak_of(lambda: parse_fit(bytes(run), source="claims.fit", tz="UTC"))
    assert isinstance(log, TrainingLog), log
    assert peak < READ_BOUND
    entry = log.report.entries[0]
    assert entry.status == "partial"
    assert "MAX_FILE_BYTES" in (entry.message or "")
    assert len(log.samples) > 100


def _definition(global_num: int, fields: list[tuple[int, int, int]], local: int = 0) -> bytes:
    specs = b"".join(bytes(f) for f in fields)
    return (
        bytes([0x40 | local, 0, 0]) + struct.pack("<H", global_num) + bytes([len(fields)]) + specs
    )


def test_definitions_with_absurd_field_counts_and_sizes(tmp_path: Path) -> None:
    # A record definition of 255 fields of 255 bytes (the most a definition can say),
    # then data messages of 65,025 bytes each: read within bounds, nothing to keep.
    fields = [(i, 255, 0x0D) for i in range(255)]
    body = _definition(20, fields) + (b"\x00" + bytes(255 * 255)) * 20
    log, peak = peak_of(lambda: parse_fit(_fit(body), source="wide.fit", tz="UTC"))
    assert isinstance(log, (TrainingLog, LogFormatError)), log
    assert peak < READ_BOUND, f"{peak / MB:.0f} MB"


def test_too_many_distinct_layouts_are_refused(tmp_path: Path) -> None:
    # 1,100 definitions of 255 fields, each of another global message: 35 kB of layout
    # each once decoded, so the cap (MAX_LAYOUTS, 1,024) keeps memory bounded.
    fields = [(i, 255, 0x0D) for i in range(255)]
    body = b"".join(_definition(g, fields) for g in range(1100))
    hostile = tmp_path / "log" / "layouts.fit"
    hostile.parent.mkdir()
    hostile.write_bytes(_fit(body))
    refused(lambda: parse_fit(hostile.read_bytes(), source=str(hostile)), "MAX_LAYOUTS", hostile)
    folder_keeps_the_good(tmp_path, hostile, "MAX_LAYOUTS")
    assert "MAX_LAYOUTS" in inspect_json(hostile)["error"]


def test_definitions_are_held_compactly_and_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    # Two layouts of local type 0, defined in turn 60,000 times (about 1.3 MB). Before the
    # fix each definition held a copy of the 16 local types' table: 40 MB for 2 MB of file.
    one = _definition(20, [(253, 4, 0x86)])
    two = _definition(20, [(253, 4, 0x86), (3, 1, 2)])
    data = _fit((one + two) * 30_000)
    err, peak = peak_of(lambda: parse_fit(data, source="defs.fit"))
    assert isinstance(err, LogFormatError)  # no data message: nothing to read
    assert not isinstance(err, UnsafeInputError)
    assert peak < 8 * MB, f"{peak / MB:.1f} MB"
    monkeypatch.setattr(fit, "MAX_DEFINITIONS", 10_000)
    with pytest.raises(UnsafeInputError, match="MAX_DEFINITIONS"):
        parse_fit(data, source="defs.fit")


def test_a_definition_repeated_unchanged_is_not_counted(monkeypatch: pytest.MonkeyPatch) -> None:
    # Some writers define before every message: that is no reason to refuse a file.
    monkeypatch.setattr(fit, "MAX_DEFINITIONS", 10)
    d = _definition(20, [(253, 4, 0x86), (3, 1, 2)])
    body = b"".join(d + b"\x00" + struct.pack("<IB", 1_000_000_000 + i, 120) for i in range(200))
    log = parse_fit(_fit(body), source="redefined.fit", tz="UTC")
    assert len(log.samples) == 200
    assert log.samples["hr_bpm"].eq(120).all()


# -- CSV ---------------------------------------------------------------------------------

COLUMNS = 2_000_000


def _wide_csv(header: bytes) -> bytes:
    return header + b",x" * COLUMNS + b"\n" + b"1,2024-01-05,run" + b",1" * COLUMNS + b"\n"


def test_a_hand_log_with_millions_of_columns_is_refused(tmp_path: Path) -> None:
    hostile = tmp_path / "log" / "sessions.csv"
    hostile.parent.mkdir()
    hostile.write_bytes(_wide_csv(b"session,date,sport"))
    refused(lambda: read_csv_log(hostile, tz="UTC"), "MAX_CSV_COLUMNS", hostile)
    folder_keeps_the_good(tmp_path, hostile, "MAX_CSV_COLUMNS")


def test_a_hand_log_with_a_line_too_long_is_refused(tmp_path: Path) -> None:
    hostile = tmp_path / "log" / "sessions.csv"
    hostile.parent.mkdir()
    hostile.write_bytes(b"session,date,sport,notes\n1,2024-01-05,run," + b"ab;" * MB + b"\n")
    refused(lambda: read_csv_log(hostile, tz="UTC"), "MAX_CSV_LINE_BYTES", hostile)
    folder_keeps_the_good(tmp_path, hostile, "MAX_CSV_LINE_BYTES")


def test_strava_activities_with_millions_of_columns_are_refused(tmp_path: Path) -> None:
    csv = _wide_csv(b"Activity ID,Activity Date,Activity Type")
    hostile = tmp_path / "log" / "export.zip"
    hostile.parent.mkdir()
    hostile.write_bytes(_zip({"activities.csv": csv}, zipfile.ZIP_STORED))
    refused(lambda: read_strava_export(hostile, tz="UTC"), "MAX_CSV_COLUMNS", hostile)
    folder_keeps_the_good(tmp_path, hostile, "MAX_CSV_COLUMNS")


GARBAGE = bytes(range(256)) * 64 + b"\x00\xff" * 5000


def test_binary_garbage_as_a_hand_log(tmp_path: Path) -> None:
    hostile = tmp_path / "log" / "sessions.csv"
    hostile.parent.mkdir()
    hostile.write_bytes(GARBAGE)
    err, peak = peak_of(lambda: read_csv_log(hostile, tz="UTC"))
    assert isinstance(err, LogFormatError) and str(hostile) in str(err), err
    assert peak < READ_BOUND
    folder_keeps_the_good(tmp_path, hostile, "not a format stridekit reads")
    assert "not a format" in inspect_json(hostile)["error"]


def test_binary_garbage_as_strava_activities(tmp_path: Path) -> None:
    hostile = tmp_path / "log" / "export.zip"
    hostile.parent.mkdir()
    hostile.write_bytes(_zip({"activities.csv": GARBAGE}))
    err, peak = peak_of(lambda: read_strava_export(hostile, tz="UTC"))
    assert isinstance(err, LogFormatError) and str(hostile) in str(err), err
    assert err.fix
    assert peak < READ_BOUND
    folder_keeps_the_good(tmp_path, hostile, "activities.csv")
