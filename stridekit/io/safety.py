"""Safe input: bounded reading, bounded gunzipping and hardened XML parsing.

Every reader opens files through :func:`read_bytes` and parses XML through :func:`parse_xml`,
so that no file a runner is handed (a Strava or Garmin export, an attachment) can exhaust
memory or make the parser read other files or the network. The caps are module constants;
each refusal raises :class:`~stridekit.errors.UnsafeInputError` naming the file, the cap and
what to do.
"""

from __future__ import annotations

import io
import lzma
import os
import struct
import zipfile
import zlib
from pathlib import PurePosixPath
from typing import Any, BinaryIO, Final

from lxml import etree

from stridekit.errors import LogFormatError, UnsafeInputError

MB: Final = 1024 * 1024

MAX_XML_DEPTH: Final = 256
"""Deepest element nesting accepted (libxml2's own limit without ``huge_tree``)."""
MAX_FILE_BYTES: Final = 200 * MB
"""Largest single activity file, after gunzipping [bytes]."""
MAX_MEMBER_BYTES: Final = 200 * MB
"""Largest member of an archive, inflated [bytes]."""
MAX_TOTAL_INFLATED: Final = 2048 * MB
"""Largest sum of the inflated sizes of an archive's members [bytes]."""
MAX_RATIO: Final = 100
"""Largest inflated-to-compressed size ratio accepted [-]."""
MAX_MEMBERS: Final = 100_000
"""Most members an archive may have [count]."""
MAX_CSV_COLUMNS: Final = 10_000
"""Most columns in a CSV's header (a Strava export has about 90, a hand-kept log about 12)
[count]."""
MAX_CSV_LINE_BYTES: Final = 1 * MB
"""Longest line of a CSV [bytes]: parsing one line builds a Python string per value, many
times the line's own size."""

GZIP_MAGIC: Final = b"\x1f\x8b"
ZIP_ERRORS: Final = (
    zipfile.BadZipFile,
    zlib.error,
    lzma.LZMAError,
    struct.error,
    EOFError,
    OSError,  # a bad offset seeks before the file's start; bz2's corrupt data
    ValueError,  # negative seeks; member names that are not UTF-8
    NotImplementedError,  # compression methods and encryption zipfile does not do
    RuntimeError,  # encrypted members
)
"""What Python's :mod:`zipfile` raises for a broken or hostile archive (found by fuzzing:
not only ``BadZipFile``). Readers turn these into :class:`~stridekit.errors.LogFormatError`."""
_CHUNK: Final = 64 * 1024
_OUT_CHUNK: Final = 1 * MB
_RATIO_FLOOR: Final = 1 * MB  # below this much output, the ratio is not judged
_BOMS: Final = (b"\xef\xbb\xbf",)


