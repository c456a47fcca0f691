"""Write a :class:`~stridekit.sample.watch.Recording` as a FIT activity file, vectorised.

The file is what a running watch writes: a 14-byte header with its CRC, ``file_id`` (an
activity, manufacturer ``development``), ``device_info``, timer ``event`` messages (start, a
stop and a start around every paused recovery, a stop at the end), one ``record`` per
trackpoint, one ``lap`` per lap (with its ``intensity`` and ``lap_trigger``), a ``session``
(sport running), a ``workout`` naming the run when the runner typed a title, and an
``activity`` whose ``local_timestamp`` tells the runner's UTC offset,
then the file's CRC. Numbers are those of the FIT SDK's profile (see
:mod:`stridekit.io.fit_profile`); records are packed with one numpy structured array, so a
file of a million records takes a fraction of a second.

Precision is the profile's: distance 1 cm, speed 1 mm/s, altitude 0.2 m, position one
semicircle, running cadence in strides per minute to 1/128 (``cadence`` plus
``fractional_cadence``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Final
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from stridekit.io import fit_profile as P
from stridekit.io.fit import fit_crc
from stridekit.sample.plan import TIMEZONE
from stridekit.sample.tcx_writer import gzip_bytes
from stridekit.sample.watch import Lap, Recording

PROFILE_VERSION: Final = 2132
"""The FIT profile version written in the header (21.32)."""

PROTOCOL_VERSION: Final = 0x20
"""FIT protocol 2.0."""

MANUFACTURER: Final = 255
"""``manufacturer`` ``development``."""

PRODUCT: Final = 1
SERIAL_NUMBER: Final = 3_917_402_411

INTENSITY: Final[dict[str, int]] = {
    "warmup": 2,
    "work": 0,
    "steady": 0,
    "recovery": 1,
    "cooldown": 3,
}
"""Planned phase -> FIT ``intensity`` (active 0, rest 1, warmup 2, cooldown 3)."""

LAP_TRIGGER: Final[dict[str, int]] = {"Manual": 0, "Time": 1, "Distance": 2}
"""The watch's lap trigger -> FIT ``lap_trigger``."""

# FIT event / event_type values used here.
_TIMER, _LAP_EVENT, _SESSION_EVENT, _ACTIVITY_EVENT = 0, 9, 8, 26
_START, _STOP, _STOP_ALL = 0, 1, 4

# Base types: (FIT base type byte, numpy type, invalid value).
_BASE: Final[dict[str, tuple[int, str, int]]] = {
    "enum": (0x00, "u1", 0xFF),
    "uint8": (0x02, "u1", 0xFF),
    "uint16": (0x84, "<u2", 0xFFFF),
    "sint32": (0x85, "<i4", 0x7FFF_FFFF),
    "uint32": (0x86, "<u4", 0xFFFF_FFFF),
    "uint32z": (0x8C, "<u4", 0),
}

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class _Message:
    """One message layout: its local type, global number and fields in order."""

    local: int
    global_num: int
    fields: tuple[tuple[str, int, str], ...]  # (name, field number, base type)

    def definition(self) -> bytes:
        """The definition message (little-endian architecture)."""
        out = bytearray((0x40 | self.local, 0, 0))
        out += self.global_num.to_bytes(2, "little")
        out.append(len(self.fields))
        for _, number, base in self.fields:
            code, np_type, _ = _BASE[base]
            out += bytes((number, np.dtype(np_type).itemsize, code))
        return bytes(out)

    @cached_property
    def dtype(self) -> np.dtype:
        """The packed layout of one data message, its record header byte first."""
        return np.dtype(
            [("header", "u1"), *((name, _BASE[base][1]) for name, _, base in self.fields)]
        )

    def encode(self, columns: Mapping[str, npt.ArrayLike], n: int) -> np.ndarray:
        """``n`` data messages as a structured array; fields not given are invalid."""
        out = np.zeros(n, dtype=self.dtype)
        out["header"] = self.local
        for name, _, base in self.fields:
            out[name] = columns.get(name, _BASE[base][2])
        return out

    def data(self, **values: float | int) -> bytes:
        """One data message."""
        return self.encode({k: np.asarray([v]) for k, v in values.items()}, 1).tobytes()


