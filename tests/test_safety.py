"""Hostile and broken input: XML bombs, external entities, deep nesting, gzip and zip bombs."""

from __future__ import annotations

import gzip
import io
import struct
import tracemalloc
import zipfile
import zlib
from pathlib import Path

import pytest

from stridekit.errors import LogFormatError, UnsafeInputError
from stridekit.io import safety
from stridekit.io.safety import check_zip, gunzip_bytes, parse_xml, read_bytes, read_member
from stridekit.io.tcx import parse_tcx, read_tcx

TCX_OPEN = (
    b'<TrainingCenterDatabase xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2">'
)
SMALL_TCX = (
    b'<?xml version="1.0" encoding="UTF-8"?>' + TCX_OPEN + b"<Activities><Activity Sport='Running'>"
    b"<Id>2024-05-01T06:00:00Z</Id><Lap StartTime='2024-05-01T06:00:00Z'>"
    b"<TotalTimeSeconds>10</TotalTimeSeconds><DistanceMeters>30</DistanceMeters><Track>"
    b"<Trackpoint><Time>2024-05-01T06:00:00Z</Time><DistanceMeters>0</DistanceMeters></Trackpoint>"
    b"<Trackpoint><Time>2024-05-01T06:00:10Z</Time><DistanceMeters>30</DistanceMeters></Trackpoint>"
    b"</Track></Lap></Activity></Activities></TrainingCenterDatabase>"
)

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE TrainingCenterDatabase [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<TrainingCenterDatabase><Activities><Activity Sport="Running">
<Id>2024-05-01T06:00:00Z</Id><Notes>&lol9;</Notes></Activity></Activities>
</TrainingCenterDatabase>
"""

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE TrainingCenterDatabase [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<TrainingCenterDatabase><Activities><Activity Sport="Running">
<Id>2024-05-01T06:00:00Z</Id><Notes>&xxe;</Notes><Lap StartTime="2024-05-01T06:00:00Z">
<TotalTimeSeconds>1</TotalTimeSeconds></Lap></Activity></Activities>
</TrainingCenterDatabase>
"""

PARAMETER_XXE = b"""<?xml version="1.0"?>
<!DOCTYPE TrainingCenterDatabase [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]>
<TrainingCenterDatabase/>
"""


def _passwd_leaked(text: str) -> bool:
    return "root:" in text or "/bin/" in text


@pytest.mark.parametrize("doc", [BILLION_LAUGHS, XXE, PARAMETER_XXE], ids=["lol", "xxe", "pe"])
def test_entities_are_refused(tmp_path: Path, doc: bytes) -> None:
    path = tmp_path / "hostile.tcx"
    path.write_bytes(doc)
    with pytest.raises(UnsafeInputError, match="entities") as err:
        read_tcx(path)
    assert str(path) in str(err.value)
    assert err.value.fix
    assert not _passwd_leaked(str(err.value))
    with pytest.raises(UnsafeInputError):
        parse_tcx(doc)


def test_entities_are_refused_after_the_prescan_misses_them() -> None:
    # A comment with "<" in it hides the DOCTYPE from the cheap byte scan: the parsed DTD
    # is checked too, and entities are never resolved in any case.
    doc = XXE.replace(b"<!DOCTYPE", b"<!-- a < b --><!DOCTYPE", 1)
    with pytest.raises(UnsafeInputError, match="entities") as err:
        parse_xml(doc, "sneaky.tcx")
    assert not _passwd_leaked(str(err.value))


def test_doctype_without_entities_is_read_and_its_dtd_never_loaded() -> None:
    # Were /etc/passwd loaded as the external subset, parsing would fail on its content.
    doc = b'<?xml version="1.0"?><!DOCTYPE TrainingCenterDatabase SYSTEM "file:///etc/passwd">'
    root = parse_xml(doc + SMALL_TCX.split(b"?>", 1)[1], "doctype.tcx")
    assert root.tag.endswith("TrainingCenterDatabase")


def test_deep_nesting_is_refused(tmp_path: Path) -> None:
    n = 100_000
    doc = (
        b'<?xml version="1.0"?>'
        + TCX_OPEN
        + b"<a>" * n
        + b"</a>" * n
        + b"</TrainingCenterDatabase>"
    )
    path = tmp_path / "deep.tcx"
    path.write_bytes(doc)
    tracemalloc.start()
    try:
        with pytest.raises(UnsafeInputError, match="deeper than 256") as err:
            read_tcx(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert str(path) in str(err.value)
    assert peak < 50 * safety.MB


def test_depth_cap_is_the_documented_one() -> None:
    def nested(depth: int) -> bytes:
        return b"<a>" * depth + b"</a>" * depth

    assert safety.MAX_XML_DEPTH == 256
    parse_xml(nested(safety.MAX_XML_DEPTH), "ok.xml")
    with pytest.raises(UnsafeInputError):
        parse_xml(nested(safety.MAX_XML_DEPTH + 1), "deep.xml")


def test_malformed_xml_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.tcx"
    path.write_bytes(b'<?xml version="1.0"?>\n' + TCX_OPEN + b"\n<Activities>\n</Lap>\n")
    with pytest.raises(LogFormatError) as err:
        read_tcx(path)
    assert not isinstance(err.value, UnsafeInputError)
    assert str(path) in str(err.value)
    assert err.value.line == 4
    assert "line 4" in str(err.value)
    assert "not well-formed" in str(err.value)


def test_leading_whitespace_and_bom_are_tolerated() -> None:
    for prefix in (b"   \r\n\t", b"\xef\xbb\xbf", b"\n \xef\xbb\xbf", b"\xef\xbb\xbf  \n"):
        assert parse_xml(prefix + SMALL_TCX, "x.tcx").tag.endswith("TrainingCenterDatabase")
    assert len(parse_tcx(b"\n\n   " + SMALL_TCX, tz="UTC").samples) == 2


# --------------------------------------------------------------------------------- gzip


def _write_gzip_bomb(path: Path, inflated_mb: int) -> None:
    """A valid single-stream gzip of ``inflated_mb`` MB of zeros, written 1 MB at a time.

    One megabyte of zeros is deflated once, ending in a full flush (which resets the
    compressor), so the same block repeated is exactly what deflating more zeros would give.
    """
    zeros = bytes(safety.MB)
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = comp.compress(zeros) + comp.flush(zlib.Z_FULL_FLUSH)
    tail = comp.flush(zlib.Z_FINISH)
    crc = 0
    for _ in range(inflated_mb):
        crc = zlib.crc32(zeros, crc)
    with open(path, "wb") as fh:
        fh.write(b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff")
        for _ in range(inflated_mb):
            fh.write(block)
        fh.write(tail)
        fh.write(struct.pack("<II", crc, (inflated_mb * safety.MB) & 0xFFFFFFFF))


def test_the_bomb_generator_makes_valid_gzip(tmp_path: Path) -> None:
    path = tmp_path / "small.gz"
    _write_gzip_bomb(path, 3)
    assert gzip.decompress(path.read_bytes()) == bytes(3 * safety.MB)


def test_gzip_bomb_is_refused_with_bounded_memory(tmp_path: Path) -> None:
    path = tmp_path / "bomb.tcx"  # no .gz suffix: recognised by its magic bytes
    _write_gzip_bomb(path, 1024)  # 1 GB of zeros
    assert path.stat().st_size < 2 * safety.MB
    tracemalloc.start()
    try:
        with pytest.raises(UnsafeInputError, match="MAX_RATIO") as err:
            read_bytes(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 50 * safety.MB
    assert str(path) in str(err.value)
    assert err.value.fix
    with pytest.raises(UnsafeInputError):
        read_tcx(path)


def test_concatenated_gzip_bomb_is_refused() -> None:
    member = gzip.compress(bytes(8 * safety.MB))
    with pytest.raises(UnsafeInputError, match="MAX_RATIO"):
        gunzip_bytes(member * 20, "members.gz")


def test_concatenated_gzip_members_are_joined() -> None:
    assert gunzip_bytes(gzip.compress(b"abc") + gzip.compress(b"def")) == b"abcdef"


def test_size_cap(tmp_path: Path) -> None:
    plain = tmp_path / "big.tcx"
    plain.write_bytes(SMALL_TCX)
    packed = tmp_path / "big.tcx.gz"
    packed.write_bytes(gzip.compress(SMALL_TCX))
    assert read_bytes(plain) == SMALL_TCX == read_bytes(packed)
    for path in (plain, packed):
        with pytest.raises(UnsafeInputError, match="MAX_FILE_BYTES") as err:
            read_bytes(path, max_bytes=100)
        assert str(path) in str(err.value)


def test_truncated_gzip_is_a_format_error(tmp_path: Path) -> None:
    path = tmp_path / "cut.tcx.gz"
    path.write_bytes(gzip.compress(SMALL_TCX * 50)[:-40])
    with pytest.raises(LogFormatError, match="truncated") as err:
        read_tcx(path)
    assert not isinstance(err.value, UnsafeInputError)
    assert str(path) in str(err.value)


def test_corrupt_gzip_is_a_format_error(tmp_path: Path) -> None:
    data = bytearray(gzip.compress(SMALL_TCX))
    data[-6] ^= 0xFF  # the CRC no longer matches
    path = tmp_path / "corrupt.tcx.gz"
    path.write_bytes(bytes(data))
    with pytest.raises(LogFormatError, match="corrupt") as err:
        read_bytes(path)
    assert not isinstance(err.value, UnsafeInputError)


def test_missing_file_is_a_format_error(tmp_path: Path) -> None:
    with pytest.raises(LogFormatError, match="cannot be read"):
        read_bytes(tmp_path / "nope.tcx")


# ---------------------------------------------------------------------------------- zip


def _zip(members: dict[str, bytes]) -> zipfile.ZipFile:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return zipfile.ZipFile(io.BytesIO(buf.getvalue()))


def test_zip_members_are_read_and_gunzipped() -> None:
    zf = _zip({"activities/": b"", "activities/1.tcx.gz": gzip.compress(SMALL_TCX)})
    files = check_zip(zf, "export.zip")
    assert [i.filename for i in files] == ["activities/1.tcx.gz"]
    assert read_member(zf, files[0], "export.zip") == SMALL_TCX


@pytest.mark.parametrize("name", ["../evil.tcx", "/etc/evil.tcx", "a/../../evil.tcx", "C:/x"])
def test_zip_members_escaping_their_folder_are_refused(name: str) -> None:
    with pytest.raises(UnsafeInputError, match="escape"):
        check_zip(_zip({name: b"x"}), "export.zip")


def test_zip_bomb_member_is_refused() -> None:
    zf = _zip({"bomb.tcx": bytes(20 * safety.MB)})
    with pytest.raises(UnsafeInputError, match="MAX_RATIO") as err:
        check_zip(zf, "export.zip")
    assert "export.zip!bomb.tcx" in str(err.value)
    with pytest.raises(UnsafeInputError):
        read_member(zf, zf.infolist()[0], "export.zip")


# ---------------------------------------------------------------------------------- csv


def test_csv_caps_are_the_documented_ones() -> None:
    assert safety.MAX_CSV_COLUMNS == 10_000
    assert safety.MAX_CSV_LINE_BYTES == safety.MB
    at_cap = b",".join([b"c"] * safety.MAX_CSV_COLUMNS) + b"\n1\n"
    safety.check_csv(at_cap, "ok.csv")
    with pytest.raises(UnsafeInputError, match="MAX_CSV_COLUMNS") as err:
        safety.check_csv(b"c," + at_cap, "wide.csv")
    assert err.value.line == 1
    assert "wide.csv" in str(err.value)
    long_line = b"a,b\n1,2\n" + b"x" * (safety.MB + 1) + b"\n3,4\n"
    with pytest.raises(UnsafeInputError, match="MAX_CSV_LINE_BYTES") as err:
        safety.check_csv(long_line, "long.csv")
    assert err.value.line == 3
    safety.check_csv(b"x" * safety.MB, "one-line.csv")  # at the cap, no newline


def test_open_zip_turns_every_zipfile_failure_into_a_format_error(tmp_path: Path) -> None:
    path = tmp_path / "not.zip"
    path.write_bytes(b"PK\x05\x06" + bytes(18))  # an end record alone, claiming nothing
    safety.open_zip(path, path).close()
    for data in (b"not a zip", b"PK\x05\x06" + b"\xff" * 18):
        path.write_bytes(data)
        with pytest.raises(LogFormatError, match="cannot be read as a zip") as err:
            safety.open_zip(path, path)
        assert str(path) in str(err.value)
