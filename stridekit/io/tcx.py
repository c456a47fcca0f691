"""Read Garmin Training Center (TCX) files into stridekit's tables.

One ``<Activity>`` becomes one session; its ``<Lap>`` elements become laps and every
``<Trackpoint>`` of every ``<Track>`` becomes a sample. Elements are matched on their local
names, so any namespace prefix (``ns3:TPX``, ``ext:TPX``, a default namespace or none) works.

Conventions
-----------
- Cadence: TCX running cadence (``Cadence`` in a ``Running`` activity, and the ``TPX``
  extension's ``RunCadence``, the ``LX`` extension's ``AvgRunCadence``) counts strides per
  minute, as Garmin records it; stridekit's ``cadence_spm`` counts steps, so it is twice the
  recorded value. In other sports ``Cadence`` is crank revolutions and is not read.
- Clock: a session's ``start_utc`` is the earlier of the Activity ``Id`` and the first lap's
  ``StartTime``; ``samples.t_s`` and ``laps.start_s`` count seconds from it.
- Distance: ``sessions.distance_m`` is the sum of the laps' ``DistanceMeters`` as recorded
  (other modules rely on this); samples keep the trackpoints' ``DistanceMeters``, or the
  cumulative geodesic distance between positions when a file records none.
"""

from __future__ import annotations

import datetime as dt
import math
import os
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from lxml import etree

from stridekit import schema
from stridekit.errors import LogFormatError
from stridekit.io import safety
from stridekit.io.common import TzLike, resolve_tz, session_key
from stridekit.log import TrainingLog
from stridekit.report import ImportReport, ReportEntry

SOURCE_FORMAT: Final = "tcx"
SPEED_HALF_WINDOW_S: Final = 5.0
"""Half-width of the time window over which speed is derived from distance [s]."""
MAX_WEIGHT_GAP_S: Final = 10.0
"""Longest gap a sample is weighted for in time-weighted means (longer gaps are pauses) [s]."""
ALTITUDE_SMOOTHING: Final = 5
"""Samples in the centred moving average applied to altitude before summing climbs [-]."""
EARTH_RADIUS_M: Final = 6_371_008.8

_NAN: Final = math.nan
_FIX: Final = "export the activity again as TCX (or FIT) from the watch's app"


def read_tcx(path: str | os.PathLike[str], *, tz: TzLike = None) -> TrainingLog:
    """Read a TCX file (plain or gzip-compressed) into a :class:`TrainingLog`.

    Parameters
    ----------
    path
        The ``.tcx`` or ``.tcx.gz`` file; gzip is recognised by its content, not its name.
    tz
        The runner's time zone for ``sessions.local_date`` (IANA name or tzinfo); the
        machine's own when ``None``.

    Returns
    -------
    TrainingLog
        Sessions, laps and samples (no sets), built at the columns and dtypes of
        :mod:`stridekit.schema`.

    Raises
    ------
    LogFormatError
        When the file is not TCX, has no ``<Activity>``, or no activity has usable data.
    UnsafeInputError
        When the file breaks a cap of :mod:`stridekit.io.safety`.
    """
    return parse_tcx(safety.read_bytes(path), source=str(path), tz=tz)