FILE_ID: Final = _Message(
    0,
    P.FILE_ID,
    (
        ("type", 0, "enum"),
        ("manufacturer", 1, "uint16"),
        ("product", 2, "uint16"),
        ("serial_number", 3, "uint32z"),
        ("time_created", 4, "uint32"),
    ),
)
DEVICE_INFO: Final = _Message(
    1,
    P.DEVICE_INFO,
    (
        ("timestamp", 253, "uint32"),
        ("device_index", 0, "uint8"),
        ("manufacturer", 2, "uint16"),
        ("product", 4, "uint16"),
        ("software_version", 5, "uint16"),
    ),
)
EVENT: Final = _Message(
    2,
    P.EVENT,
    (
        ("timestamp", 253, "uint32"),
        ("data", 3, "uint32"),
        ("event", 0, "enum"),
        ("event_type", 1, "enum"),
        ("event_group", 4, "uint8"),
    ),
)
RECORD: Final = _Message(
    3,
    P.RECORD,
    (
        ("timestamp", 253, "uint32"),
        ("position_lat", 0, "sint32"),
        ("position_long", 1, "sint32"),
        ("distance", 5, "uint32"),
        ("enhanced_speed", 73, "uint32"),
        ("enhanced_altitude", 78, "uint32"),
        ("heart_rate", 3, "uint8"),
        ("cadence", 4, "uint8"),
        ("fractional_cadence", 53, "uint8"),
    ),
)
LAP: Final = _Message(
    4,
    P.LAP,
    (
        ("timestamp", 253, "uint32"),
        ("start_time", 2, "uint32"),
        ("total_elapsed_time", 7, "uint32"),
        ("total_timer_time", 8, "uint32"),
        ("total_distance", 9, "uint32"),
        ("enhanced_avg_speed", 110, "uint32"),
        ("enhanced_max_speed", 111, "uint32"),
        ("message_index", 254, "uint16"),
        ("total_calories", 11, "uint16"),
        ("avg_speed", 13, "uint16"),
        ("max_speed", 14, "uint16"),
        ("event", 0, "enum"),
        ("event_type", 1, "enum"),
        ("avg_heart_rate", 15, "uint8"),
        ("max_heart_rate", 16, "uint8"),
        ("avg_cadence", 17, "uint8"),
        ("intensity", 23, "enum"),
        ("lap_trigger", 24, "enum"),
        ("sport", 25, "enum"),
        ("avg_fractional_cadence", 80, "uint8"),
    ),
)
SESSION: Final = _Message(
    5,
    P.SESSION,
    (
        ("timestamp", 253, "uint32"),
        ("start_time", 2, "uint32"),
        ("total_elapsed_time", 7, "uint32"),
        ("total_timer_time", 8, "uint32"),
        ("total_distance", 9, "uint32"),
        ("enhanced_avg_speed", 124, "uint32"),
        ("enhanced_max_speed", 125, "uint32"),
        ("message_index", 254, "uint16"),
        ("total_calories", 11, "uint16"),
        ("avg_speed", 14, "uint16"),
        ("max_speed", 15, "uint16"),
        ("total_ascent", 22, "uint16"),
        ("total_descent", 23, "uint16"),
        ("first_lap_index", 25, "uint16"),
        ("num_laps", 26, "uint16"),
        ("event", 0, "enum"),
        ("event_type", 1, "enum"),
        ("sport", 5, "enum"),
        ("sub_sport", 6, "enum"),
        ("avg_heart_rate", 16, "uint8"),
        ("max_heart_rate", 17, "uint8"),
        ("avg_cadence", 18, "uint8"),
        ("trigger", 28, "enum"),
        ("avg_fractional_cadence", 92, "uint8"),
    ),
)
ACTIVITY: Final = _Message(
    6,
    P.ACTIVITY,
    (
        ("timestamp", 253, "uint32"),
        ("total_timer_time", 0, "uint32"),
        ("local_timestamp", 5, "uint32"),
        ("num_sessions", 1, "uint16"),
        ("type", 2, "enum"),
        ("event", 3, "enum"),
        ("event_type", 4, "enum"),
    ),
)
_MESSAGES: Final = (FILE_ID, DEVICE_INFO, EVENT, RECORD, LAP, SESSION, ACTIVITY)
_WORKOUT_LOCAL: Final = 7
_WORKOUT: Final = 26
"""Global number of ``workout``: a run that followed a workout on the watch carries its name."""


def _workout(name: str) -> bytes:
    """Definition and data of a ``workout`` message naming the run (``wkt_name``, sport)."""
    text = name.encode("utf-8")[:254] + b"\0"
    definition = bytes((0x40 | _WORKOUT_LOCAL, 0, 0, _WORKOUT, 0, 2, 8, len(text), 0x07, 4, 1, 0))
    return definition + bytes((_WORKOUT_LOCAL,)) + text + bytes((P.RUNNING,))


def _raw(
    values: npt.ArrayLike, scale: float, offset: float, invalid: int, dtype: str
) -> np.ndarray:
    """``round((values + offset) * scale)`` as ``dtype``, ``invalid`` where NaN."""
    v = np.asarray(values, dtype=np.float64)
    bad = np.isnan(v)
    raw = np.round((np.where(bad, 0.0, v) + offset) * scale)
    return np.where(bad, invalid, raw).astype(dtype)