def read_bytes(path: str | os.PathLike[str], *, max_bytes: int = MAX_FILE_BYTES) -> bytes:
    """The content of ``path``, gunzipped when it is gzip data, within the caps.

    Gzip is recognised by its magic bytes ``1f 8b``, whatever the file's suffix. Gunzipping
    is incremental, so memory stays bounded by the cap even for a decompression bomb.

    Parameters
    ----------
    path
        The file to read (plain or gzip; concatenated gzip members are joined).
    max_bytes
        The largest content accepted, after gunzipping [bytes].

    Returns
    -------
    bytes
        The (inflated) content.

    Raises
    ------
    UnsafeInputError
        When the content exceeds ``max_bytes`` or inflates more than :data:`MAX_RATIO` times.
    LogFormatError
        When the file cannot be read or its gzip data is corrupt or truncated.
    """
    source = str(path)
    try:
        with open(path, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            head = fh.read(2)
            if head == GZIP_MAGIC:
                fh.seek(0)
                return _gunzip_stream(fh, source, max_bytes)
            if size > max_bytes:
                raise _too_big(source, size, max_bytes)
            # Read no more than the file's size (+1 to notice growth): a bare read(n)
            # would reserve n bytes up front.
            data = head + fh.read(max(size, len(head)) + 1 - len(head))
    except OSError as exc:
        raise LogFormatError(
            source, f"cannot be read ({exc.strerror or exc})", fix="check the path"
        ) from exc
    if len(data) > max_bytes:
        raise _too_big(source, len(data), max_bytes)
    return data


def gunzip_bytes(data: bytes, source: str = "<bytes>", *, max_bytes: int = MAX_FILE_BYTES) -> bytes:
    """Gunzip ``data`` (e.g. a ``.tcx.gz`` member of an archive) within the same caps.

    Parameters
    ----------
    data
        Gzip data.
    source
        Where the data came from, for messages.
    max_bytes
        The largest inflated size accepted [bytes].

    Raises
    ------
    UnsafeInputError, LogFormatError
        As :func:`read_bytes`.
    """
    return _gunzip_stream(io.BytesIO(data), source, max_bytes)


def _gunzip_stream(fh: BinaryIO, source: str, max_bytes: int) -> bytes:
    out: list[bytes] = []
    total_out = 0
    total_in = 0
    dec = zlib.decompressobj(zlib.MAX_WBITS | 16)
    pending = b""
    eof_in = False
    while True:
        if not pending and not eof_in:
            pending = fh.read(_CHUNK)
            total_in += len(pending)
            eof_in = not pending
        if dec.eof:
            if not pending:
                if eof_in:
                    break
                continue
            if not pending.startswith(GZIP_MAGIC[: len(pending)]):
                break  # trailing padding after the last gzip member
            dec = zlib.decompressobj(zlib.MAX_WBITS | 16)  # a concatenated member
        try:
            piece = dec.decompress(pending, _OUT_CHUNK)
        except zlib.error as exc:
            raise LogFormatError(
                source,
                f"its gzip data is corrupt ({exc})",
                fix="download or export the file again",
            ) from None
        pending = dec.unconsumed_tail or dec.unused_data
        total_out += len(piece)
        if total_out > max_bytes:
            raise _too_big(source, total_out, max_bytes, inflated=True)
        consumed = max(total_in - len(pending), 1)
        if total_out > _RATIO_FLOOR and total_out > MAX_RATIO * consumed:
            raise UnsafeInputError(
                source,
                f"inflates more than {MAX_RATIO}:1 (over {total_out:,} bytes from "
                f"{consumed:,} compressed bytes), the cap on the compression ratio "
                "(stridekit.io.safety.MAX_RATIO)",
                fix="this looks like a decompression bomb; if the file is genuine, "
                "gunzip it yourself and read the plain file",
            )
        if piece:
            out.append(piece)
        elif eof_in and not pending:
            break
    if not dec.eof:
        raise LogFormatError(
            source,
            "its gzip data is truncated (the file ends before the compressed stream does)",
            fix="download or export the file again",
        )
    return b"".join(out)


def _too_big(
    source: str, size: int, cap: int, *, inflated: bool = False, member: bool = False
) -> UnsafeInputError:
    what = "inflates to more than" if inflated else "is"
    name, one = (
        ("MAX_MEMBER_BYTES", "archive member") if member else ("MAX_FILE_BYTES", "activity file")
    )
    return UnsafeInputError(
        source,
        f"{what} {size:,} bytes, over the cap of {cap:,} bytes for one {one} "
        f"(stridekit.io.safety.{name})",
        fix="split the file, or read it with a larger max_bytes if you trust it",
    )


def parse_xml(
    data: bytes, path: str | os.PathLike[str], *, blank_text: bool = True
) -> etree._Element:
    """Parse ``data`` as XML with a hardened parser and return the root element.

    Entities are never resolved, no DTD or network resource is loaded, and trees deeper
    than :data:`MAX_XML_DEPTH` are refused (libxml2 enforces that depth itself when
    ``huge_tree`` is off, before the tree grows). Whitespace and a UTF-8 byte-order mark
    before ``<?xml`` are tolerated.

    Parameters
    ----------
    data
        The document.
    path
        Where the document came from, for messages.
    blank_text
        Whether to keep the whitespace-only text between elements (indentation). Readers
        that only read elements' own texts pass ``False``: the tree is then about half the
        nodes, faster to build, walk and free.

    Returns
    -------
    lxml.etree._Element
        The root element.

    Raises
    ------
    UnsafeInputError
        When the document declares entities (a DOCTYPE with ``<!ENTITY``) or nests too deep.
    LogFormatError
        When it is not well-formed XML; the message gives lxml's line and problem.
    """
    source = str(path)
    data = _strip_prolog(data)
    if b"<!DOCTYPE" in data[: _prolog_end(data)] and b"<!ENTITY" in data:
        raise _entities(source)
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_blank_text=not blank_text,
        # collect_ids stays on: turning it off makes libxml2 read a DOCTYPE's external subset.
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        msg = str(exc.msg or exc)
        if "depth" in msg.lower():
            raise UnsafeInputError(
                source,
                f"nests elements deeper than {MAX_XML_DEPTH} levels, the cap on XML depth "
                "(stridekit.io.safety.MAX_XML_DEPTH)",
                line=exc.lineno,
                fix="no training log nests this deep; the file is broken or hostile",
            ) from None
        raise LogFormatError(
            source,
            f"is not well-formed XML ({msg})",
            line=exc.lineno,
            fix="the file may be truncated or damaged; export it again",
        ) from None
    except ValueError as exc:  # e.g. an encoding declaration lxml rejects
        raise LogFormatError(source, f"cannot be parsed as XML ({exc})") from None
    dtd: Any = root.getroottree().docinfo.internalDTD
    if dtd is not None and any(True for _ in dtd.iterentities()):
        raise _entities(source)
    return root


def _entities(source: str) -> UnsafeInputError:
    return UnsafeInputError(
        source,
        "declares XML entities in a DOCTYPE, which stridekit refuses (entity expansion "
        "and external entities are how XML bombs and file leaks work)",
        fix="training logs never need entities; remove the DOCTYPE if the file is genuine",
    )


def _strip_prolog(data: bytes) -> bytes:
    """Drop whitespace and UTF-8 byte-order marks before the first ``<``."""
    start = 0
    n = len(data)
    while start < n:
        if data[start] in b" \t\r\n":
            start += 1
            continue
        for bom in _BOMS:
            if data.startswith(bom, start):
                start += len(bom)
                break
        else:
            break
    return data[start:] if start else data


def _prolog_end(data: bytes) -> int:
    """Where the root element starts, roughly: the first ``<`` not followed by ``?``/``!``."""
    pos = 0
    while True:
        pos = data.find(b"<", pos)
        if pos < 0 or pos + 1 >= len(data):
            return len(data)
        if data[pos + 1 : pos + 2] not in (b"?", b"!"):
            return pos
        pos += 1


def check_csv(data: bytes, source: str | os.PathLike[str]) -> None:
    """Refuse a CSV whose header has too many columns or which has a line too long to parse.

    Parameters
    ----------
    data
        The CSV's bytes.
    source
        Where they came from, for messages.

    Raises
    ------
    UnsafeInputError
        When the header has more than :data:`MAX_CSV_COLUMNS` columns or a line is longer
        than :data:`MAX_CSV_LINE_BYTES`.
    """
    src = str(source)
    end = data.find(b"\n")
    header = data if end < 0 else data[:end]
    columns = header.count(b",") + 1
    if columns > MAX_CSV_COLUMNS:
        raise UnsafeInputError(
            src,
            f"has {columns:,} columns in its header, over the cap of {MAX_CSV_COLUMNS:,} "
            "(stridekit.io.safety.MAX_CSV_COLUMNS)",
            line=1,
            fix="this is not a training log's CSV; check that the right file was given",
        )
    pos, line, n = 0, 1, len(data)
    while pos < n:
        end = data.find(b"\n", pos)
        if end < 0:
            end = n
        if end - pos > MAX_CSV_LINE_BYTES:
            raise UnsafeInputError(
                src,
                f"has a line of {end - pos:,} bytes, over the cap of {MAX_CSV_LINE_BYTES:,} "
                "bytes for one line (stridekit.io.safety.MAX_CSV_LINE_BYTES)",
                line=line,
                fix="this is not a training log's CSV; check that the right file was given",
            )
        pos = end + 1
        line += 1


def check_zip(archive: zipfile.ZipFile, source: str | os.PathLike[str]) -> list[zipfile.ZipInfo]:
    """The members of ``archive`` that are files, after checking it against the caps.

    Parameters
    ----------
    archive
        An open zip archive.
    source
        The archive's path, for messages.

    Returns
    -------
    list of zipfile.ZipInfo
        The file members (directories left out).

    Raises
    ------
    UnsafeInputError
        When the archive has more than :data:`MAX_MEMBERS` members, a member that would
        inflate beyond :data:`MAX_MEMBER_BYTES` or :data:`MAX_RATIO`, members that inflate
        beyond :data:`MAX_TOTAL_INFLATED` together, or a member whose name would escape the
        folder it is extracted to (absolute, or with ``..``).

    Notes
    -----
    The sizes checked are those the archive declares; read members through
    :func:`read_member`, which enforces the caps on the bytes actually inflated.
    """
    src = str(source)
    infos = archive.infolist()
    if len(infos) > MAX_MEMBERS:
        raise UnsafeInputError(
            src,
            f"has {len(infos):,} members, over the cap of {MAX_MEMBERS:,} "
            "(stridekit.io.safety.MAX_MEMBERS)",
            fix="unpack the archive yourself and read the folder",
        )
    total = 0
    files = []
    for info in infos:
        name = info.filename
        if escapes(name):
            raise UnsafeInputError(
                src,
                f"has a member named {name!r} that would escape the folder it is unpacked to",
                fix="the archive is broken or hostile; export it again",
            )
        if not name or info.is_dir():
            continue  # (an empty name, which zipfile would call neither, is no file)
        _check_member(src, info)
        total += info.file_size
        if total > MAX_TOTAL_INFLATED:
            raise UnsafeInputError(
                src,
                f"inflates to more than {MAX_TOTAL_INFLATED:,} bytes in all, the cap "
                "(stridekit.io.safety.MAX_TOTAL_INFLATED)",
                fix="unpack the archive yourself and read the parts you need",
            )
        files.append(info)
    return files


def escapes(name: str) -> bool:
    """Whether a member's name (or a file name an export's index gives) would lead outside
    the folder it is unpacked to: absolute, with a drive (``C:``) or with ``..``.

    Parameters
    ----------
    name
        The name, ``/`` or ``\\`` separated.

    Returns
    -------
    bool
        ``True`` when the name escapes.
    """
    pure = PurePosixPath(name.replace("\\", "/"))
    return pure.is_absolute() or ".." in pure.parts or (len(name) > 1 and name[1] == ":")


def _check_member(src: str, info: zipfile.ZipInfo) -> None:
    where = f"{src}!{info.filename}"
    if info.file_size > MAX_MEMBER_BYTES:
        raise _too_big(where, info.file_size, MAX_MEMBER_BYTES, inflated=True, member=True)
    if info.file_size > _RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
        raise UnsafeInputError(
            where,
            f"inflates {info.file_size / max(info.compress_size, 1):,.0f}:1, over the cap of "
            f"{MAX_RATIO}:1 (stridekit.io.safety.MAX_RATIO)",
            fix="this looks like a decompression bomb; unpack the archive yourself if genuine",
        )


def open_zip(
    file: str | os.PathLike[str] | BinaryIO, source: str | os.PathLike[str]
) -> zipfile.ZipFile:
    """Open a zip archive, every failure of :mod:`zipfile` turned into a clear error.

    Parameters
    ----------
    file
        The archive's path, or a binary file object holding it.
    source
        The archive's name, for messages.

    Raises
    ------
    LogFormatError
        When the archive cannot be opened (not a zip, damaged, or built to break readers).
    """
    try:
        return zipfile.ZipFile(file)
    except ZIP_ERRORS as exc:
        raise LogFormatError(
            str(source),
            f"cannot be read as a zip archive ({exc})",
            fix="the archive is damaged or not a zip; download or export it again",
        ) from None


def read_member(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, source: str | os.PathLike[str]
) -> bytes:
    """The bytes of one archive member, inflated incrementally within the caps.

    A member that is itself gzip data (``.tcx.gz`` in a Strava export) is gunzipped too.

    Raises
    ------
    UnsafeInputError
        When the member inflates beyond :data:`MAX_MEMBER_BYTES` or :data:`MAX_RATIO`,
        whatever size it declares.
    LogFormatError
        When the member is corrupt.
    """
    where = f"{source}!{info.filename}"
    _check_member(str(source), info)
    out: list[bytes] = []
    total = 0
    try:
        with archive.open(info) as fh:
            while chunk := fh.read(_OUT_CHUNK):
                total += len(chunk)
                if total > MAX_MEMBER_BYTES:
                    raise _too_big(where, total, MAX_MEMBER_BYTES, inflated=True, member=True)
                if total > _RATIO_FLOOR and total > MAX_RATIO * max(info.compress_size, 1):
                    raise UnsafeInputError(
                        where,
                        f"inflates more than {MAX_RATIO}:1, the cap "
                        "(stridekit.io.safety.MAX_RATIO)",
                        fix="this looks like a decompression bomb",
                    )
                out.append(chunk)
    except ZIP_ERRORS as exc:
        raise LogFormatError(
            where, f"is corrupt or cannot be unpacked ({exc})", fix="export it again"
        ) from None
    data = b"".join(out)
    if data.startswith(GZIP_MAGIC):
        return gunzip_bytes(data, where, max_bytes=MAX_MEMBER_BYTES)
    return data


__all__ = [
    "GZIP_MAGIC",
    "MAX_CSV_COLUMNS",
    "MAX_CSV_LINE_BYTES",
    "MAX_FILE_BYTES",
    "MAX_MEMBERS",
    "MAX_MEMBER_BYTES",
    "MAX_RATIO",
    "MAX_TOTAL_INFLATED",
    "MAX_XML_DEPTH",
    "ZIP_ERRORS",
    "check_csv",
    "check_zip",
    "escapes",
    "gunzip_bytes",
    "open_zip",
    "parse_xml",
    "read_bytes",
    "read_member",
]