def parse_tcx(data: bytes, *, source: str = "<bytes>", tz: TzLike = None) -> TrainingLog:
    """Parse the bytes of a TCX document into a :class:`TrainingLog`.

    Parameters
    ----------
    data
        The document (gzip data is gunzipped first). Whitespace before ``<?xml`` is allowed.
    source
        Where the bytes came from: the ``sessions.source`` value and the name in messages.
    tz
        The runner's time zone for ``sessions.local_date``; the machine's own when ``None``.

    Returns
    -------
    TrainingLog
        One session per usable ``<Activity>``, with its laps and samples. Sessions:
        ``distance_m`` is the sum of the laps' ``DistanceMeters``; ``moving_s`` the sum of
        their ``TotalTimeSeconds``; ``duration_s`` the wall clock from ``start_utc`` to the
        last trackpoint or the end of the last lap, whichever is later (at least
        ``moving_s``); ``avg_hr_bpm`` and ``avg_cadence_spm`` the laps' values weighted by lap
        time when every lap has one, else time-weighted means of the samples;
        ``ascent_m`` the sum of rises of the lightly smoothed altitude. Samples:
        ``speed_mps`` is the ``TPX`` ``Speed`` where recorded, else the distance covered over
        a window of ±:data:`SPEED_HALF_WINDOW_S` seconds; ``cadence_spm`` is twice the
        recorded strides per minute; trackpoints without a ``Time`` are left out.

    Raises
    ------
    LogFormatError
        When the document is not TCX, has no ``<Activity>``, or none with usable data.
    UnsafeInputError
        When the document breaks a cap of :mod:`stridekit.io.safety`.
    """
    if data[:2] == safety.GZIP_MAGIC:
        data = safety.gunzip_bytes(data, source)
    root = safety.parse_xml(data, source)
    names = _LocalNames()
    if names(root.tag) != "TrainingCenterDatabase":
        raise LogFormatError(
            source,
            f"is not a TCX file (its root element is <{names(root.tag)}>, "
            "not <TrainingCenterDatabase>)",
            fix="read it with the reader for its own format",
        )
    raw = [_read_activity(act, names) for act in root.iter("{*}Activity")]
    if not raw:
        raise LogFormatError(
            source,
            "has no <Activity>: it holds no recorded session (it may be a course or a workout)",
            fix=_FIX,
        )
    parts = [p for p in (_build(a, source) for a in raw) if p is not None]
    if not parts:
        raise LogFormatError(
            source,
            f"has {len(raw)} <Activity> element(s) but none with usable data "
            "(no lap or trackpoint with a time)",
            fix=_FIX,
        )
    return _assemble(parts, raw_count=len(raw), source=source, tz=tz)


# --------------------------------------------------------------------------- XML walking


class _LocalNames:
    """Local names of tags (``{ns}Lap`` -> ``Lap``), cached for the parse of one file."""

    def __init__(self) -> None:
        self._cache: dict[Any, str] = {}

    def __call__(self, tag: Any) -> str:
        try:
            return self._cache[tag]
        except KeyError:
            name = tag.rpartition("}")[2] if isinstance(tag, str) else ""
            self._cache[tag] = name
            return name


@dataclass
class _RawLap:
    start: str | None = None
    total_time: float = _NAN
    distance: float = _NAN
    avg_hr: float = _NAN
    cadence: float = _NAN
    intensity: str | None = None
    trigger: str | None = None
    avg_speed_ext: float = _NAN
    avg_run_cadence_ext: float = _NAN
    first_point: int = 0


@dataclass
class _RawActivity:
    sport: str = ""
    id: str | None = None
    notes: str | None = None
    laps: list[_RawLap] = field(default_factory=list)
    # Trackpoint data as a flat stream of (field code, text) in document order; a code of 0
    # opens a new trackpoint. Turned into columns, vectorised, by _points().
    codes: bytearray = field(default_factory=bytearray)
    texts: list[str | None] = field(default_factory=list)


def _num(text: str | None) -> float:
    if text is None:
        return _NAN
    try:
        value = float(text)
    except ValueError:
        return _NAN
    return value if math.isfinite(value) else _NAN


def _value_child(el: etree._Element, names: _LocalNames) -> float:
    for ch in el:
        if names(ch.tag) == "Value":
            return _num(ch.text)
    return _num(el.text)


def _read_activity(act: etree._Element, names: _LocalNames) -> _RawActivity:
    out = _RawActivity(sport=(act.get("Sport") or "").strip().lower())
    for ch in act:
        name = names(ch.tag)
        if name == "Lap":
            out.laps.append(_read_lap(ch, names, out))
        elif name == "Id":
            out.id = ch.text
        elif name == "Notes":
            out.notes = ch.text
    return out