def _strides(cadence_spm: npt.ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Running cadence [steps/min] as FIT ``cadence`` and ``fractional_cadence`` (strides)."""
    strides_128 = np.round(np.asarray(cadence_spm, dtype=np.float64) / 2.0 * 128.0)
    whole = strides_128 // 128
    return whole.astype(np.uint8), (strides_128 - 128 * whole).astype(np.uint8)


def _semicircles(deg: FloatArray) -> np.ndarray:
    return _raw(deg, 1.0 / P.SEMICIRCLE_DEG, 0.0, 0x7FFF_FFFF, "<i4")


def _ascent(altitude_m: FloatArray) -> tuple[float, float]:
    """Total climb and descent [m] of the altitude, smoothed over about 30 s."""
    if len(altitude_m) < 2:
        return 0.0, 0.0
    k = min(7, len(altitude_m))
    smooth = np.convolve(altitude_m, np.ones(k) / k, mode="valid")
    d = np.diff(smooth)
    return float(d[d > 0].sum()), float(-d[d < 0].sum())


def fit_activity(rec: Recording, *, timezone: str = TIMEZONE) -> bytes:
    """The FIT activity file of ``rec`` [bytes].

    Parameters
    ----------
    rec
        The recording.
    timezone
        The runner's IANA time zone; the ``activity`` message records its UTC offset at the
        end of the run.

    Returns
    -------
    bytes
        A complete FIT file (header CRC and file CRC included); the same recording always
        gives the same bytes.
    """
    start = round(rec.start_utc.timestamp()) - P.FIT_EPOCH_S  # [s since the FIT epoch]
    t_s = np.asarray(rec.t_s, dtype=np.int64)
    n = len(t_s)
    last = int(t_s[-1])
    end = start + last

    cad, frac = _strides(rec.cadence_spm)
    records = RECORD.encode(
        {
            "timestamp": start + t_s,
            "position_lat": _semicircles(rec.lat_deg),
            "position_long": _semicircles(rec.lon_deg),
            "distance": _raw(rec.distance_m, 100.0, 0.0, 0xFFFF_FFFF, "<u4"),
            "enhanced_speed": _raw(rec.speed_mps, 1000.0, 0.0, 0xFFFF_FFFF, "<u4"),
            "enhanced_altitude": _raw(rec.altitude_m, 5.0, 500.0, 0xFFFF_FFFF, "<u4"),
            "heart_rate": _raw(rec.hr_bpm, 1.0, 0.0, 0xFF, "u1"),
            "cadence": cad,
            "fractional_cadence": frac,
        },
        n,
    ).tobytes()

    # Messages between records: (record position, order, bytes).
    inserts: list[tuple[int, int, bytes]] = []
    for a, b in rec.pauses:
        stop = EVENT.data(
            timestamp=start + a, data=0, event=_TIMER, event_type=_STOP_ALL, event_group=0
        )
        go = EVENT.data(timestamp=start + b, data=0, event=_TIMER, event_type=_START, event_group=0)
        inserts.append((int(np.searchsorted(t_s, a)), 1, stop))
        inserts.append((int(np.searchsorted(t_s, b)), 2, go))
    lap_starts = [lap.start_s for lap in rec.laps]
    lap_ends = [*lap_starts[1:], last]
    for i, (lap, b) in enumerate(zip(rec.laps, lap_ends, strict=True)):
        at = n if i == len(rec.laps) - 1 else int(np.searchsorted(t_s, b))
        inserts.append((at, 0 if at < n else 3, _lap(lap, i, start, b)))
    inserts.append(
        (n, 2, EVENT.data(timestamp=end, data=0, event=_TIMER, event_type=_STOP_ALL, event_group=0))
    )
    inserts.sort(key=lambda x: (x[0], x[1]))

    body = [m.definition() for m in _MESSAGES]
    body.append(
        FILE_ID.data(
            type=4,
            manufacturer=MANUFACTURER,
            product=PRODUCT,
            serial_number=SERIAL_NUMBER,
            time_created=start,
        )
    )
    body.append(
        DEVICE_INFO.data(
            timestamp=start,
            device_index=0,
            manufacturer=MANUFACTURER,
            product=PRODUCT,
            software_version=100,
        )
    )
    if rec.notes:
        body.append(_workout(rec.notes))
    body.append(EVENT.data(timestamp=start, data=0, event=_TIMER, event_type=_START, event_group=0))
    view = memoryview(records)
    size = RECORD.dtype.itemsize
    done = 0
    for at, _, message in inserts:
        if at > done:
            body.append(bytes(view[done * size : at * size]))
            done = at
        body.append(message)
    body.append(_session(rec, start, t_s))
    end_utc = rec.start_utc + dt.timedelta(seconds=last)
    offset = end_utc.astimezone(ZoneInfo(timezone)).utcoffset() or dt.timedelta(0)
    offset_s = int(offset.total_seconds())
    body.append(
        ACTIVITY.data(
            timestamp=end,
            total_timer_time=(last - rec.paused_s) * 1000,
            local_timestamp=end + offset_s,
            num_sessions=1,
            type=0,
            event=_ACTIVITY_EVENT,
            event_type=_STOP,
        )
    )
    return _file(b"".join(body))


def _file(data: bytes) -> bytes:
    """``data`` framed as a FIT file: header with its CRC, data, CRC of both."""
    header = bytearray((14, PROTOCOL_VERSION))
    header += PROFILE_VERSION.to_bytes(2, "little")
    header += len(data).to_bytes(4, "little")
    header += b".FIT"
    header += fit_crc(bytes(header)).to_bytes(2, "little")
    out = bytes(header) + data
    return out + fit_crc(out).to_bytes(2, "little")


def _lap(lap: Lap, index: int, start: int, end_s: int) -> bytes:
    """The ``lap`` message of ``lap``, the ``index``-th, ending at ``end_s`` [s]."""
    cad, frac = _strides([lap.avg_cadence_spm])
    return LAP.data(
        timestamp=start + end_s,
        start_time=start + lap.start_s,
        total_elapsed_time=(end_s - lap.start_s) * 1000,
        total_timer_time=lap.timer_s * 1000,
        total_distance=round(lap.distance_m * 100),
        enhanced_avg_speed=round(lap.avg_speed_mps * 1000),
        enhanced_max_speed=round(lap.max_speed_mps * 1000),
        message_index=index,
        total_calories=lap.calories,
        avg_speed=round(lap.avg_speed_mps * 1000),
        max_speed=round(lap.max_speed_mps * 1000),
        event=_LAP_EVENT,
        event_type=_STOP,
        avg_heart_rate=lap.avg_hr_bpm,
        max_heart_rate=lap.max_hr_bpm,
        avg_cadence=int(cad[0]),
        intensity=INTENSITY[lap.phase],
        lap_trigger=LAP_TRIGGER[lap.trigger],
        sport=P.RUNNING,
        avg_fractional_cadence=int(frac[0]),
    )


def _session(rec: Recording, start: int, t_s: np.ndarray) -> bytes:
    """The ``session`` message: totals over the whole run."""
    last = int(t_s[-1])
    timer = last - rec.paused_s
    distance = float(rec.distance_m[-1])
    speed = distance / timer if timer else 0.0
    hr = rec.hr_bpm[~np.isnan(rec.hr_bpm)]
    moving = rec.cadence_spm[rec.cadence_spm > 0]
    cad, frac = _strides([float(moving.mean()) if len(moving) else 0.0])
    ascent, descent = _ascent(rec.altitude_m)
    max_speed = float(rec.speed_mps.max())
    return SESSION.data(
        timestamp=start + last,
        start_time=start,
        total_elapsed_time=last * 1000,
        total_timer_time=timer * 1000,
        total_distance=round(distance * 100),
        enhanced_avg_speed=round(speed * 1000),
        enhanced_max_speed=round(max_speed * 1000),
        message_index=0,
        total_calories=sum(lap.calories for lap in rec.laps),
        avg_speed=round(speed * 1000),
        max_speed=round(max_speed * 1000),
        total_ascent=round(ascent),
        total_descent=round(descent),
        first_lap_index=0,
        num_laps=len(rec.laps),
        event=_SESSION_EVENT,
        event_type=_STOP,
        sport=P.RUNNING,
        sub_sport=0,
        avg_heart_rate=round(float(hr.mean())) if len(hr) else 0xFF,
        max_heart_rate=round(float(hr.max())) if len(hr) else 0xFF,
        avg_cadence=int(cad[0]),
        trigger=0,
        avg_fractional_cadence=int(frac[0]),
    )


def fit_gz(rec: Recording, *, timezone: str = TIMEZONE, compresslevel: int = 9) -> bytes:
    """The gzipped FIT activity file of ``rec`` [bytes], byte for byte the same each time.

    Parameters
    ----------
    rec
        The recording.
    timezone
        The runner's IANA time zone (see :func:`fit_activity`).
    compresslevel
        gzip level, 1 (fast) to 9 (small).
    """
    return gzip_bytes(fit_activity(rec, timezone=timezone), compresslevel=compresslevel)


__all__ = ["fit_activity", "fit_gz"]
