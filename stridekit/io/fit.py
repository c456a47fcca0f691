"""Read Garmin FIT activity files into stridekit's tables, with a numpy-vectorised decoder.

Decoding is two passes. The first walks the record headers in pure Python: it parses the
definition messages (developer fields included, skipped by their size) and notes where
every data message starts, and nothing else; every message's layout is then looked up at
once from the local types in force after each definition. The second decodes, per global
message, all its data messages at once: their bytes are copied out as rows of a ``uint8``
table, each field read through one structured view of it (base type and byte order),
masked where it holds the base type's invalid value, and scaled
(:mod:`stridekit.io.fit_profile`). The CRCs of the file and of its chained files are
checked in one numpy pass (:func:`fit_crcs`).

Conventions
-----------
- Sessions: each FIT ``session`` message is one session. Records, laps and sets go to the
  session of their own chained file that started last at or before their time (the one
  whose ``[start, start + elapsed]`` holds them; records between sessions go to the one
  before). Records before the first session's start go to it, and its start moves back to
  the earliest of them (the fenix 2 writes a late ``start_time`` for a multisport
  activity's first leg), so ``t_s`` and lap starts are never negative. Every ``record``
  message is exactly one samples row. A file (or chained part) with records but no
  ``session`` gives one session built from its records.
- Sports: running is ``run``; training with sub-sport stretching, yoga or pilates is
  ``mobility``; other training (strength training above all) is ``strength``; any file part
  with ``set`` messages is ``strength``; everything else (cycling, swimming, transitions,
  walking, generic) is ``cross``.
- Cadence: running cadence is strides per minute in FIT; ``cadence_spm`` is
  ``2 * (cadence + fractional_cadence)``, in running sessions only (cycling cadence is crank
  revolutions, not steps, and is left missing). ``step_m`` is ``speed / (cadence_spm / 60)``.
- Preferred fields: ``enhanced_speed`` and ``enhanced_altitude`` over ``speed`` and
  ``altitude``; ``compressed_speed_distance`` (older devices) when neither is recorded.
- Time: ``timestamp`` is seconds since 1989-12-31 UTC; compressed-timestamp headers add
  their 5-bit offset to the last full timestamp, rolling over. ``t_s`` is wall-clock time
  since the session's start, pauses included. Times below ``0x10000000`` count from the
  device's power-on; they are dated by ``timestamp_correlation``, else the first absolute
  timestamp after them, else an absolute ``file_id.time_created``, else the activity's
  ``local_timestamp`` read in the runner's time zone (see :meth:`_Decoder.shift`); a file
  with none of these is read as it is and its report entry says so.
- Moving time: the session's ``total_timer_time``; else the time the timer ran within the
  session by its timer start and stop events; else the laps' timer time; else the elapsed
  time.
- Local date: from the UTC offset the file records (``activity.local_timestamp -
  activity.timestamp``) when it records one, else from ``tz``, else from the machine's time
  zone.
- Files without activity data (settings, workouts, monitoring, weight scale) raise
  :class:`~stridekit.errors.LogFormatError` saying the file holds no activity.
- Damage: a truncated file, a bad CRC, a corrupt chained header or a message of an undefined
  local type gives what was read before the damage, and a ``partial`` report entry naming
  the problem. A file with nothing readable raises :class:`~stridekit.errors.LogFormatError`.
"""

from __future__ import annotations

import datetime as dt
import math
import os
from array import array
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Final

import numpy as np
import pandas as pd

from stridekit.errors import LogFormatError, UnsafeInputError
from stridekit.exercises import normalize_exercise
from stridekit.io import fit_profile as P
from stridekit.io import safety
from stridekit.io.arrays import frame, local_dates, take_strings, unique_keys, utc_times
from stridekit.io.common import TzLike, resolve_tz
from stridekit.log import TrainingLog
from stridekit.report import ImportReport, ReportEntry

SOURCE_FORMAT: Final = "fit"
MAX_MESSAGES: Final = 20_000_000
"""Most data messages read from one file; more means a hostile file [count]."""
MAX_DEFINITIONS: Final = 1_000_000
"""Most definition messages that change a local type's layout in one file; more means a
hostile file (a definition repeated unchanged is not counted) [count]."""
MAX_LAYOUTS: Final = 1024
"""Most distinct message layouts (definitions differing in their fields) in one file; real
files have tens [count]."""
_SCAN_CHUNK: Final = 1 << 20  # bytes walked between checks of MAX_MESSAGES
_FIX: Final = "export the activity again from the watch or its app"
_NAN: Final = math.nan
_NS: Final = 1_000_000_000
MAX_EARLY_S: Final = 24 * 3600
"""Furthest a session's start moves back to records before it [s]."""
MAX_UTC_OFFSET_S: Final = 18 * 3600
"""Largest UTC offset taken from ``activity.local_timestamp`` [s]."""

Columns = dict[str, np.ndarray]


def read_fit(path: str | os.PathLike[str], *, tz: TzLike = None) -> TrainingLog:
    """Read a FIT activity file (plain or gzip-compressed) into a :class:`TrainingLog`.

    Parameters
    ----------
    path
        The ``.fit`` or ``.fit.gz`` file; gzip is recognised by its content, not its name.
    tz
        The runner's time zone (IANA name or tzinfo) for ``sessions.local_date`` when the
        file records no UTC offset of its own; the machine's when ``None``.

    Returns
    -------
    TrainingLog
        Sessions, laps, samples and sets; ``log.report`` has one entry, ``partial`` with the
        reason when part of the file could not be read.

    Raises
    ------
    LogFormatError
        When the file is not FIT, holds no activity, or nothing of it is readable.
    UnsafeInputError
        When the file breaks a cap of :mod:`stridekit.io.safety` or :data:`MAX_MESSAGES`.
    """
    return parse_fit(safety.read_bytes(path), source=str(path), tz=tz)


def parse_fit(data: bytes, *, source: str = "<bytes>", tz: TzLike = None) -> TrainingLog:
    """Parse the bytes of a FIT file (chained FIT files included) into a :class:`TrainingLog`.

    Parameters
    ----------
    data
        The file's bytes (gzip data is gunzipped first).
    source
        Where the bytes came from: the ``sessions.source`` value and the name in messages.
    tz
        The runner's time zone for ``sessions.local_date``; see :func:`read_fit`.

    Returns
    -------
    TrainingLog
        One session per FIT ``session`` message (or one per file part that has records but
        no session), with its laps, samples (one per ``record`` message) and the active
        strength sets, each with the rest that followed it. Sessions: ``distance_m``,
        ``duration_s`` (``total_elapsed_time``), ``moving_s`` (``total_timer_time``, else
        the timer's start and stop events),
        ``avg_hr_bpm``, ``avg_cadence_spm`` and ``ascent_m`` as the session message records
        them, else derived from the samples; ``avg_speed_mps`` is distance over moving time;
        ``warmup_s`` and ``cooldown_s`` sum the timer time of laps of that intensity.

    Raises
    ------
    LogFormatError
        When the bytes are not FIT, hold no activity, or nothing is readable.
    UnsafeInputError
        When they hold more than :data:`MAX_MESSAGES` data messages.
    """
    if data[:2] == safety.GZIP_MAGIC:
        data = safety.gunzip_bytes(data, source)
    scan = _scan(data, source)
    dec = _Decoder(data, scan, tz)
    return _build(dec, scan, source, tz)


# --------------------------------------------------------------------------- CRC


@cache
def _crc_tables() -> tuple[np.ndarray, np.ndarray]:
    """The byte table of FIT's CRC-16 (reflected 0x8005, init 0) and its 16-bit version."""
    x = np.arange(65536, dtype=np.uint32)
    byte = x[:256].copy()
    for _ in range(8):
        byte = np.where(byte & 1, (byte >> 1) ^ 0xA001, byte >> 1)
    word = x
    for _ in range(16):
        word = np.where(word & 1, (word >> 1) ^ 0xA001, word >> 1)
    return byte.astype(np.uint32), word.astype(np.uint16)


@cache
def _crc_list() -> list[int]:
    return [int(v) for v in _crc_tables()[0]]