def _read_lap(lap_el: etree._Element, names: _LocalNames, act: _RawActivity) -> _RawLap:
    lap = _RawLap(start=lap_el.get("StartTime"), first_point=len(act.codes))
    for ch in lap_el:
        name = names(ch.tag)
        if name == "Track":
            _read_track(ch, act)
        elif name == "TotalTimeSeconds":
            lap.total_time = _num(ch.text)
        elif name == "DistanceMeters":
            lap.distance = _num(ch.text)
        elif name == "AverageHeartRateBpm":
            lap.avg_hr = _value_child(ch, names)
        elif name == "Cadence":
            lap.cadence = _num(ch.text)
        elif name == "Intensity":
            lap.intensity = _word(ch.text)
        elif name == "TriggerMethod":
            lap.trigger = _word(ch.text)
        elif name == "Extensions":
            for ext in ch.iter():
                ext_name = names(ext.tag)
                if ext_name == "AvgSpeed":
                    lap.avg_speed_ext = _num(ext.text)
                elif ext_name == "AvgRunCadence":
                    lap.avg_run_cadence_ext = _num(ext.text)
    return lap


def _word(text: str | None) -> str | None:
    word = (text or "").strip().lower()
    return word or None


_POINT_TAGS: Final = (
    "Trackpoint",
    "Time",
    "LatitudeDegrees",
    "LongitudeDegrees",
    "AltitudeMeters",
    "DistanceMeters",
    "Value",
    "Cadence",
    "Speed",
    "RunCadence",
)
"""Elements read inside a ``<Track>``, by local name; the position is the field's code."""
_POINT_CODE: Final = {name: code for code, name in enumerate(_POINT_TAGS)}
_POINT_ITER: Final = tuple("{*}" + name for name in _POINT_TAGS)
_NUMERIC: Final = ("lat", "lon", "alt", "dist", "hr", "cad", "speed", "runcad")
"""Names of the numeric fields, codes ``_FIRST_NUMERIC`` onwards in :data:`_POINT_TAGS`."""
_FIRST_NUMERIC: Final = 2


def _read_track(track: etree._Element, act: _RawActivity) -> None:
    # One pass over the Track's relevant descendants, filtered in C by lxml; every other
    # element (Position, HeartRateBpm, Extensions, TPX ...) is never turned into a proxy.
    # Inside a Track, Value only occurs in a trackpoint's HeartRateBpm.
    # This loop is most of the reader's time: methods are bound once, and a tag's code is
    # found by one dict lookup (the local name is split off once per distinct tag).
    add_code = act.codes.append
    add_text = act.texts.append
    code_of: dict[str, int] = {}
    for el in track.iter(*_POINT_ITER):
        tag = el.tag
        try:
            add_code(code_of[tag])
        except KeyError:
            code_of[tag] = _POINT_CODE[tag.rpartition("}")[2]]
            add_code(code_of[tag])
        add_text(el.text)


def _select(texts: pa.Array, mask: np.ndarray) -> np.ndarray:
    """The texts where ``mask`` holds, as an object array (``None`` where absent)."""
    return texts.filter(pa.array(mask)).to_numpy(zero_copy_only=False)


def _floats(texts: np.ndarray) -> np.ndarray:
    """Object array of texts as floats; NaN for anything unreadable."""
    try:
        return texts.astype(np.float64)
    except (TypeError, ValueError):
        return np.asarray(pd.to_numeric(texts, errors="coerce"), dtype=np.float64)


def _points(act: _RawActivity) -> tuple[np.ndarray, dict[str, np.ndarray], np.ndarray]:
    """The trackpoints as columns: time texts, numeric fields, and each row's code offset.

    Returns
    -------
    times
        Object array of the ``Time`` texts (``None`` where absent), one per trackpoint.
    cols
        ``lat``, ``lon``, ``alt``, ``dist``, ``hr``, ``cad``, ``speed``, ``runcad`` as float
        arrays (NaN where absent or unreadable), in the file's units.
    rows_before
        For each position in the code stream, how many trackpoints opened before it.
    """
    codes = np.frombuffer(act.codes, dtype=np.int8)
    # Texts go to arrow, whose C parser reads the numbers several times faster than float().
    texts = pa.array(act.texts, type=pa.string())
    opens = codes == 0
    rows_before = np.concatenate([[0], np.cumsum(opens)])
    n = int(rows_before[-1])
    row = rows_before[1:] - 1
    times = np.full(n, None, dtype=object)
    mask = codes == 1
    times[row[mask]] = _select(texts, mask)
    # Every numeric text parsed in one call, scattered into one row per field.
    table = np.full((len(_NUMERIC), n), _NAN)
    numeric = codes >= _FIRST_NUMERIC
    field_of = codes[numeric] - _FIRST_NUMERIC
    numeric_texts = texts.filter(pa.array(numeric))
    try:
        # Arrow accepts a subset of what float() does and rounds the same (correctly).
        values = pc.cast(numeric_texts, pa.float64()).to_numpy(zero_copy_only=False)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        # Some text is not a plain number: parse field by field with Python's float() where
        # every text of the field reads, else pandas, NaN for what is unreadable (as before).
        values = np.full(len(field_of), _NAN)
        objects = numeric_texts.to_numpy(zero_copy_only=False)
        for i in range(len(_NUMERIC)):
            mask = field_of == i
            if mask.any():
                values[mask] = _floats(objects[mask])
    table[field_of, row[numeric]] = values
    table[~np.isfinite(table)] = _NAN
    return times, dict(zip(_NUMERIC, table, strict=True)), rows_before


# --------------------------------------------------------------------------- computing


@dataclass
class _Part:
    """The tables of one activity, before the session key is final."""

    start_ns: int
    session: dict[str, Any]
    laps: dict[str, Any]
    samples: dict[str, np.ndarray]
    time_ns: np.ndarray


def _time_ns(text: str | None) -> int | None:
    if not text:
        return None
    try:
        ts = pd.Timestamp(text.strip())
    except ValueError:
        return None
    if ts is pd.NaT:
        return None
    ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
    return int(ts.as_unit("ns").value)


def _parse_times(times: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """ISO 8601 texts as UTC nanoseconds since the epoch, and which of them were readable."""
    fast = _utc_ns(times)
    if fast is not None:
        return fast, np.ones(len(times), dtype=bool)
    if not len(times):
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=bool)
    idx = pd.to_datetime(times, utc=True, format="ISO8601", errors="coerce")
    return np.asarray(idx.as_unit("ns").asi8), ~np.asarray(idx.isna())


_DIGITS: Final = np.array([0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18])
_SEPARATORS: Final = {4: b"-", 7: b"-", 10: b"T", 13: b":", 16: b":"}
_CUM_DAYS: Final = np.array([0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334])
_MONTH_DAYS: Final = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])