_SMALL_CRC: Final = 2048  # below this many bytes a plain loop beats the numpy lanes [bytes]


@cache
def _shift_tables(nbytes: int) -> tuple[np.ndarray, np.ndarray]:
    """The CRC register after ``nbytes`` zero bytes, as tables of its low and high byte.

    The CRC is linear over GF(2) with a zero initial value, so feeding zeros is a 16x16 bit
    matrix; it is built from the 16 unit registers, squaring for long shifts.
    """
    byte = _crc_tables()[0].tolist()

    def step(c: int, n: int) -> int:
        for _ in range(n):
            c = (c >> 8) ^ byte[c & 0xFF]
        return c

    if nbytes <= 64:
        basis = [step(1 << b, nbytes) for b in range(16)]
    else:
        half = _shift_tables(nbytes // 2)
        rest = nbytes - 2 * (nbytes // 2)
        lo, hi = (t.tolist() for t in half)
        basis = []
        for b in range(16):
            c = 1 << b
            c = lo[c & 0xFF] ^ hi[c >> 8]
            c = lo[c & 0xFF] ^ hi[c >> 8]
            basis.append(step(c, rest))
    values = np.arange(256)
    low = np.zeros(256, dtype=np.uint32)
    high = np.zeros(256, dtype=np.uint32)
    for b in range(8):
        hit = (values >> b) & 1 == 1
        low[hit] ^= basis[b]
        high[hit] ^= basis[b + 8]
    return low, high


def fit_crc(data: bytes | memoryview) -> int:
    """FIT's CRC-16 of ``data`` (as the FIT SDK computes it), vectorised with numpy.

    Parameters
    ----------
    data
        The bytes.

    Returns
    -------
    int
        The CRC [0, 65535]; a FIT file's bytes including its trailing CRC give 0.

    See Also
    --------
    fit_crcs : the CRCs of several ranges of one buffer, in one pass.
    """
    return fit_crcs(data, [(0, len(data))])[0]


_LANE_BYTES: Final = 32  # bytes per lane of the vectorised CRC (16 table steps)


def fit_crcs(data: bytes | memoryview, ranges: list[tuple[int, int]]) -> list[int]:
    """FIT's CRC-16 of ``data[a:b]`` for each ``(a, b)`` of ``ranges``, in one numpy pass.

    ``data`` is cut into lanes of :data:`_LANE_BYTES`; every lane's CRC is computed at
    once, two bytes a step through a 65536-entry table. A range's CRC is then the CRC of
    its bytes before its first whole lane (a short Python loop), its whole lanes folded
    together pairwise (the left shifted by the right's length with a precomputed linear
    map; all ranges fold at once, zero lanes in front, which leave a zero-initialised CRC
    unchanged) and its bytes after its last whole lane. Chained FIT files thus cost one
    pass, not one each.

    Parameters
    ----------
    data
        The bytes.
    ranges
        ``(start, stop)`` byte positions, ``0 <= start <= stop <= len(data)``.

    Returns
    -------
    list of int
        One CRC [0, 65535] a range.
    """
    size = _LANE_BYTES
    table = _crc_list()
    mem = memoryview(data).cast("B") if isinstance(data, memoryview) else memoryview(data)
    total = sum(b - a for a, b in ranges)
    if total < _SMALL_CRC:
        return [_crc_update(0, mem[a:b], table) for a, b in ranges]
    n_lanes = len(mem) // size
    raw = np.frombuffer(mem, dtype=np.uint8, count=n_lanes * size)
    _, word = _crc_tables()
    words = raw.view("<u2").reshape(n_lanes, size // 2)
    lanes = np.zeros(n_lanes, dtype=np.uint16)
    mixed = np.empty(n_lanes, dtype=np.uint16)
    for j in range(size // 2):
        np.bitwise_xor(lanes, words[:, j], out=mixed)
        np.take(word, mixed, out=lanes)
    # whole lanes first..last of each range; none (first == last == b // size) when short
    firsts = [-(-a // size) if -(-a // size) < b // size else b // size for a, b in ranges]
    lasts = [b // size for _, b in ranges]
    # Fold the whole lanes of ranges of like length together: the rows of one fold are
    # padded to the same power of two, so a long range is not folded with short ones.
    by_width: dict[int, list[int]] = {}
    for row, (first, last) in enumerate(zip(firsts, lasts, strict=True)):
        if last > first:
            by_width.setdefault(1 << (last - first - 1).bit_length(), []).append(row)
    middles = [0] * len(ranges)
    for width, rows in by_width.items():
        acc = np.zeros((len(rows), width), dtype=np.uint32)
        for k, row in enumerate(rows):
            acc[k, width - (lasts[row] - firsts[row]) :] = lanes[firsts[row] : lasts[row]]
        span = size
        while acc.shape[1] > 1:
            low, high = _shift_tables(span)
            left, right = acc[:, 0::2], acc[:, 1::2]
            acc = low[left & 0xFF] ^ high[left >> 8] ^ right
            span *= 2
        for row, value in zip(rows, acc[:, 0].tolist(), strict=True):
            middles[row] = value
    out = []
    for (a, b), first, last, middle in zip(ranges, firsts, lasts, middles, strict=True):
        if first == last:
            out.append(_crc_update(0, mem[a:b], table))
            continue
        head = _crc_update(0, mem[a : first * size], table)
        value = _crc_shift(head, (last - first) * size) ^ middle
        out.append(_crc_update(value, mem[last * size : b], table))
    return out


def _crc_update(value: int, chunk: bytes | memoryview, table: list[int]) -> int:
    """The CRC ``value`` carried on over the bytes ``chunk`` (a plain loop, for short ones)."""
    for byte in bytes(chunk):
        value = (value >> 8) ^ table[(value ^ byte) & 0xFF]
    return value


def _crc_shift(value: int, nbytes: int) -> int:
    """The CRC ``value`` carried on over ``nbytes`` zero bytes, by powers of two."""
    bit = 0
    while nbytes >> bit:
        if (nbytes >> bit) & 1 and value:
            low, high = _shift_lists(1 << bit)
            value = low[value & 0xFF] ^ high[value >> 8]
        bit += 1
    return value


@cache
def _shift_lists(nbytes: int) -> tuple[list[int], list[int]]:
    low, high = _shift_tables(nbytes)
    return low.tolist(), high.tolist()


# --------------------------------------------------------------------------- scanning


@dataclass(frozen=True)
class _Layout:
    """The layout of the data messages of one definition (identical definitions share it)."""

    global_num: int
    big_endian: bool
    size: int  # bytes after the record header
    fields: dict[int, tuple[int, int, int]]  # field number -> (offset, size, base type)


@dataclass
class _Scan:
    """Where every data message starts, which layout it has, and what went wrong."""

    starts: np.ndarray  # positions of the record header bytes [bytes]
    layout: np.ndarray  # index into layouts, per message
    chain: np.ndarray  # which chained FIT file the message is in, per message
    layouts: list[_Layout]
    problems: list[str] = field(default_factory=list)


def _scan(data: bytes, source: str) -> _Scan:
    """Walk the file headers and record headers of ``data`` (one or more chained files).

    The walk in Python notes only where each data message starts and where each definition
    came; the layout of every message is then looked up at once, from the table of local
    message types in force after each definition.
    """
    n = len(data)
    starts: list[int] = []
    # per definition that changes a local type's layout: the messages seen before it
    # [count], the local type and its new layout (compact: a hostile file may hold millions)
    def_at = array("q")
    def_local = array("B")
    def_lid = array("q")
    chain_starts: list[int] = []
    registry: dict[tuple[Any, ...], int] = {}
    layouts: list[_Layout] = []
    problems: list[str] = []
    # The chained files' headers first, so that every CRC is checked in one pass.
    files: list[tuple[int, int, int, bool]] = []  # (position, header size, end, truncated)
    trailing = None
    pos = 0
    while pos < n or not files:
        header = _file_header(data, pos)
        if isinstance(header, str):
            if not files:
                raise LogFormatError(source, header, fix="read it with the reader for its format")
            trailing = f"the {n - pos:,} bytes after FIT file {len(files)} are not FIT data"
            break
        header_size, data_size = header
        end = pos + header_size + data_size
        files.append((pos, header_size, min(end, n), end + 2 > n))
        pos = end + 2
    checks: list[tuple[int, int]] = []
    for pos, header_size, end, truncated in files:
        if header_size == 14 and data[pos + 12 : pos + 14] != b"\0\0":
            checks.append((pos, pos + 14))
        if not truncated:
            checks.append((pos, end + 2))
    crcs = iter(fit_crcs(data, checks))
    for part, (pos, header_size, end, truncated) in enumerate(files):
        what = "the file" if part == 0 else f"chained FIT file {part + 1}"
        if header_size == 14 and data[pos + 12 : pos + 14] != b"\0\0" and next(crcs):
            problems.append(f"the header of {what} fails its CRC check")
        begin = pos + header_size
        if truncated:
            data_size = int.from_bytes(data[pos + 4 : pos + 8], "little")
            over = ""
            if data_size > safety.MAX_FILE_BYTES:  # never trusted: only what is there is read
                over = (
                    f", over the cap of {safety.MAX_FILE_BYTES:,} bytes for one activity file "
                    "(stridekit.io.safety.MAX_FILE_BYTES), so the header is broken or hostile"
                )
            problems.append(
                f"{what} is truncated: its header announces {data_size:,} bytes of data"
                f"{over}; {max(n - begin, 0):,} are there and were read"
            )
        elif next(crcs):
            problems.append(f"{what} fails its CRC check (its data may be damaged)")
        chain_starts.append(len(starts))
        trouble = _scan_messages(
            data, begin, end, starts, (def_at, def_local, def_lid), registry, layouts
        )
        if trouble in (_TOO_MANY_DEFINITIONS, _TOO_MANY_LAYOUTS):
            raise _too_many(source, trouble)
        if trouble:
            problems.append(f"{what}: {trouble}; the rest of it was not read")
    if trailing:
        problems.append(trailing)
    count = len(starts)
    if count > MAX_MESSAGES:
        raise _too_many(source)
    positions = np.fromiter(starts, dtype=np.int64, count=count)
    layout = np.zeros(count, dtype=np.int64)
    if count:
        headers = np.frombuffer(data, dtype=np.uint8)[positions]
        local = np.where(headers & 0x80, (headers >> 5) & 0x03, headers & 0x0F)
        layout = _message_layouts(local, def_at, def_local, def_lid)
    chain = np.repeat(np.arange(len(chain_starts)), np.diff(np.append(chain_starts, count))).astype(
        np.int64
    )
    return _Scan(positions, layout, chain, layouts, problems)


def _message_layouts(
    local: np.ndarray, def_at: array[int], def_local: array[int], def_lid: array[int]
) -> np.ndarray:
    """The layout of each data message: that of the last definition of its local type
    before it (every data message follows one, in its own chained file)."""
    at = np.frombuffer(def_at, dtype=np.int64)
    d_local = np.frombuffer(def_local, dtype=np.uint8)
    d_lid = np.frombuffer(def_lid, dtype=np.int64)
    count = len(local)
    if len(at) <= 4096:  # the usual case: a table of the layouts in force after each one
        rows = np.arange(len(at))
        table = np.full((len(at), 16), -1, dtype=np.int64)
        table[rows, d_local] = d_lid
        filled = np.where(table >= 0, rows[:, None], 0)
        np.maximum.accumulate(filled, axis=0, out=filled)
        table = table[filled, np.arange(16)]
        seg = np.repeat(rows, np.diff(np.append(at, count)))
        return table[seg, local]
    seg = np.searchsorted(at, np.arange(count), side="right") - 1
    layout = np.zeros(count, dtype=np.int64)
    for lt in np.flatnonzero(np.bincount(local, minlength=16)):
        defs = np.flatnonzero(d_local == lt)
        which = np.flatnonzero(local == lt)
        layout[which] = d_lid[defs[np.searchsorted(defs, seg[which], side="right") - 1]]
    return layout


def _file_header(data: bytes, pos: int) -> tuple[int, int] | str:
    """The header size and data size of the FIT file header at ``pos``, or the problem."""
    if len(data) - pos < 12:
        return f"is too short to be a FIT file ({len(data) - pos} bytes)"
    header_size = data[pos]
    if header_size not in (12, 14) or data[pos + 8 : pos + 12] != b".FIT":
        return "is not a FIT file (no '.FIT' signature in its header)"
    return header_size, int.from_bytes(data[pos + 4 : pos + 8], "little")


def _scan_messages(
    data: bytes,
    pos: int,
    end: int,
    starts: list[int],
    definitions: tuple[array[int], array[int], array[int]],
    registry: dict[tuple[Any, ...], int],
    layouts: list[_Layout],
) -> str | None:
    """Note the start of each data message in ``data[pos:end]``; return the problem, if any.

    ``advance[h]`` is the length of a data message whose record header byte is ``h`` under
    the current definitions (0 when ``h`` starts a definition or an undefined type), so the
    loop over data messages does one table look-up per message. Each definition that
    changes a local type's layout appends the message count so far, the local type and its
    layout to ``definitions``.
    """
    def_at, def_local, def_lid = definitions
    advance = [0] * 256
    current = [-1] * 16  # layout per local type (undefined types never reach the table)
    append = starts.append
    first = len(starts)
    while pos < end:
        limit = min(end, pos + _SCAN_CHUNK)
        while pos < limit:
            step = advance[data[pos]]
            if not step:
                break
            append(pos)
            pos += step
        if len(starts) - first > MAX_MESSAGES:
            return f"holds more than {MAX_MESSAGES:,} messages"
        if pos >= limit:
            continue
        h = data[pos]
        if h & 0xC0 != 0x40:
            local = (h >> 5) & 0x03 if h & 0x80 else h & 0x0F
            return f"a message at byte {pos:,} uses local message type {local}, never defined"
        if pos + 6 > end:
            return f"a definition message at byte {pos:,} is cut short"
        big = data[pos + 2] == 1
        global_num = int.from_bytes(data[pos + 3 : pos + 5], "big" if big else "little")
        n_fields = data[pos + 5]
        p = pos + 6
        specs = data[p : p + 3 * n_fields]
        p += 3 * n_fields
        dev_size = 0
        if h & 0x20:
            if p >= end:
                return f"a definition message at byte {pos:,} is cut short"
            n_dev = data[p]
            dev = data[p + 1 : p + 1 + 3 * n_dev]
            p += 1 + 3 * n_dev
            dev_size = sum(dev[1::3])
        if p > end:
            return f"a definition message at byte {pos:,} is cut short"
        key = (global_num, big, specs, dev_size)
        lid = registry.get(key)
        if lid is None:
            lid = len(layouts)
            registry[key] = lid
            layouts.append(_layout(global_num, big, specs, dev_size))
        size = layouts[lid].size + 1
        local = h & 0x0F
        for hb in (local, local | 0x10, local | 0x20, local | 0x30):
            advance[hb] = size
        if local < 4:
            base = 0x80 | (local << 5)
            advance[base : base + 32] = [size] * 32
        pos = p
        if current[local] == lid:
            continue  # defined again as it was
        current[local] = lid
        if len(layouts) > MAX_LAYOUTS:
            return _TOO_MANY_LAYOUTS
        if len(def_at) >= MAX_DEFINITIONS:
            return _TOO_MANY_DEFINITIONS
        def_at.append(len(starts))
        def_local.append(local)
        def_lid.append(lid)
    if pos > end:
        del starts[-1]
        return f"its last message runs past the end of the data (byte {end:,})"
    return None


def _layout(global_num: int, big: bool, specs: bytes, dev_size: int) -> _Layout:
    fields: dict[int, tuple[int, int, int]] = {}
    offset = 0
    for i in range(0, len(specs) - 2, 3):
        number, size, base = specs[i], specs[i + 1], specs[i + 2]
        fields.setdefault(number, (offset, size, base))
        offset += size
    return _Layout(global_num, big, offset + dev_size, fields)


_TOO_MANY_DEFINITIONS: Final = "too many definitions"
_TOO_MANY_LAYOUTS: Final = "too many layouts"


def _too_many(source: str, what: str | None = None) -> UnsafeInputError:
    if what == _TOO_MANY_DEFINITIONS:
        return UnsafeInputError(
            source,
            f"holds more than {MAX_DEFINITIONS:,} definition messages that change a message "
            "layout, the cap for one activity file (stridekit.io.fit.MAX_DEFINITIONS)",
            fix="no watch writes this many; the file is broken or hostile",
        )
    if what == _TOO_MANY_LAYOUTS:
        return UnsafeInputError(
            source,
            f"defines more than {MAX_LAYOUTS:,} distinct message layouts, the cap for one "
            "activity file (stridekit.io.fit.MAX_LAYOUTS)",
            fix="no watch writes this many; the file is broken or hostile",
        )
    return UnsafeInputError(
        source,
        f"holds more than {MAX_MESSAGES:,} messages, the cap for one activity file "
        "(stridekit.io.fit.MAX_MESSAGES)",
        fix="no watch records this much; the file is broken or hostile",
    )


# --------------------------------------------------------------------------- decoding

_DATE_FIELDS: Final = ("timestamp", "start_time", "time_created")
"""Fields of :data:`fit_profile.FIELDS` of FIT type ``date_time`` (``local_timestamp`` is a
``local_date_time`` and is never relative)."""


class _Decoder:
    """Decodes the data messages of one global message number, all at once per layout.

    Parameters
    ----------
    data
        The file's bytes.
    scan
        Where its data messages are, from :func:`_scan`.
    tz
        The runner's time zone: used only to date a file whose times count from the
        device's power-on and that gives its date in local time alone.
    """

    def __init__(self, data: bytes, scan: _Scan, tz: TzLike = None) -> None:
        self.u8 = np.frombuffer(data, dtype=np.uint8)
        self.scan = scan
        self.tz = tz
        globals_ = np.array([lay.global_num for lay in scan.layouts], dtype=np.int64)
        self.glob = globals_[scan.layout] if len(scan.layout) else scan.layout
        self.compressed = (self.u8[scan.starts] & 0x80) != 0
        self._times: np.ndarray | None = None
        self._shift: float | None = None
        self.dating: str | None = None
        """How relative (power-on) times were dated, in words; ``None`` when none were."""

    def messages(self, global_num: int) -> Columns:
        """The fields of :data:`fit_profile.FIELDS` for ``global_num``, one row a message.

        Returns
        -------
        dict of str to numpy.ndarray
            Scaled values (``float64``, NaN where invalid; arrays of 2 dimensions for array
            fields), plus ``_index`` (message number in the file) and ``_chain``; rows in
            file order. Times (``timestamp``, ``start_time``, ``time_created``) are seconds
            since the FIT epoch, relative (power-on) times dated (:meth:`shift`).
        """
        out = self._columns(global_num)
        relative = [
            name
            for name in _DATE_FIELDS
            if name in out and (out[name] < P.RELATIVE_TIME_LIMIT).any()
        ]
        if relative:
            shift = self.shift()
            if not math.isnan(shift):
                for name in relative:
                    values = out[name]
                    out[name] = np.where(values < P.RELATIVE_TIME_LIMIT, values + shift, values)
        return out

    def _columns(self, global_num: int) -> Columns:
        """:meth:`messages` before relative times are dated."""
        spec = P.FIELDS[global_num]
        idx = np.flatnonzero(self.glob == global_num)
        n = len(idx)
        lay = self.scan.layout[idx]
        out: Columns
        if not n:
            out = {name: np.empty((0, 1) if f.array else 0) for name, f in spec.items()}
        elif (lay == lay[0]).all():
            out = self._decode(idx, self.scan.layouts[int(lay[0])], spec)
        else:
            out = self._decode_mixed(idx, lay, spec)
        out["_index"] = idx
        out["_chain"] = self.scan.chain[idx]
        if "timestamp" in out and global_num != P.SET:
            compressed = self.compressed[idx]
            if compressed.any():
                out["timestamp"] = np.where(compressed, self.times()[idx], out["timestamp"])
        return out

    def _decode(self, idx: np.ndarray, layout: _Layout, spec: dict[str, P.Field]) -> Columns:
        """Decode the fields ``spec`` of the messages ``idx``, all of one layout, at once.

        The messages' bytes are copied out as rows of a table once; each field is then a
        slice of its columns, viewed as its base type and byte order.
        """
        n = len(idx)
        out: Columns = {}
        order = ">" if layout.big_endian else "<"
        names: list[str] = []
        formats: list[Any] = []
        offsets: list[int] = []
        kept: list[tuple[str, P.Field, P.BaseType]] = []
        for name, f in spec.items():
            where = layout.fields.get(f.number)
            bt = _base_type(where)
            if where is None or bt is None:
                out[name] = np.full((n, 1) if f.array else n, _NAN)
                continue
            names.append(name)
            formats.append(_format(bt, order, where[1] // bt.size if f.array else 0))
            offsets.append(where[0])
            kept.append((name, f, bt))
        if kept:
            dtype = np.dtype(
                {"names": names, "formats": formats, "offsets": offsets, "itemsize": layout.size}
            )
            records = self._rows(idx, layout).view(dtype)[:, 0]
            for name, f, bt in kept:
                out[name] = _values(records[name], bt, order, f, layout.global_num)
        return out

    def _decode_mixed(self, idx: np.ndarray, lay: np.ndarray, spec: dict[str, P.Field]) -> Columns:
        """Decode the fields ``spec`` of the messages ``idx`` of several layouts ``lay``.

        The messages' bytes are copied out as rows once (as wide as the widest layout).
        Each field is read for every row as the group of layouts holding most messages
        places it (offset, size, base type, byte order), then the rows of other layouts
        are set right: read as their own group places the field, or NaN without it.
        """
        n = len(idx)
        layouts = self.scan.layouts
        global_num = layouts[int(lay[0])].global_num
        counts = np.bincount(lay, minlength=len(layouts))
        lids = np.flatnonzero(counts).tolist()
        rows = self._rows(idx, max((layouts[lid] for lid in lids), key=lambda x: x.size))
        rows_of = {lid: np.flatnonzero(lay == lid) for lid in lids}
        picked: dict[tuple[int, ...], tuple[np.ndarray, np.ndarray]] = {}

        def pick(mine: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
            """The positions of the messages of layouts ``mine``, and their rows."""
            if mine not in picked:
                sel = np.concatenate([rows_of[lid] for lid in mine])
                picked[mine] = (sel, rows[sel])
            return picked[mine]

        out: Columns = {}
        for name, f in spec.items():
            groups: dict[tuple[int, int, bool, int], list[int]] = {}
            types: dict[tuple[int, int, bool, int], P.BaseType] = {}
            for lid in lids:
                where = layouts[lid].fields.get(f.number)
                bt = _base_type(where)
                if where is not None and bt is not None:
                    width = where[1] if f.array else bt.size
                    key = (where[0], width, layouts[lid].big_endian, where[2] & 0x1F)
                    groups.setdefault(key, []).append(lid)
                    types[key] = bt
            if not groups:
                out[name] = np.full((n, 1) if f.array else n, _NAN)
                continue
            ranked = sorted(groups, key=lambda k: -int(counts[groups[k]].sum()))
            offset, width, big, _ = ranked[0]
            bt = types[ranked[0]]
            order = ">" if big else "<"
            raw = _field(rows, offset, bt, order, width // bt.size if f.array else 0)
            column = _values(raw, bt, order, f, global_num)
            if len(ranked) == 1 and len(groups[ranked[0]]) == len(lids):
                out[name] = column
                continue
            if f.array:
                cols = max(k[1] // types[k].size for k in groups)
                if cols > column.shape[1]:
                    wider = np.full((n, cols), _NAN)
                    wider[:, : column.shape[1]] = column
                    column = wider
            main = set(groups[ranked[0]])
            column[pick(tuple(lid for lid in lids if lid not in main))[0]] = _NAN
            for key in ranked[1:]:
                offset, width, big, _ = key
                bt = types[key]
                order = ">" if big else "<"
                sel, sub = pick(tuple(groups[key]))
                raw = _field(sub, offset, bt, order, width // bt.size if f.array else 0)
                values = _values(raw, bt, order, f, global_num)
                if f.array:
                    column[sel, : values.shape[1]] = values
                else:
                    column[sel] = values
            out[name] = column
        return out

    def _rows(self, idx: np.ndarray, layout: _Layout) -> np.ndarray:
        """The bytes of the messages ``idx``, one row a message, as wide as ``layout``.

        Rows run past the end of the data only when a narrower layout's last message sits
        there; the bytes past it are then zeros.
        """
        size = max(layout.size, 1)
        u8 = self.u8
        at = self.scan.starts[idx] + 1
        if len(at) and int(at[-1]) + size > len(u8):
            u8 = np.concatenate([u8, np.zeros(size, dtype=np.uint8)])
        windows = np.lib.stride_tricks.as_strided(
            u8, shape=(max(len(u8) - size + 1, 0), size), strides=(1, 1)
        )
        return windows[at]

    def times(self) -> np.ndarray:
        """Every message's ``timestamp``, compressed headers resolved [s since the FIT epoch].

        NaN for messages without one. A compressed header holds the low 5 bits of its
        time; it is the last timestamp (full or compressed) advanced to the next time with
        those low bits. Relative (power-on) times are left as they are.
        """
        if self._times is not None:
            return self._times
        scan = self.scan
        n = len(scan.starts)
        # the offset of each layout's 4-byte timestamp, -1 without one, gathered at once
        offsets = np.full(len(scan.layouts) + 1, -1, dtype=np.int64)
        big = np.zeros(len(scan.layouts) + 1, dtype=bool)
        for lid, layout in enumerate(scan.layouts):
            where = layout.fields.get(P.TIMESTAMP)
            if where and where[1] == 4 and layout.global_num != P.SET:
                offsets[lid] = where[0]
                big[lid] = layout.big_endian
        off = offsets[scan.layout] if n else np.empty(0, dtype=np.int64)
        has = np.flatnonzero((off >= 0) & ~self.compressed)
        full = np.full(n, _NAN)
        if len(has):
            at = scan.starts[has] + 1 + off[has]
            b = self.u8[at[:, None] + np.arange(4)].astype(np.int64)
            little = b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16) | (b[:, 3] << 24)
            bigend = b[:, 3] | (b[:, 2] << 8) | (b[:, 1] << 16) | (b[:, 0] << 24)
            value = np.where(big[scan.layout[has]], bigend, little).astype(np.float64)
            value[value == 0xFFFF_FFFF] = _NAN
            full[has] = value
        times = full
        if self.compressed.any():
            low = (self.u8[scan.starts] & 0x1F).astype(np.int64)
            times = np.full(n, _NAN)
            for c in _distinct(scan.chain):
                mine = np.flatnonzero(scan.chain == c)
                times[mine] = _chain_times(full[mine], self.compressed[mine], low[mine])
        self._times = times
        return times

    def shift(self) -> float:
        """Seconds to add to relative (power-on) times to date them; NaN when nothing can.

        In the FIT SDK's order: the ``timestamp_correlation`` message (UTC and power-on
        time of one instant); the first absolute timestamp after relative ones (a watch
        that switched to the UTC it learnt from GPS; the two are taken to be one usual
        interval apart); ``file_id.time_created`` when it is
        absolute (taken as the first relative time). Failing those, the ``activity``'s
        ``local_timestamp`` dates the file in local time, which the runner's time zone
        (``tz``, else the machine's) turns into UTC.
        """
        if self._shift is not None:
            return self._shift
        limit = P.RELATIVE_TIME_LIMIT
        shift = _NAN
        corr = self._columns(P.TIMESTAMP_CORRELATION)
        utc = corr["timestamp"] + np.nan_to_num(corr["fractional_timestamp"])
        system = corr["system_timestamp"] + np.nan_to_num(corr["fractional_system_timestamp"])
        ok = (utc >= limit) & (system < limit)
        if ok.any():
            shift = float(round(float(utc[ok][0] - system[ok][0])))
            self.dating = "timestamp_correlation"
        times = self.times()
        timed = times[~np.isnan(times)]
        relative = timed < limit
        if math.isnan(shift):
            switch = np.flatnonzero(relative[:-1] & ~relative[1:])
            if len(switch):
                i = int(switch[0])
                steps = np.diff(timed[: i + 1])
                steps = steps[steps > 0]
                step = float(np.median(steps)) if len(steps) else 0.0  # the usual interval
                shift = float(timed[i + 1] - timed[i]) - step
                self.dating = "the first absolute timestamp"
        if math.isnan(shift) and relative.any():
            created = self._columns(P.FILE_ID)["time_created"]
            created = created[created >= limit]
            if len(created):
                shift = float(created[0] - timed[relative][0])
                self.dating = "file_id.time_created"
        if math.isnan(shift):
            act = self._columns(P.ACTIVITY)
            ok = (act["local_timestamp"] >= limit) & (act["timestamp"] < limit)
            if ok.any():
                local = float(act["local_timestamp"][ok][0])
                zone = resolve_tz(self.tz)
                wall = _EPOCH_FIT + dt.timedelta(seconds=local)
                offset = zone.utcoffset(wall.replace(tzinfo=None))
                utc_offset = offset.total_seconds() if offset is not None else 0.0
                shift = local - utc_offset - float(act["timestamp"][ok][0])
                self.dating = f"the activity's local time, in time zone {zone}"
        self._shift = shift
        return shift


_EPOCH_FIT: Final = dt.datetime(1989, 12, 31)


def _distinct(values: np.ndarray) -> list[int]:
    """The distinct values of small non-negative integers, ascending (``np.unique`` sorts)."""
    return np.flatnonzero(np.bincount(values)).tolist() if len(values) else []


def _base_type(where: tuple[int, int, int] | None) -> P.BaseType | None:
    """The base type of a field ``(offset, size, base type)``, or ``None`` when unreadable."""
    if where is None:
        return None
    bt = P.BASE_TYPES.get(where[2] & 0x1F, P.BYTE_BASE_TYPE)
    return bt if where[1] and not where[1] % bt.size else None


def _format(bt: P.BaseType, order: str, count: int) -> Any:
    """The numpy format of a field: its base type (floats as unsigned integers of their
    size, to compare with the invalid value bit for bit), ``count`` elements when > 0."""
    code = f"{order}u{bt.size}" if bt.code[0] == "f" else order + bt.code
    return (code, (count,)) if count else code


def _field(rows: np.ndarray, offset: int, bt: P.BaseType, order: str, count: int) -> np.ndarray:
    """The raw values of one field at ``offset`` of every row of ``rows``, as a view."""
    dtype = np.dtype(
        {
            "names": ["v"],
            "formats": [_format(bt, order, count)],
            "offsets": [offset],
            "itemsize": rows.shape[1],
        }
    )
    return rows.view(dtype)[:, 0]["v"]


def _values(raw: np.ndarray, bt: P.BaseType, order: str, f: P.Field, global_num: int) -> np.ndarray:
    """The values of a field from its raw values ``raw`` (one a message) [field's unit].

    ``float64``, NaN where the raw value is the base type's invalid one, scaled; for array
    fields two dimensions, one column an element.
    """
    if bt.code[0] == "f":
        values = raw.view(order + bt.code).astype(np.float64)
    elif f.scale != 1.0:
        values = np.divide(raw, f.scale, dtype=np.float64)
    else:
        values = raw.astype(np.float64)
    if not (f.array and f.number == 8 and global_num == P.RECORD):
        values[raw == bt.invalid] = _NAN  # compressed_speed_distance: raw bytes, all kept
    if bt.code[0] == "f" and f.scale != 1.0:
        values /= f.scale
    if f.offset:
        values -= f.offset
    return values


def _chain_times(full: np.ndarray, compressed: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Resolve the compressed timestamps of one chained file, vectorised."""
    timed = np.flatnonzero(~np.isnan(full) | compressed)
    out = full.copy()
    if not len(timed):
        return out
    f = full[timed]
    comp = compressed[timed]
    low = np.where(comp, offsets[timed], np.nan_to_num(f).astype(np.int64) & 0x1F).astype(np.int64)
    delta = np.zeros(len(timed), dtype=np.int64)
    delta[1:] = (low[1:] - low[:-1]) & 0x1F
    delta[~comp] = 0
    steps = np.cumsum(delta)
    # The last full timestamp before each position, and the steps counted at it.
    last_full = np.where(~comp, np.arange(len(timed)), -1)
    last_full = np.maximum.accumulate(last_full)
    has_base = last_full >= 0
    base = np.where(has_base, f[np.maximum(last_full, 0)], _NAN)
    resolved = base + (steps - steps[np.maximum(last_full, 0)])
    out[timed[comp]] = np.where(has_base, resolved, _NAN)[comp]
    return out


# --------------------------------------------------------------------------- tables


@dataclass
class _Part:
    """One session under construction."""

    chain: int
    start_s: float  # [s since the FIT epoch]
    sport: str
    kind: str | None
    running: bool
    values: dict[str, float]


def _build(dec: _Decoder, scan: _Scan, source: str, tz: TzLike) -> TrainingLog:
    records = dec.messages(P.RECORD)
    sessions = dec.messages(P.SESSION)
    n_records = len(records["_index"])
    if not n_records and not len(sessions["_index"]):
        raise _no_activity(dec, scan, source)
    laps = dec.messages(P.LAP)
    sets = dec.messages(P.SET)
    sports = dec.messages(P.SPORT)

    parts = _sessions(sessions, records, sets, sports, laps)
    if not parts:
        raise LogFormatError(
            source,
            f"holds no activity with a time: its {n_records} record message(s) carry no "
            "timestamp and no session message gives a start",
            fix=_FIX,
        )
    rec_time = _ffill(records["timestamp"])
    rec_owner = _owners(parts, records["_chain"], rec_time)
    lap_start = np.where(
        np.isnan(laps["start_time"]),
        laps["timestamp"] - laps["total_elapsed_time"],
        laps["start_time"],
    )
    lap_when = _ffill(lap_start)
    lap_owner = _owners(parts, laps["_chain"], lap_when)
    set_time = _ffill(np.where(np.isnan(sets["start_time"]), sets["timestamp"], sets["start_time"]))
    set_owner = _owners(parts, sets["_chain"], set_time)
    _extend_starts(parts, ((rec_owner, rec_time), (lap_owner, lap_when), (set_owner, set_time)))

    samples = _samples(records, parts, rec_owner)
    lap_cols = _laps(laps, lap_start, parts, lap_owner)
    set_cols = _sets(sets, set_owner)
    timer = _timer_runs(dec.messages(P.EVENT))
    for i, part in enumerate(parts):
        _finish_session(part, samples, rec_owner == i, lap_cols, lap_owner == i, timer)

    start_ns = np.array([_to_ns(p.start_s) for p in parts], dtype=np.int64)
    ids = unique_keys(start_ns.tolist())
    session_cols: dict[str, Any] = {
        "session_id": ids,
        "start_utc": utc_times(start_ns),
        "local_date": _local_dates(start_ns, _utc_offset(dec), tz),
        "sport": [p.sport for p in parts],
        "kind": [p.kind for p in parts],
    }
    for name in parts[0].values:
        session_cols[name] = np.array([p.values[name] for p in parts])
    session_cols["source"] = [source] * len(parts)
    session_cols["source_format"] = [SOURCE_FORMAT] * len(parts)

    samples["session_id"] = take_strings(ids, rec_owner)
    lap_cols["session_id"] = take_strings(ids, lap_owner)
    set_cols["session_id"] = take_strings(ids, set_owner[set_cols.pop("_row")])
    problems = list(scan.problems)
    if dec.dating is None and dec._shift is not None and math.isnan(dec._shift):
        problems.append(
            "its times count from the watch's power-on and nothing in it (no "
            "timestamp_correlation, absolute time or local time) tells the date: the "
            "sessions are dated from 1989-12-31"
        )
    entry = ReportEntry(
        path=source,
        status="partial" if problems else "ok",
        format=SOURCE_FORMAT,
        sessions=len(parts),
        message="; ".join(problems) if problems else None,
    )
    sessions_table = frame("sessions", session_cols)
    if (np.diff(start_ns) < 0).any():  # chained files out of time order: sorted as logs keep them
        sessions_table = sessions_table.sort_values("start_utc", kind="stable", ignore_index=True)
    # built by frame() at the schema's columns and dtypes: TrainingLog has nothing to conform
    return TrainingLog.of_conforming(
        sessions=sessions_table,
        laps=frame("laps", lap_cols),
        samples=frame("samples", samples),
        sets=frame("sets", set_cols),
        report=ImportReport([entry]),
    )


def _extend_starts(parts: list[_Part], owned: tuple[tuple[np.ndarray, np.ndarray], ...]) -> None:
    """Move a session's start back to the earliest record, lap or set it was given.

    Only the first session of a file can be given messages from before its start (a watch
    that wrote a late ``start_time``, as the fenix 2 does for the first leg of a multisport
    activity); ``t_s`` and lap starts then never go negative. Times more than
    :data:`MAX_EARLY_S` before the start are taken for a bad clock and move nothing.
    """
    starts = np.array([p.start_s for p in parts])
    earliest = starts.copy()
    for owner, times in owned:
        if not len(owner):
            continue
        # a time more than MAX_EARLY_S before the start is a bad clock, not a late start
        early = (times < starts[owner]) & (times >= starts[owner] - MAX_EARLY_S)
        if early.any():
            np.minimum.at(earliest, owner[early], times[early])
    for part, start in zip(parts, earliest.tolist(), strict=True):
        part.start_s = start


def _timer_runs(events: Columns) -> dict[int, np.ndarray]:
    """The timer's running spans from its start and stop events, per chained file.

    Returns
    -------
    dict of int to numpy.ndarray
        Chained file -> ``(k, 2)`` array of ``[start, stop]`` [s since the FIT epoch]; a
        span still running at the file's end has ``inf`` as its stop.
    """
    timer = (events["event"] == P.TIMER_EVENT) & ~np.isnan(events["timestamp"])
    out: dict[int, np.ndarray] = {}
    if not timer.any():
        return out
    kinds = events["event_type"][timer].tolist()
    times = events["timestamp"][timer].tolist()
    chains = events["_chain"][timer].tolist()
    spans: dict[int, list[list[float]]] = {}
    running: dict[int, bool] = {}
    for kind, t, c in sorted(zip(kinds, times, chains, strict=True), key=lambda e: (e[2], e[1])):
        mine = spans.setdefault(c, [])
        if kind == P.TIMER_START and not running.get(c, False):
            mine.append([t, math.inf])
            running[c] = True
        elif kind in P.TIMER_STOPS and running.get(c, False):
            mine[-1][1] = t
            running[c] = False
    for c, mine in spans.items():
        out[c] = np.array(mine, dtype=np.float64).reshape(-1, 2)
    return out


def _timer_s(runs: np.ndarray | None, start: float, end: float) -> float:
    """Seconds the timer ran between ``start`` and ``end``; NaN without timer events."""
    if runs is None or not len(runs) or math.isnan(end):
        return _NAN
    inside = np.minimum(runs[:, 1], end) - np.maximum(runs[:, 0], start)
    inside = inside[inside > 0]
    return float(inside.sum()) if len(inside) else _NAN


def _no_activity(dec: _Decoder, scan: _Scan, source: str) -> LogFormatError:
    types = dec.messages(P.FILE_ID)["type"]
    kinds = sorted({P.FILE_TYPES.get(int(t), f"type {int(t)}") for t in types if t == t})
    what = f"a {' and '.join(kinds)} file" if kinds else "a FIT file without a file_id"
    problem = f"holds no activity: it is {what}, with no session or record messages"
    if scan.problems:
        problem += f" ({'; '.join(scan.problems)})"
    if not len(scan.starts):
        problem = "holds no readable data message" + (
            f" ({'; '.join(scan.problems)})" if scan.problems else ""
        )
    return LogFormatError(source, problem, fix="only activity files hold sessions")


def _sport(sport: float, sub_sport: float, has_sets: bool) -> tuple[str, str | None]:
    """stridekit's sport and kind for a FIT sport and sub-sport."""
    if sport == P.RUNNING:
        return "run", None
    if sport == P.TRAINING:
        if sub_sport in P.MOBILITY_SUB_SPORTS:
            return "mobility", P.MOBILITY_SUB_SPORTS[int(sub_sport)]
        if sub_sport != P.CARDIO_TRAINING or has_sets:
            return "strength", "strength"
    if has_sets:
        return "strength", "strength"
    return "cross", None


def _sessions(
    sessions: Columns, records: Columns, sets: Columns, sports: Columns, laps: Columns
) -> list[_Part]:
    """One part per session message, plus one per chained file with records only."""
    parts: list[_Part] = []
    chains = _distinct(np.concatenate([sessions["_chain"], records["_chain"]]))
    for c in chains:
        has_sets = bool((sets["_chain"] == c).any())
        chain_sports = np.flatnonzero(sports["_chain"] == c)
        mine = np.flatnonzero(sessions["_chain"] == c)
        rec_times = records["timestamp"][records["_chain"] == c]
        first_record = float(np.nanmin(rec_times)) if (~np.isnan(rec_times)).any() else _NAN
        for k, i in enumerate(mine.tolist()):
            start = sessions["start_time"][i]
            if math.isnan(start):
                start = sessions["timestamp"][i] - sessions["total_elapsed_time"][i]
            if math.isnan(start):
                start = first_record
            if math.isnan(start):
                continue
            sport, sub = sessions["sport"][i], sessions["sub_sport"][i]
            if math.isnan(sport) and k < len(chain_sports):
                sport = sports["sport"][chain_sports[k]]
                sub = sports["sub_sport"][chain_sports[k]]
            name, kind = _sport(sport, sub, has_sets and sport != P.RUNNING)
            values = {
                "distance_m": sessions["total_distance"][i],
                "duration_s": sessions["total_elapsed_time"][i],
                "moving_s": sessions["total_timer_time"][i],
                "avg_speed_mps": _first_valid(
                    sessions["enhanced_avg_speed"][i], sessions["avg_speed"][i]
                ),
                "avg_hr_bpm": sessions["avg_heart_rate"][i],
                "avg_cadence_spm": (
                    2.0
                    * (sessions["avg_cadence"][i] + _zero(sessions["avg_fractional_cadence"][i]))
                    if sport == P.RUNNING
                    else _NAN
                ),
                "ascent_m": sessions["total_ascent"][i],
                "rpe": sessions["workout_rpe"][i],
            }
            parts.append(_Part(c, float(start), name, kind, sport == P.RUNNING, values))
        if not len(mine) and not math.isnan(first_record):
            sport = sports["sport"][chain_sports[0]] if len(chain_sports) else _NAN
            sub = sports["sub_sport"][chain_sports[0]] if len(chain_sports) else _NAN
            if math.isnan(sport):
                lap_sports = laps["sport"][(laps["_chain"] == c) & ~np.isnan(laps["sport"])]
                sport = lap_sports[0] if len(lap_sports) else _NAN
            name, kind = _sport(sport, sub, has_sets)
            values = dict.fromkeys(
                (
                    "distance_m",
                    "duration_s",
                    "moving_s",
                    "avg_speed_mps",
                    "avg_hr_bpm",
                    "avg_cadence_spm",
                    "ascent_m",
                    "rpe",
                ),
                _NAN,
            )
            parts.append(_Part(c, first_record, name, kind, sport == P.RUNNING, values))
    return parts


def _first_valid(*values: float) -> float:
    return next((float(v) for v in values if not math.isnan(v)), _NAN)


def _zero(value: float) -> float:
    return 0.0 if math.isnan(value) else float(value)


def _ffill(values: np.ndarray) -> np.ndarray:
    """``values`` with NaN replaced by the last valid value before (or the first after)."""
    bad = np.isnan(values)
    if not bad.any() or bad.all():
        return values
    idx = np.where(bad, 0, np.arange(len(values)))
    np.maximum.accumulate(idx, out=idx)
    out = values[idx]
    first = values[~bad][0]
    out[np.isnan(out)] = first
    return out


def _owners(parts: list[_Part], chain: np.ndarray, times: np.ndarray) -> np.ndarray:
    """The index into ``parts`` of the session each message belongs to.

    Within its chained file, the session that started last at or before the message's
    time; the first one for messages before every session (or without a time). Messages of a
    chained file without sessions go to the session that started last before them overall.
    """
    owner = np.zeros(len(times), dtype=np.int64)
    if not len(times) or len(parts) == 1:
        return owner
    t = np.nan_to_num(times, nan=-np.inf)
    all_idx = np.array(sorted(range(len(parts)), key=lambda i: parts[i].start_s))
    all_starts = np.array([parts[i].start_s for i in all_idx])
    for c in _distinct(chain):
        rows = np.flatnonzero(chain == c)
        mine = [i for i in all_idx.tolist() if parts[i].chain == c]
        if mine:
            idx = np.array(mine)
            starts = np.array([parts[i].start_s for i in mine])
        else:
            idx, starts = all_idx, all_starts
        which = np.searchsorted(starts, t[rows], side="right") - 1
        owner[rows] = idx[np.maximum(which, 0)]
    return owner


def _to_ns(fit_s: float) -> int:
    return round(float(fit_s) + P.FIT_EPOCH_S) * _NS  # FIT times are whole seconds


def _samples(records: Columns, parts: list[_Part], owner: np.ndarray) -> dict[str, Any]:
    stamps = records["timestamp"]
    valid = ~np.isnan(stamps)
    time_ns = np.where(valid, np.nan_to_num(stamps) + P.FIT_EPOCH_S, 0).astype(np.int64) * _NS
    starts = np.array([p.start_s for p in parts]) if parts else np.empty(0)
    t_s = stamps - starts[owner] if len(owner) else np.empty(0)
    time_utc = utc_times(np.where(valid, time_ns, np.iinfo(np.int64).min))  # NaT where none

    speed = _prefer(records["enhanced_speed"], records["speed"])
    distance = records["distance"]
    packed = records["compressed_speed_distance"]
    if packed.shape[1] >= 3 and (~np.isnan(packed[:, 0])).any():
        c_speed, c_dist = _compressed(packed, records["_chain"])
        speed = _prefer(speed, c_speed)
        distance = _prefer(distance, c_dist)
    running = np.array([p.running for p in parts], dtype=bool)[owner] if len(owner) else owner
    strides = records["cadence"] + np.nan_to_num(records["fractional_cadence"])
    cadence = np.where(running, 2.0 * strides, _NAN)
    with np.errstate(divide="ignore", invalid="ignore"):
        step = np.where(cadence > 0, speed / (cadence / 60.0), _NAN)
    # The recorded step length (running dynamics) where cadence is missing, not where zero.
    step = np.where(np.isnan(step) & ~(cadence == 0), records["step_length"] / 1000.0, step)
    return {
        "t_s": t_s,
        "time_utc": time_utc,
        "distance_m": distance,
        "speed_mps": speed,
        "hr_bpm": records["heart_rate"],
        "cadence_spm": cadence,
        "step_m": step,
        "altitude_m": _prefer(records["enhanced_altitude"], records["altitude"]),
        "lat_deg": records["position_lat"] * P.SEMICIRCLE_DEG,
        "lon_deg": records["position_long"] * P.SEMICIRCLE_DEG,
    }


def _prefer(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    bad = np.isnan(first)
    if not bad.any():
        return first
    return np.where(bad, second, first)


def _compressed(packed: np.ndarray, chain: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Speed [m/s] and accumulated distance [m] of ``compressed_speed_distance`` bytes.

    Each field packs a 12-bit speed (/100 m/s) and a 12-bit distance (/16 m) that rolls
    over at 4096; distance accumulates the rolled-over increments from the first value.
    """
    bytes3 = packed[:, :3]
    valid = ~np.isnan(bytes3).any(axis=1) & ~(bytes3 == 0xFF).all(axis=1)
    b = np.nan_to_num(bytes3).astype(np.int64)
    speed = np.where(valid, (b[:, 0] | ((b[:, 1] & 0x0F) << 8)) / 100.0, _NAN)
    raw = (b[:, 1] >> 4) | (b[:, 2] << 4)
    distance = np.full(len(b), _NAN)
    for c in _distinct(chain):
        rows = np.flatnonzero((chain == c) & valid)
        if not len(rows):
            continue
        r = raw[rows]
        inc = np.zeros(len(r), dtype=np.int64)
        inc[1:] = (r[1:] - r[:-1]) & 0xFFF
        distance[rows] = (r[0] + np.cumsum(inc)) / 16.0
    return speed, distance


def _laps(
    laps: Columns, lap_start: np.ndarray, parts: list[_Part], owner: np.ndarray
) -> dict[str, Any]:
    n = len(owner)
    starts = np.array([p.start_s for p in parts])
    start_s = lap_start - starts[owner] if n else np.empty(0)
    duration = laps["total_timer_time"]
    distance = laps["total_distance"]
    with np.errstate(divide="ignore", invalid="ignore"):
        speed = np.where(duration > 0, distance / duration, _NAN)
    speed = _prefer(speed, _prefer(laps["enhanced_avg_speed"], laps["avg_speed"]))
    running = np.array([p.running for p in parts], dtype=bool)[owner] if n else np.zeros(0, bool)
    lap_sport = laps["sport"]
    running = np.where(np.isnan(lap_sport), running, lap_sport == P.RUNNING)
    cadence = np.where(
        running, 2.0 * (laps["avg_cadence"] + np.nan_to_num(laps["avg_fractional_cadence"])), _NAN
    )
    return {
        "lap_index": _positions(owner),
        "start_s": start_s,
        "duration_s": duration,
        "distance_m": distance,
        "avg_speed_mps": speed,
        "avg_hr_bpm": laps["avg_heart_rate"],
        "avg_cadence_spm": cadence,
        "intensity": _words(laps["intensity"], P.INTENSITY),
        "trigger": _words(laps["lap_trigger"], P.LAP_TRIGGER),
    }


def _positions(owner: np.ndarray) -> np.ndarray:
    """Each row's position among the rows of its session, from 0, in file order."""
    index = np.zeros(len(owner), dtype=np.int64)
    if len(owner):
        order = np.argsort(owner, kind="stable")
        sorted_owner = owner[order]
        first = np.searchsorted(sorted_owner, sorted_owner, side="left")
        index[order] = np.arange(len(owner)) - first
    return index


def _words(codes: np.ndarray, names: dict[int, str]) -> list[str | None]:
    return [None if c != c else names.get(int(c), str(int(c))) for c in codes.tolist()]


def _sets(sets: Columns, owner: np.ndarray) -> dict[str, Any]:
    """The active sets, each with the duration of the rest set that follows it."""
    kind = sets["set_type"]
    n = len(kind)
    active = np.flatnonzero(kind == P.SET_ACTIVE)
    nxt = active + 1
    has_next = nxt < n
    rest = np.full(len(active), _NAN)
    follows = np.zeros(len(active), dtype=bool)
    follows[has_next] = (kind[nxt[has_next]] == P.SET_REST) & (
        owner[nxt[has_next]] == owner[active[has_next]]
    )
    rest[follows] = sets["duration"][nxt[follows]]
    categories = sets["category"][active] if n else np.empty((0, 1))
    names: list[str | None] = []
    exercises: list[str | None] = []
    for row in categories.tolist():
        codes = [int(c) for c in row if c == c]
        words = [P.EXERCISE_CATEGORY.get(c, str(c)) for c in codes]
        names.append(",".join(words) or None)
        known = bool(codes) and codes[0] != P.UNKNOWN_EXERCISE
        exercises.append(normalize_exercise(words[0]) if known else None)
    index = _positions(owner[active])
    reps = sets["repetitions"][active]
    return {
        "_row": active,
        "set_index": index,
        "exercise": exercises,
        "category": names,
        "reps": pd.arrays.IntegerArray(np.nan_to_num(reps).astype(np.int64), np.isnan(reps)),
        "weight_kg": np.nan_to_num(sets["weight"][active], nan=_NAN),
        "duration_s": sets["duration"][active],
        "rest_s": rest,
    }


def _finish_session(
    part: _Part,
    samples: dict[str, Any],
    rows: np.ndarray,
    laps: dict[str, Any],
    lap_rows: np.ndarray,
    timer: dict[int, np.ndarray],
) -> None:
    """Fill the session's missing values from its samples, laps and timer events.

    Moving time, when the session does not record it, is the time the timer ran within
    the session (its start and stop events), else the laps' timer time, else the elapsed
    time.
    """
    v = part.values
    t = samples["t_s"][rows]
    if math.isnan(v["duration_s"]) and len(t):
        v["duration_s"] = float(np.nanmax(t)) if (~np.isnan(t)).any() else _NAN
    if math.isnan(v["moving_s"]):
        v["moving_s"] = _timer_s(
            timer.get(part.chain), part.start_s, part.start_s + v["duration_s"]
        )
    if math.isnan(v["moving_s"]):
        lap_timer = laps["duration_s"][lap_rows]
        v["moving_s"] = (
            float(np.nansum(lap_timer)) if (~np.isnan(lap_timer)).any() else v["duration_s"]
        )
    if math.isnan(v["distance_m"]):
        d = samples["distance_m"][rows]
        d = d[~np.isnan(d)]
        v["distance_m"] = float(d.max() - min(d.min(), 0.0)) if len(d) else _NAN
    for key, col in (("avg_hr_bpm", "hr_bpm"), ("avg_cadence_spm", "cadence_spm")):
        if math.isnan(v[key]):
            values = samples[col][rows]
            values = values[values > 0]
            v[key] = float(values.mean()) if len(values) else _NAN
    moving, distance = v["moving_s"], v["distance_m"]
    if moving > 0 and not math.isnan(distance):
        v["avg_speed_mps"] = distance / moving
    cadence, speed = v["avg_cadence_spm"], v["avg_speed_mps"]
    v["avg_step_m"] = speed / (cadence / 60.0) if cadence > 0 and speed == speed else _NAN
    intensity = [laps["intensity"][i] for i in np.flatnonzero(lap_rows).tolist()]
    lap_timer = laps["duration_s"][lap_rows].tolist()
    known = any(x is not None for x in intensity)
    for key, word in (("warmup_s", "warmup"), ("cooldown_s", "cooldown")):
        picked = [d for d, x in zip(lap_timer, intensity, strict=True) if x == word]
        v[key] = float(np.nansum(picked)) if known else _NAN


def _utc_offset(dec: _Decoder) -> float:
    """The runner's UTC offset the file records [s], NaN when it records none.

    ``activity.local_timestamp - activity.timestamp``, rounded to the quarter hour every
    time zone's offset is a multiple of; differences beyond 18 hours are not offsets.
    """
    act = dec.messages(P.ACTIVITY)
    diff = act["local_timestamp"] - act["timestamp"]
    diff = diff[~np.isnan(diff) & (np.abs(diff) <= MAX_UTC_OFFSET_S)]
    return round(float(diff[0]) / 900.0) * 900.0 if len(diff) else _NAN


def _local_dates(start_ns: np.ndarray, offset_s: float, tz: TzLike) -> np.ndarray:
    """The local calendar day (midnight, tz-naive ``datetime64[ns]``) of each start.

    From the file's own UTC offset when it records one, else from ``tz`` (the machine's
    time zone when ``None``).
    """
    if not math.isnan(offset_s):
        shifted = start_ns + int(offset_s) * _NS
        return shifted.astype("datetime64[ns]").astype("datetime64[D]").astype("datetime64[ns]")
    return local_dates(start_ns.tolist(), tz)


__all__ = ["MAX_MESSAGES", "fit_crc", "fit_crcs", "parse_fit", "read_fit"]