def _utc_ns(times: np.ndarray) -> np.ndarray | None:
    """Nanoseconds since the epoch of ``YYYY-MM-DDThh:mm:ss[.f]Z`` texts, vectorised.

    The fast path for what devices write: every text in the same layout, with the same
    number (at most 9) of fractional digits, all valid, years 1900-2199. ``None`` when any
    text is otherwise; pandas then parses them all, exactly as before.
    """
    n = len(times)
    if not n:
        return None
    try:
        raw = times.astype("S")
    except (TypeError, ValueError, UnicodeError):
        return None
    width = raw.itemsize
    if not (width == 20 or 22 <= width <= 30):
        return None
    chars = raw.view(np.uint8).reshape(n, width)
    if (chars[:, -1] != ord("Z")).any() or (width > 20 and (chars[:, 19] != ord(".")).any()):
        return None
    for pos, sep in _SEPARATORS.items():
        if (chars[:, pos] != sep[0]).any():
            return None
    digit_cols = np.concatenate([_DIGITS, np.arange(20, width - 1)])
    d = chars[:, digit_cols].astype(np.int64) - ord("0")
    if ((d < 0) | (d > 9)).any():
        return None
    year = d[:, 0] * 1000 + d[:, 1] * 100 + d[:, 2] * 10 + d[:, 3]
    month = d[:, 4] * 10 + d[:, 5]
    day = d[:, 6] * 10 + d[:, 7]
    hour, minute, second = (d[:, i] * 10 + d[:, i + 1] for i in (8, 10, 12))
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    if (
        (year < 1900).any()
        or (year >= 2200).any()
        or (month < 1).any()
        or (month > 12).any()
        or (hour > 23).any()
        or (minute > 59).any()
        or (second > 59).any()
    ):
        return None
    after_feb = month > 2
    if (day < 1).any() or (day > _MONTH_DAYS[month - 1] + (leap & (month == 2))).any():
        return None
    # Days since 1970-01-01: whole years, then the months and days of this one.
    y = year - 1
    days = y * 365 + y // 4 - y // 100 + y // 400 - 719162
    days = days + _CUM_DAYS[month - 1] + (leap & after_feb) + day - 1
    seconds = ((days * 24 + hour) * 60 + minute) * 60 + second
    frac = np.zeros(n, dtype=np.int64)
    for k in range(14, d.shape[1]):
        frac = frac * 10 + d[:, k]
    frac *= 10 ** (9 - (d.shape[1] - 14))
    return seconds * 1_000_000_000 + frac


def _build(act: _RawActivity, source: str) -> _Part | None:
    times, cols, rows_before = _points(act)
    t_ns, ok = _parse_times(times)
    lap_start_ns = [_time_ns(lap.start) for lap in act.laps]
    candidates = [v for v in (_time_ns(act.id), *lap_start_ns[:1]) if v is not None]
    if not candidates and ok.any():
        candidates = [int(t_ns[ok].min())]
    if not candidates:
        return None
    start_ns = min(candidates)

    # Each lap's first sample, as an index into the kept samples (for laps without StartTime).
    kept_before = np.concatenate([[0], np.cumsum(ok)])
    lap_first = [int(kept_before[rows_before[lap.first_point]]) for lap in act.laps]
    if not ok.all():
        t_ns = t_ns[ok]
        cols = {k: v[ok] for k, v in cols.items()}
    if len(t_ns) > 1 and (np.diff(t_ns) < 0).any():
        order = np.argsort(t_ns, kind="stable")
        t_ns = t_ns[order]
        cols = {k: v[order] for k, v in cols.items()}
    t_s = (t_ns - start_ns) / 1e9

    running = act.sport == "running"
    samples = _samples(t_s, cols, running)
    laps = _laps(act.laps, lap_start_ns, lap_first, t_s, start_ns, running)
    if not len(t_s) and not act.laps:
        return None
    session = _session(act, samples, laps, start_ns, source)
    return _Part(start_ns, session, laps, samples, t_ns)


def _samples(t_s: np.ndarray, cols: dict[str, np.ndarray], running: bool) -> dict[str, Any]:
    lat, lon = cols["lat"], cols["lon"]
    dist = cols["dist"]
    if len(dist) and np.isnan(dist).all():
        dist = _geodesic_distance(lat, lon)
    speed = cols["speed"]
    if np.isnan(speed).any():
        speed = np.where(np.isnan(speed), _derived_speed(t_s, dist), speed)
    strides = np.where(np.isnan(cols["runcad"]), cols["cad"] if running else _NAN, cols["runcad"])
    cadence = 2.0 * strides
    with np.errstate(divide="ignore", invalid="ignore"):
        step = np.where(cadence > 0, speed / (cadence / 60.0), _NAN)
    return {
        "t_s": t_s,
        "distance_m": dist,
        "speed_mps": speed,
        "hr_bpm": cols["hr"],
        "cadence_spm": cadence,
        "step_m": step,
        "altitude_m": cols["alt"],
        "lat_deg": lat,
        "lon_deg": lon,
    }


def _geodesic_distance(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Cumulative great-circle (haversine) distance along the positions [m]."""
    out = np.full(len(lat), _NAN)
    valid = ~(np.isnan(lat) | np.isnan(lon))
    if valid.sum() < 1:
        return out
    phi = np.radians(lat[valid])
    lam = np.radians(lon[valid])
    a = (
        np.sin(np.diff(phi) / 2) ** 2
        + np.cos(phi[:-1]) * np.cos(phi[1:]) * np.sin(np.diff(lam) / 2) ** 2
    )
    steps = 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
    out[valid] = np.concatenate([[0.0], np.cumsum(steps)])
    # Points without a position stay where the runner last was.
    return pd.Series(out).ffill().to_numpy()


def _derived_speed(t_s: np.ndarray, dist: np.ndarray) -> np.ndarray:
    """Speed from distance over a centred window, robust to jitter and uneven sampling."""
    speed = np.full(len(t_s), _NAN)
    valid = ~np.isnan(dist)
    if valid.sum() < 2:
        return speed
    tv, dv = t_s[valid], np.maximum.accumulate(dist[valid])
    inside = (t_s >= tv[0]) & (t_s <= tv[-1])
    lo_t = np.clip(t_s - SPEED_HALF_WINDOW_S, tv[0], tv[-1])
    hi_t = np.clip(t_s + SPEED_HALF_WINDOW_S, tv[0], tv[-1])
    span = hi_t - lo_t
    moved = np.interp(hi_t, tv, dv) - np.interp(lo_t, tv, dv)
    with np.errstate(divide="ignore", invalid="ignore"):
        speed = np.where(inside & (span > 0), moved / span, _NAN)
    return np.maximum(speed, 0.0)


def _laps(
    raw: list[_RawLap],
    start_ns: list[int | None],
    first: list[int],
    t_s: np.ndarray,
    session_start_ns: int,
    running: bool,
) -> dict[str, Any]:
    n = len(raw)
    start_s = np.full(n, _NAN)
    for i, (ns, j) in enumerate(zip(start_ns, first, strict=True)):
        if ns is not None:
            start_s[i] = (ns - session_start_ns) / 1e9
        elif j < len(t_s):
            start_s[i] = t_s[j]
    duration = np.array([lap.total_time for lap in raw], dtype=np.float64)
    distance = np.array([lap.distance for lap in raw], dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        speed = np.where(duration > 0, distance / duration, _NAN)
    speed = np.where(np.isnan(speed), [lap.avg_speed_ext for lap in raw], speed)
    strides = np.array(
        [
            lap.cadence if running and not math.isnan(lap.cadence) else lap.avg_run_cadence_ext
            for lap in raw
        ],
        dtype=np.float64,
    )
    return {
        "lap_index": np.arange(n, dtype=np.int64),
        "start_s": start_s,
        "duration_s": duration,
        "distance_m": distance,
        "avg_speed_mps": speed,
        "avg_hr_bpm": np.array([lap.avg_hr for lap in raw], dtype=np.float64),
        "avg_cadence_spm": 2.0 * strides,
        "intensity": [lap.intensity for lap in raw],
        "trigger": [lap.trigger for lap in raw],
    }


def _weights(t_s: np.ndarray) -> np.ndarray:
    """Seconds each sample stands for: the gap to the next one, pauses capped."""
    if len(t_s) < 2:
        return np.ones(len(t_s))
    gaps = np.clip(np.diff(t_s), 0.0, MAX_WEIGHT_GAP_S)
    return np.append(gaps, np.median(gaps))


def _weighted_mean(values: np.ndarray, weights: np.ndarray, keep: np.ndarray) -> float:
    keep = keep & ~np.isnan(values) & (weights > 0)
    if not keep.any():
        return _NAN
    return float(np.average(values[keep], weights=weights[keep]))


def _lap_or_sample_mean(
    lap_values: np.ndarray, lap_time: np.ndarray, samples: np.ndarray, weights: np.ndarray
) -> float:
    has_time = lap_time > 0
    if has_time.any() and not np.isnan(lap_values[has_time]).any():
        return float(np.average(lap_values[has_time], weights=lap_time[has_time]))
    return _weighted_mean(samples, weights, samples > 0)


def _ascent(altitude: np.ndarray) -> float:
    alt = altitude[~np.isnan(altitude)]
    if len(alt) < 2:
        return _NAN
    # Centred moving average; near the ends, over the samples there are.
    kernel = np.ones(min(ALTITUDE_SMOOTHING, len(alt)))
    smooth = np.convolve(alt, kernel, "same") / np.convolve(np.ones(len(alt)), kernel, "same")
    rises = np.diff(smooth)
    return float(rises[rises > 0].sum())


def _session(
    act: _RawActivity,
    samples: dict[str, Any],
    laps: dict[str, Any],
    start_ns: int,
    source: str,
) -> dict[str, Any]:
    t_s = samples["t_s"]
    lap_time = laps["duration_s"]
    lap_dist = laps["distance_m"]
    if (~np.isnan(lap_dist)).any():
        distance = float(np.nansum(lap_dist))
    else:
        dist = samples["distance_m"][~np.isnan(samples["distance_m"])]
        distance = float(dist[-1] - dist[0]) if len(dist) else _NAN
    if (~np.isnan(lap_time)).any():
        moving = float(np.nansum(lap_time))
    else:
        moving = float(t_s[-1] - t_s[0]) if len(t_s) else _NAN
    ends = [moving, float(t_s[-1]) if len(t_s) else _NAN]
    if len(lap_time):
        ends.append(float(laps["start_s"][-1] + lap_time[-1]))
    ends = [e for e in ends if not math.isnan(e)]
    duration = max(ends) if ends else _NAN
    speed = distance / moving if moving > 0 else _NAN
    weights = _weights(t_s)
    cadence = _lap_or_sample_mean(
        laps["avg_cadence_spm"], lap_time, samples["cadence_spm"], weights
    )
    step = speed / (cadence / 60.0) if cadence > 0 and not math.isnan(speed) else _NAN
    notes = (act.notes or "").strip()
    title = next((line.strip() for line in notes.splitlines() if line.strip()), None)
    return {
        "sport": "run" if act.sport == "running" else "cross",
        "kind": None,
        "focus": None,
        "distance_m": distance,
        "duration_s": duration,
        "moving_s": moving,
        "avg_speed_mps": speed,
        "avg_hr_bpm": _lap_or_sample_mean(laps["avg_hr_bpm"], lap_time, samples["hr_bpm"], weights),
        "avg_cadence_spm": cadence,
        "avg_step_m": step,
        "ascent_m": _ascent(samples["altitude_m"]),
        "title": title,
        "notes": notes or None,
        "source": source,
        "source_format": SOURCE_FORMAT,
    }


# --------------------------------------------------------------------------- tables


def _assemble(parts: list[_Part], *, raw_count: int, source: str, tz: TzLike) -> TrainingLog:
    ids = _unique_keys([p.start_ns for p in parts])
    # Every frame is built in one constructor call, from whole columns already at the
    # schema's dtypes and in its order, so TrainingLog's schema.conform has nothing to do.
    start = pd.DatetimeIndex(np.array([p.start_ns for p in parts], dtype="datetime64[ns]"))
    start = start.tz_localize("UTC")
    session_cols: dict[str, Any] = {"session_id": ids, "start_utc": start}
    session_cols["local_date"] = _local_dates([p.start_ns for p in parts], tz)
    for name in parts[0].session:
        session_cols[name] = [p.session[name] for p in parts]
    sessions = _frame("sessions", session_cols)
    lengths = [len(p.time_ns) for p in parts]
    lap_counts = [len(p.laps["lap_index"]) for p in parts]
    laps = _frame("laps", _stack([p.laps for p in parts], ids, lap_counts))
    samples_cols = _stack([p.samples for p in parts], ids, lengths)
    time_utc = pd.DatetimeIndex(np.concatenate([p.time_ns for p in parts]).astype("datetime64[ns]"))
    samples_cols["time_utc"] = time_utc.tz_localize("UTC")
    samples = _frame("samples", samples_cols)
    skipped = raw_count - len(parts)
    entry = ReportEntry(
        path=source,
        status="partial" if skipped else "ok",
        format=SOURCE_FORMAT,
        sessions=len(parts),
        message=(
            f"{skipped} of {raw_count} activities had no usable data (no time) and were skipped"
            if skipped
            else None
        ),
    )
    # Not validated here: the frames conform by construction (tests validate them).
    return TrainingLog(sessions=sessions, laps=laps, samples=samples, report=ImportReport([entry]))


def _stack(tables: list[dict[str, Any]], ids: list[str], lengths: list[int]) -> dict[str, Any]:
    """The tables' columns joined end to end, with ``session_id`` repeated for each row."""
    columns: dict[str, Any] = {"session_id": np.repeat(np.array(ids, dtype=object), lengths)}
    for name in tables[0]:
        values = [t[name] for t in tables]
        if isinstance(values[0], list):
            columns[name] = [v for chunk in values for v in chunk]
        else:
            columns[name] = values[0] if len(values) == 1 else np.concatenate(values)
    return columns


def _frame(table: str, values: dict[str, Any]) -> pd.DataFrame:
    """A frame of ``table`` with every schema column, in order, at its dtype.

    ``values`` maps column names to sequences of one length; columns it lacks are missing.
    """
    n = len(next(iter(values.values())))
    columns: dict[str, Any] = {}
    for name, col in schema.TABLES[table].items():
        value = values.get(name)
        if col.dtype == "str":
            columns[name] = _strings([None] * n if value is None else value)
        elif value is None:
            columns[name] = (
                np.full(n, _NAN)
                if col.dtype == "float64"
                else pd.Series(None, index=pd.RangeIndex(n), dtype=col.dtype).array
            )
        elif col.dtype in ("float64", "int64"):
            columns[name] = np.asarray(value, dtype=col.dtype)
        else:
            columns[name] = value
    return pd.DataFrame(columns, index=pd.RangeIndex(n), copy=False)


_STR_DTYPE: Final = pd.api.types.pandas_dtype("str")
_ARROW_STRINGS: Any = pd.arrays.ArrowStringArray  # its stubs lack the dtype argument


def _strings(values: Any) -> Any:
    """``values`` (``str`` or ``None``) as a pandas ``str`` array.

    Built straight from a pyarrow array when ``str`` is arrow-backed: several times faster
    than ``pd.array`` for the short columns of sessions and laps.
    """
    if getattr(_STR_DTYPE, "storage", None) == "pyarrow":
        return _ARROW_STRINGS(pa.array(values, type=pa.large_string()), dtype=_STR_DTYPE)
    return pd.array(values, dtype=_STR_DTYPE)  # pragma: no cover - pandas without pyarrow


_EPOCH: Final = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _local_dates(starts_ns: list[int], tz: TzLike) -> np.ndarray:
    """The local calendar day (midnight, tz-naive ``datetime64[ns]``) of each UTC start.

    The same days as :func:`stridekit.io.common.local_dates`, computed with the standard
    library: a file has few sessions, and pandas' per-call overhead is far larger.
    """
    zone = resolve_tz(tz)
    days = [
        (_EPOCH + dt.timedelta(microseconds=ns // 1000)).astimezone(zone).date() for ns in starts_ns
    ]
    return np.array(days, dtype="datetime64[D]").astype("datetime64[ns]")


def _unique_keys(starts: list[int]) -> list[str]:
    """Session keys from start times; a repeated key gets ``-2``, ``-3`` ... appended."""
    seen: dict[str, int] = {}
    out = []
    for ns in starts:
        key = session_key(pd.Timestamp(ns, unit="ns", tz="UTC"))
        seen[key] = seen.get(key, 0) + 1
        out.append(key if seen[key] == 1 else f"{key}-{seen[key]}")
    return out


__all__ = ["parse_tcx", "read_tcx"]
