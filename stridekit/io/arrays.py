"""Array helpers every recording reader shares: numbers and times from XML text, derived
speed, ascent, time-weighted means, building schema tables, and a recording's log of them.

The TCX, GPX and FIT readers turn a recording into whole columns (NumPy arrays, or pyarrow
strings straight from the XML), so that nothing here loops over samples in Python. Times
are UTC nanoseconds since the epoch (``int64``), sample times seconds from the session's
start (``float64``), missing values NaN.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Sequence
from functools import cache
from typing import Any, Final, Protocol

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pandas.api.internals import create_dataframe_from_blocks

from stridekit import schema
from stridekit.io.common import TzLike, resolve_tz
from stridekit.log import TrainingLog
from stridekit.report import ImportReport, ReportEntry

SPEED_HALF_WINDOW_S: Final = 5.0
"""Half-width of the time window over which speed is derived from distance [s]."""
MAX_WEIGHT_GAP_S: Final = 10.0
"""Longest gap a sample is weighted for in time-weighted means (longer gaps are pauses) [s]."""
ALTITUDE_SMOOTHING: Final = 5
"""Samples in the centred moving average applied to altitude before summing climbs [-]."""
WGS84_A_M: Final = 6_378_137.0
"""Semi-major axis of the WGS84 ellipsoid [m]."""
WGS84_F: Final = 1 / 298.257223563
"""Flattening of the WGS84 ellipsoid [-]."""
LONG_STEP_M: Final = 10_000.0
"""Steps between points longer than this use Lambert's formula for long lines [m]."""
MAX_RUN_SPEED_MPS: Final = 15.0
"""Fastest speed a run's sample may have; faster ones are GPS errors, left missing [m/s].
The fastest sprinters peak near 12.4 m/s."""
GPS_JUMP_SLACK_M: Final = 5.0
"""Position noise allowed on a step before it counts as a GPS jump in a run's speed [m]."""

_NAN: Final = math.nan
_MIN_NS_TIME: Final = pd.Timestamp.min.tz_localize("UTC")
_MAX_NS_TIME: Final = pd.Timestamp.max.tz_localize("UTC")
_E2: Final = WGS84_F * (2 - WGS84_F)
_EPOCH: Final = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_NS_PER_S: Final = 1_000_000_000
_STR_DTYPE: Final = pd.api.types.pandas_dtype("str")
_UTC_DTYPE: Final = pd.DatetimeTZDtype("ns", "UTC")
_ARROW_BACKED: Final = getattr(_STR_DTYPE, "storage", None) == "pyarrow"
_ARROW_STRINGS: Any = pd.arrays.ArrowStringArray  # its stubs lack the dtype argument
_DATETIMES: Any = pd.arrays.DatetimeArray
_OFFSET: Final = re.compile(r"\d:\d\d(?::\d\d(?:[.,]\d*)?)?\s*([+-])(\d\d):?(\d\d)?\s*$")


# --------------------------------------------------------------------------- text


def arrow_cast(texts: pa.Array, to: pa.DataType) -> pa.Array:
    """``texts`` cast by arrow's C parsers, retried without surrounding whitespace.

    Parameters
    ----------
    texts
        Arrow strings (null where absent).
    to
        The arrow type to read them as (``float64``, a ``timestamp`` ...).

    Returns
    -------
    pyarrow.Array
        The values, null where the text is null.

    Raises
    ------
    pyarrow.ArrowInvalid
        When some text does not read even once trimmed.
    """
    try:
        return pc.cast(texts, to)
    except pa.ArrowInvalid:
        return pc.cast(pc.utf8_trim_whitespace(texts), to)


def floats(texts: np.ndarray) -> np.ndarray:
    """Texts as floats, read by Python's ``float`` (else pandas), NaN for what is unreadable.

    Parameters
    ----------
    texts
        Object array of ``str`` (or ``None``).

    Returns
    -------
    numpy.ndarray
        ``float64``, one per text, in the texts' own units.
    """
    try:
        return texts.astype(np.float64)
    except (TypeError, ValueError):
        return np.asarray(pd.to_numeric(texts, errors="coerce"), dtype=np.float64)


def number_table(
    texts: pa.Array, field: np.ndarray, row: np.ndarray, shape: tuple[int, int]
) -> np.ndarray:
    """Numeric texts parsed in one call and scattered into a table of one row per field.

    Parameters
    ----------
    texts
        Arrow strings: every numeric text of a recording, in document order.
    field, row
        For each text, the field (table row) and the sample (table column) it belongs to.
    shape
        ``(fields, samples)`` of the table [count].

    Returns
    -------
    numpy.ndarray
        ``float64`` of ``shape``, in the texts' own units; NaN where a sample has no text
        for the field, the text is unreadable, or its value is not finite. Where two texts
        fall in one cell, the later one is kept.

    Notes
    -----
    Arrow reads a subset of what ``float`` does and rounds the same (correctly). When some
    text is not a plain number, every field is parsed on its own by :func:`floats`, so one
    field's odd text does not change how the others are read.
    """
    try:
        values = arrow_cast(texts, pa.float64()).to_numpy(zero_copy_only=False)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        values = np.full(len(field), _NAN)
        objects = texts.to_numpy(zero_copy_only=False)
        for i in range(shape[0]):
            mask = field == i
            if mask.any():
                values[mask] = floats(objects[mask])
    table = np.full(shape, _NAN)
    table[field, row] = values
    table[~np.isfinite(table)] = _NAN
    return table


def texts_by_row(texts: pa.Array, mask: np.ndarray, row: np.ndarray, n: int) -> pa.Array:
    """The texts where ``mask`` holds, one per sample, null for samples without one.

    Parameters
    ----------
    texts
        Arrow strings of a recording, in document order.
    mask
        Which of ``texts`` to take.
    row
        For each text, the sample it belongs to.
    n
        The number of samples [count].

    Returns
    -------
    pyarrow.Array
        ``n`` strings; where a sample has two texts, the later one.
    """
    rows = row[mask]
    picked = texts.filter(pa.array(mask))
    if len(rows) == n and (n == 0 or (rows[0] == 0 and (np.diff(rows) == 1).all())):
        return picked
    objects = np.full(n, None, dtype=object)
    objects[rows] = picked.to_numpy(zero_copy_only=False)
    return pa.array(objects, type=pa.string())


def parse_times(
    texts: pa.Array | np.ndarray | Sequence[str | None],
) -> tuple[np.ndarray, np.ndarray]:
    """ISO 8601 texts as UTC nanoseconds since the epoch, and which of them were readable.

    Parameters
    ----------
    texts
        The times (arrow strings, or ``str`` and ``None``); texts without a zone are UTC.

    Returns
    -------
    ns : numpy.ndarray
        ``int64`` UTC nanoseconds since the epoch [ns]; meaningless where not readable.
    ok : numpy.ndarray
        ``bool``, which texts were read.

    Notes
    -----
    Arrow's parser reads what devices write (``Z`` or an offset, any number of fractional
    digits up to nine, mixed within a file, surrounding whitespace) in one vectorised call.
    When any text is otherwise (no zone, another layout, unreadable), pandas reads them all,
    each on its own, with unreadable ones missing.
    """
    if not isinstance(texts, pa.Array):
        texts = pa.array(texts, type=pa.string())
    try:
        stamps = arrow_cast(texts, pa.timestamp("ns", tz="UTC"))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        objects = texts.to_numpy(zero_copy_only=False)
        idx = pd.to_datetime(objects, utc=True, format="ISO8601", errors="coerce")
        # times outside nanoseconds' range (years before 1677 or after 2262) are unreadable
        idx = idx.where((idx >= _MIN_NS_TIME) & (idx <= _MAX_NS_TIME))
        return np.asarray(idx.as_unit("ns").asi8), ~np.asarray(idx.isna())
    if not stamps.null_count:
        ns = stamps.cast(pa.int64()).to_numpy(zero_copy_only=False, writable=True)
        return ns, np.ones(len(stamps), dtype=bool)
    ok = ~np.asarray(stamps.is_null().to_numpy(zero_copy_only=False), dtype=bool)
    ns = stamps.cast(pa.int64()).fill_null(0).to_numpy(zero_copy_only=False, writable=True)
    return ns, ok


def utc_offset_s(text: str | None) -> float:
    """The UTC offset an ISO 8601 time text is written in, when it names a non-zero one.

    Parameters
    ----------
    text
        A time such as ``2021-05-01T08:00:00+02:00`` (or ``None``).

    Returns
    -------
    float
        The offset east of UTC [s]; NaN for ``Z``, a zero offset, no zone or no time. A
        zero offset is what writers that normalise times to UTC write, so it says nothing
        about where the runner was.
    """
    if not text:
        return _NAN
    m = _OFFSET.search(text)
    if m is None:
        return _NAN
    sign, hours, minutes = m.groups()
    seconds = int(hours) * 3600 + int(minutes or 0) * 60
    if seconds == 0 or seconds > 18 * 3600:
        return _NAN
    return float(-seconds if sign == "-" else seconds)


# --------------------------------------------------------------------------- samples


def in_time_order(
    t_ns: np.ndarray, ok: np.ndarray, cols: dict[str, np.ndarray]
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """The samples with a readable time, sorted by it (stably).

    Parameters
    ----------
    t_ns
        Each sample's time [ns].
    ok
        Which samples have a readable time.
    cols
        The samples' other columns, one value per sample.

    Returns
    -------
    t_ns : numpy.ndarray
        The kept samples' times, ascending [ns].
    cols : dict of numpy.ndarray
        The kept samples' columns, in the same order.
    """
    if not ok.all():
        t_ns = t_ns[ok]
        cols = {k: v[ok] for k, v in cols.items()}
    if len(t_ns) > 1 and (np.diff(t_ns) < 0).any():
        order = np.argsort(t_ns, kind="stable")
        t_ns = t_ns[order]
        cols = {k: v[order] for k, v in cols.items()}
    return t_ns, cols


def track_distance(
    lat: np.ndarray, lon: np.ndarray, segment: np.ndarray | None = None
) -> np.ndarray:
    """Cumulative WGS84 distance along the positions, gaps between segments left out [m].

    Parameters
    ----------
    lat, lon
        Positions [degrees], NaN where absent.
    segment
        Each position's segment; a step between two segments counts nothing. ``None``: one
        segment.

    Returns
    -------
    numpy.ndarray
        Distance from the first position [m]. Points without a position stay where the
        runner last was; points before the first position have none (NaN).
    """
    out = np.full(len(lat), _NAN)
    valid = ~(np.isnan(lat) | np.isnan(lon))
    if not valid.any():
        return out
    steps = wgs84_steps(lat[valid], lon[valid])
    if segment is not None:
        seg = segment[valid]
        steps[seg[1:] != seg[:-1]] = 0.0
    out[valid] = np.concatenate([[0.0], np.cumsum(steps)])
    if not valid.all():
        out = pd.Series(out).ffill().to_numpy()
    return out


def wgs84_steps(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Geodesic distances on the WGS84 ellipsoid between consecutive positions [m].

    Parameters
    ----------
    lat, lon
        Positions [degrees], without NaN.

    Returns
    -------
    numpy.ndarray
        One distance fewer than positions [m].

    Notes
    -----
    Steps up to :data:`LONG_STEP_M` (all of a recorded track's, in practice) use the
    ellipsoid's meridional and prime-vertical radii of curvature at the mid-latitude, which
    agrees with the exact geodesic to better than 1e-7 relative at that length (the error
    grows with the square of the length). Longer steps use Lambert's formula for long lines,
    good to about 10 m over thousands of kilometres.
    """
    phi = np.radians(lat)
    lam = np.radians(lon)
    d_phi = np.diff(phi)
    d_lam = np.diff(lam)
    d_lam = (d_lam + np.pi) % (2 * np.pi) - np.pi  # across the antimeridian
    mid = phi[:-1] + d_phi / 2
    w2 = 1.0 - _E2 * np.sin(mid) ** 2
    prime_vertical = WGS84_A_M / np.sqrt(w2)
    meridional = prime_vertical * (1.0 - _E2) / w2
    steps = np.hypot(meridional * d_phi, prime_vertical * np.cos(mid) * d_lam)
    long = steps > LONG_STEP_M
    if long.any():
        i = np.flatnonzero(long)
        steps[i] = _lambert(phi[i], lam[i], phi[i + 1], lam[i + 1])
    return steps


def _lambert(phi1: np.ndarray, lam1: np.ndarray, phi2: np.ndarray, lam2: np.ndarray) -> np.ndarray:
    """Lambert's formula for long lines on the WGS84 ellipsoid [m] (angles in radians)."""
    b1 = np.arctan((1 - WGS84_F) * np.tan(phi1))
    b2 = np.arctan((1 - WGS84_F) * np.tan(phi2))
    h = np.sin((b2 - b1) / 2) ** 2 + np.cos(b1) * np.cos(b2) * np.sin((lam2 - lam1) / 2) ** 2
    sigma = 2 * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))
    p = (b1 + b2) / 2
    q = (b2 - b1) / 2
    with np.errstate(divide="ignore", invalid="ignore"):
        x = (sigma - np.sin(sigma)) * np.sin(p) ** 2 * np.cos(q) ** 2 / np.cos(sigma / 2) ** 2
        y = (sigma + np.sin(sigma)) * np.cos(p) ** 2 * np.sin(q) ** 2 / np.sin(sigma / 2) ** 2
    out = WGS84_A_M * (sigma - WGS84_F / 2 * (np.nan_to_num(x) + np.nan_to_num(y)))
    return np.asarray(out, dtype=np.float64)


def derived_speed(t_s: np.ndarray, dist: np.ndarray, running: bool = False) -> np.ndarray:
    """Speed from distance over a centred window, robust to jitter and uneven sampling.

    Parameters
    ----------
    t_s
        Sample times, ascending [s].
    dist
        Cumulative distance [m], NaN where unknown.
    running
        Whether the session is a run. Then a step between two samples longer than
        :data:`MAX_RUN_SPEED_MPS` allows over their time apart (plus
        :data:`GPS_JUMP_SLACK_M`) is a GPS jump: it counts nothing towards the speed of
        other samples (it still counts in ``dist``), the two samples at its ends have no
        speed (NaN), and neither has any sample faster than :data:`MAX_RUN_SPEED_MPS`.

    Returns
    -------
    numpy.ndarray
        The distance covered within ±:data:`SPEED_HALF_WINDOW_S` of each sample (the window
        clipped to the samples with a distance) over the window's length [m/s], never
        negative; NaN outside the samples with a distance, or where fewer than two have one.
    """
    speed = np.full(len(t_s), _NAN)
    valid = ~np.isnan(dist)
    if valid.sum() < 2:
        return speed
    tv, dv = t_s[valid], np.maximum.accumulate(dist[valid])
    at_jump = None
    if running:
        steps = np.diff(dv)
        jumps = steps > MAX_RUN_SPEED_MPS * np.diff(tv) + GPS_JUMP_SLACK_M
        if jumps.any():
            steps[jumps] = 0.0
            dv = np.concatenate([dv[:1], dv[0] + np.cumsum(steps)])
            where = np.flatnonzero(valid)
            at_jump = np.concatenate([where[:-1][jumps], where[1:][jumps]])
    inside = (t_s >= tv[0]) & (t_s <= tv[-1])
    lo_t = np.clip(t_s - SPEED_HALF_WINDOW_S, tv[0], tv[-1])
    hi_t = np.clip(t_s + SPEED_HALF_WINDOW_S, tv[0], tv[-1])
    span = hi_t - lo_t
    moved = np.interp(hi_t, tv, dv) - np.interp(lo_t, tv, dv)
    with np.errstate(divide="ignore", invalid="ignore"):
        speed = np.where(inside & (span > 0), moved / span, _NAN)
    speed = np.maximum(speed, 0.0)
    if at_jump is not None:
        speed[at_jump] = _NAN
    return plausible_speed(speed, running)


def plausible_speed(speed: np.ndarray, running: bool) -> np.ndarray:
    """``speed`` with a run's impossible values (GPS jumps) missing.

    Parameters
    ----------
    speed
        Each sample's speed [m/s].
    running
        Whether the session is a run; other sports' speeds are kept as they are.

    Returns
    -------
    numpy.ndarray
        ``speed``, NaN where a run's exceeds :data:`MAX_RUN_SPEED_MPS` [m/s].
    """
    if running and (speed > MAX_RUN_SPEED_MPS).any():
        return np.where(speed > MAX_RUN_SPEED_MPS, _NAN, speed)
    return speed


def ascent(altitude: np.ndarray) -> float:
    """The sum of the rises of the lightly smoothed altitude [m].

    Parameters
    ----------
    altitude
        Altitude of each sample [m], NaN where absent.

    Returns
    -------
    float
        Climbed metres after a centred moving average of :data:`ALTITUDE_SMOOTHING`
        samples [m]; NaN with fewer than two altitudes.
    """
    alt = altitude[~np.isnan(altitude)]
    if len(alt) < 2:
        return _NAN
    # Centred moving average; near the ends, over the samples there are.
    kernel = np.ones(min(ALTITUDE_SMOOTHING, len(alt)))
    smooth = np.convolve(alt, kernel, "same") / np.convolve(np.ones(len(alt)), kernel, "same")
    rises = np.diff(smooth)
    return float(rises[rises > 0].sum())


def weights(t_s: np.ndarray) -> np.ndarray:
    """Seconds each sample stands for in time-weighted means.

    Parameters
    ----------
    t_s
        Sample times, ascending [s].

    Returns
    -------
    numpy.ndarray
        The gap to the next sample, capped at :data:`MAX_WEIGHT_GAP_S` (a pause); the last
        sample the median gap; 1 each with fewer than two samples [s].
    """
    if len(t_s) < 2:
        return np.ones(len(t_s))
    gaps = np.clip(np.diff(t_s), 0.0, MAX_WEIGHT_GAP_S)
    ordered = np.sort(gaps)  # the median, without np.median's overhead on short arrays
    m = len(ordered)
    return np.append(gaps, (ordered[(m - 1) // 2] + ordered[m // 2]) / 2)


def weighted_mean(values: np.ndarray, weights: np.ndarray, keep: np.ndarray) -> float:
    """The mean of ``values`` where ``keep`` holds, weighted by ``weights``.

    Parameters
    ----------
    values
        One value per sample, in any unit; NaN values are left out.
    weights
        Each sample's weight, as from :func:`weights` [s]; samples of weight 0 are left out.
    keep
        Which samples to average.

    Returns
    -------
    float
        The mean, in the unit of ``values``; NaN when no sample is left.
    """
    keep = keep & ~np.isnan(values) & (weights > 0)
    if not keep.any():
        return _NAN
    return float(np.average(values[keep], weights=weights[keep]))


# --------------------------------------------------------------------------- tables


def session_id_of(start_ns: int) -> str:
    """The key of a recorded activity from its UTC start, ``YYYYMMDDTHHMMSSZ``.

    Parameters
    ----------
    start_ns
        The UTC start [ns since the epoch].

    Returns
    -------
    str
        The same key as :func:`stridekit.io.common.session_key` makes, without pandas.
    """
    text = str(np.datetime64(int(start_ns) // _NS_PER_S, "s"))  # YYYY-MM-DDTHH:MM:SS
    return text.replace("-", "").replace(":", "") + "Z"


def unique_keys(starts_ns: Sequence[int]) -> list[str]:
    """Session keys from start times; a repeated key gets ``-2``, ``-3`` ... appended.

    Parameters
    ----------
    starts_ns
        The sessions' UTC starts [ns since the epoch].

    Returns
    -------
    list of str
        One key a session, as :func:`stridekit.io.common.session_key` makes them.
    """
    seen: dict[str, int] = {}
    out = []
    for ns in starts_ns:
        key = session_id_of(ns)
        seen[key] = seen.get(key, 0) + 1
        out.append(key if seen[key] == 1 else f"{key}-{seen[key]}")
    return out


def local_dates(
    starts_ns: Sequence[int], tz: TzLike, offsets_s: Sequence[float] | None = None
) -> np.ndarray:
    """The local calendar day (midnight, tz-naive ``datetime64[ns]``) of each UTC start.

    Parameters
    ----------
    starts_ns
        The sessions' UTC starts [ns since the epoch].
    tz
        The runner's time zone (IANA name or tzinfo), for starts without an offset; the
        machine's own when ``None``.
    offsets_s
        Each start's own UTC offset as the file records it [s], NaN where it records none;
        ``None``: none does.

    Returns
    -------
    numpy.ndarray
        ``datetime64[ns]``, one a start: the day in the start's own offset where it has
        one, else in ``tz``.

    Notes
    -----
    The same days as :func:`stridekit.io.common.local_dates`, computed with the standard
    library: a file has few sessions, and pandas' per-call overhead is far larger.
    """
    zone: dt.tzinfo | None = None
    days = []
    for i, ns in enumerate(starts_ns):
        offset = _NAN if offsets_s is None else offsets_s[i]
        if math.isnan(offset):
            zone = zone or resolve_tz(tz)
            when = (_EPOCH + dt.timedelta(microseconds=int(ns) // 1000)).astimezone(zone)
        else:
            when = _EPOCH + dt.timedelta(microseconds=int(ns) // 1000 + int(offset * 1e6))
        days.append(when.date())
    return np.array(days, dtype="datetime64[D]").astype("datetime64[ns]")


def utc_times(ns: np.ndarray) -> Any:
    """UTC nanoseconds as a pandas ``datetime64[ns, UTC]`` array, without a copy.

    Parameters
    ----------
    ns
        ``int64`` (or ``datetime64[ns]``) UTC times [ns since the epoch].

    Returns
    -------
    pandas.arrays.DatetimeArray
        Of dtype ``datetime64[ns, UTC]``.
    """
    m8 = np.asarray(ns).view("M8[ns]")
    try:  # tens of times faster than the public localisation, which checks every value
        return _DATETIMES._simple_new(m8, dtype=_UTC_DTYPE)
    except (AttributeError, TypeError):  # pragma: no cover - a pandas without it
        return pd.DatetimeIndex(m8).tz_localize("UTC").array


def session_columns(
    starts_ns: Sequence[int],
    sessions: Sequence[dict[str, Any]],
    tz: TzLike,
    offsets_s: Sequence[float] | None = None,
) -> dict[str, Any]:
    """The sessions table's columns: keys, UTC starts, local dates, then the sessions' values.

    Parameters
    ----------
    starts_ns
        The sessions' UTC starts [ns since the epoch].
    sessions
        Each session's other columns, the same names in each.
    tz
        The runner's time zone for ``local_date`` of starts without their own offset; the
        machine's own when ``None``.
    offsets_s
        Each start's own UTC offset as recorded [s], NaN where none is; see
        :func:`local_dates`.

    Returns
    -------
    dict
        ``session_id``, ``start_utc``, ``local_date`` and the sessions' columns, as
        :func:`frame` takes them.
    """
    columns: dict[str, Any] = {
        "session_id": unique_keys(starts_ns),
        "start_utc": utc_times(np.array(starts_ns, dtype=np.int64)),
        "local_date": local_dates(starts_ns, tz, offsets_s),
    }
    for name in sessions[0]:
        columns[name] = [s[name] for s in sessions]
    return columns


def stack(
    tables: Sequence[dict[str, Any]],
    ids: Sequence[str],
    lengths: Sequence[int],
    time_ns: Sequence[np.ndarray] | None = None,
) -> dict[str, Any]:
    """The tables' columns joined end to end, with ``session_id`` repeated for each row.

    Parameters
    ----------
    tables
        One table a session: columns (arrays, or lists of ``str``) by name, the same names
        in each.
    ids
        The sessions' keys.
    lengths
        Each table's rows [count].
    time_ns
        With samples: each table's times [ns since the epoch], stacked as ``time_utc``.

    Returns
    -------
    dict
        ``session_id``, the tables' columns and ``time_utc`` (with ``time_ns``), as
        :func:`frame` takes them.
    """
    rows = np.repeat(np.arange(len(ids)), lengths)
    columns: dict[str, Any] = {"session_id": take_strings(ids, rows)}
    for name in tables[0]:
        values = [t[name] for t in tables]
        if isinstance(values[0], list):
            columns[name] = [v for chunk in values for v in chunk]
        else:
            columns[name] = values[0] if len(values) == 1 else np.concatenate(values)
    if time_ns is not None:
        stamps = time_ns[0] if len(time_ns) == 1 else np.concatenate(time_ns)
        columns["time_utc"] = utc_times(np.asarray(stamps, dtype=np.int64))
    return columns


class RecordedPart(Protocol):
    """One session of a recording, read but not yet keyed (the TCX and GPX readers' parts).

    Attributes
    ----------
    start_ns
        The session's UTC start [ns since the epoch].
    offset_s
        The UTC offset its times are written in [s], NaN when they carry none.
    session
        Its sessions columns other than the key, start and local date.
    samples
        Its samples' columns, as :func:`stack` takes them.
    time_ns
        Its samples' UTC times [ns since the epoch].
    """

    start_ns: int
    offset_s: float
    session: dict[str, Any]
    samples: dict[str, Any]
    time_ns: np.ndarray


def part_columns(
    parts: Sequence[RecordedPart], tz: TzLike
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The sessions' and the samples' columns of a recording's parts, in the parts' order.

    Parameters
    ----------
    parts
        The sessions of one recording, in ascending start.
    tz
        The runner's time zone for ``local_date`` of starts without their own offset; the
        machine's own when ``None``.

    Returns
    -------
    tuple of dict
        The sessions' columns (:func:`session_columns`) and the samples' (:func:`stack`,
        with ``time_utc``), as :func:`frame` takes them.
    """
    sessions = session_columns(
        [p.start_ns for p in parts], [p.session for p in parts], tz, [p.offset_s for p in parts]
    )
    samples = stack(
        [p.samples for p in parts],
        sessions["session_id"],
        [len(p.time_ns) for p in parts],
        [p.time_ns for p in parts],
    )
    return sessions, samples


def recording_log(
    sessions: pd.DataFrame,
    laps: pd.DataFrame,
    samples: pd.DataFrame,
    *,
    source: str,
    source_format: str,
    found: int,
    skipped: str,
) -> TrainingLog:
    """The log of one recording file, without sets, and the file's report entry.

    Parameters
    ----------
    sessions, laps, samples
        The file's tables, built by :func:`frame` (so that :class:`TrainingLog` has nothing
        to conform), sessions in ascending ``start_utc``.
    source
        The file, for the report.
    source_format
        Its format (``tcx``, ``gpx``), for the report.
    found
        How many sessions the file holds, those left out included [count].
    skipped
        Why the sessions left out were, as the report says it (``tracks had no timed
        points``); ``found - len(sessions)`` of them.

    Returns
    -------
    TrainingLog
        The tables, an empty sets table and a report of one entry: ``ok``, or ``partial``
        when sessions were left out.
    """
    left_out = found - len(sessions)
    entry = ReportEntry(
        path=source,
        status="partial" if left_out else "ok",
        format=source_format,
        sessions=len(sessions),
        message=f"{left_out} of {found} {skipped} and were skipped" if left_out else None,
    )
    return TrainingLog.of_conforming(
        sessions=sessions,
        laps=laps,
        samples=samples,
        sets=empty("sets"),
        report=ImportReport([entry]),
    )


class _Layout:
    """Where each column of a table goes in the blocks of its frames (cached per table)."""

    def __init__(self, table: str, extra: tuple[str, ...]) -> None:
        spec = schema.TABLES[table]
        names = [*spec, *(e for e in extra if e not in spec)]
        dtypes = [spec[n].dtype if n in spec else "float64" for n in names]
        self.columns = pd.Index(names)
        self.floats = [n for n, d in zip(names, dtypes, strict=True) if d == "float64"]
        self.ints = [n for n, d in zip(names, dtypes, strict=True) if d == "int64"]
        self.float_at = np.array([names.index(n) for n in self.floats], dtype=np.intp)
        self.int_at = np.array([names.index(n) for n in self.ints], dtype=np.intp)
        self.others = [
            (np.array([i], dtype=np.intp), n, d)
            for i, (n, d) in enumerate(zip(names, dtypes, strict=True))
            if d not in ("float64", "int64")
        ]


@cache
def _layout(table: str, extra: tuple[str, ...]) -> _Layout:
    return _Layout(table, extra)


def frame(table: str, values: dict[str, Any], extra: Sequence[str] = ()) -> pd.DataFrame:
    """A frame of ``table`` with every schema column, in order, at its dtype.

    Parameters
    ----------
    table
        A table of :mod:`stridekit.schema` (``sessions``, ``laps``, ``samples``, ``sets``).
    values
        Columns by name, all as long as ``session_id`` (which every table has); a column
        missing here is missing (NaN or null) in the frame, and names not in the schema
        (nor in ``extra``) are left out. String columns may be lists, object arrays or
        pandas ``str`` arrays; time columns pandas arrays or indexes, or ``datetime64``.
    extra
        Names of ``float64`` columns of ``values`` to keep after the schema's own.

    Returns
    -------
    pandas.DataFrame
        Built from whole columns already at the schema's dtypes, the ``float64`` ones in
        one block, so that :func:`stridekit.schema.conform` has nothing to do.
    """
    layout = _layout(table, tuple(extra))
    n = len(values["session_id"])
    blocks: list[tuple[Any, np.ndarray]] = []
    if layout.floats:
        block = np.empty((len(layout.floats), n))
        for i, name in enumerate(layout.floats):
            value = values.get(name)
            block[i] = _NAN if value is None else np.asarray(value, dtype=np.float64)
        blocks.append((block, layout.float_at))
    if layout.ints:
        ints = np.zeros((len(layout.ints), n), dtype=np.int64)
        for i, name in enumerate(layout.ints):
            value = values.get(name)
            if value is not None:
                ints[i] = np.asarray(value, dtype=np.int64)
        blocks.append((ints, layout.int_at))
    texts = _texts_of(layout, values, n)
    for at, name, dtype in layout.others:
        column = texts.get(name)
        blocks.append((_column(values.get(name), dtype, n) if column is None else column, at))
    return create_dataframe_from_blocks(blocks, pd.RangeIndex(n), _fresh(layout.columns))


def _texts_of(layout: _Layout, values: dict[str, Any], n: int) -> dict[str, Any]:
    """The ``str`` columns given as lists, built by one pyarrow conversion and sliced.

    A frame of few rows (a file's sessions) has several such columns; converting them one
    by one costs a pyarrow call each, several times what a slice costs.
    """
    if not _ARROW_BACKED:  # pragma: no cover - pandas without pyarrow
        return {}
    names = [
        name
        for _, name, dtype in layout.others
        if dtype == "str" and isinstance(values.get(name), list)
    ]
    if len(names) < 2:
        return {}
    joined = pa.array([v for name in names for v in values[name]], type=pa.large_string())
    return {
        name: _ARROW_STRINGS(joined.slice(i * n, n), dtype=_STR_DTYPE)
        for i, name in enumerate(names)
    }


def _fresh(index: pd.Index) -> pd.Index:
    """A new index on ``index``'s values, with a cache of its own.

    A view (or ``index.copy()``) would share the cache, and with it a lookup engine that
    every later slice of the columns (as :func:`stridekit.schema.conform` takes) would
    rebuild. Public API: about 8 us a frame where pandas' private ``_simple_new`` took 1.
    """
    return pd.Index(index.array, copy=False)


def _column(value: Any, dtype: str, n: int) -> Any:
    """One column of a dtype other than ``float64`` and ``int64``, as its block takes it."""
    if isinstance(value, (pd.Index, pd.Series)):
        value = value.array
    if dtype == "str":
        if value is None:
            return strings([None] * n)
        if isinstance(value, pd.api.extensions.ExtensionArray) and value.dtype == _STR_DTYPE:
            return value
        return strings(value)
    if dtype == schema.UTC_DTYPE:
        if isinstance(value, _DATETIMES) and value.dtype == _UTC_DTYPE:
            return value
        if value is None:
            return utc_times(np.full(n, np.iinfo(np.int64).min, dtype=np.int64))
        if isinstance(value, np.ndarray) and value.dtype.kind in "iuM":
            return utc_times(value.astype("M8[ns]").view(np.int64))
        return pd.array(value, dtype=_UTC_DTYPE)
    if dtype == "datetime64[ns]":
        if value is None:
            value = np.full(n, np.datetime64("NaT", "ns"))
        if isinstance(value, np.ndarray):
            m8 = value.astype("datetime64[ns]")
            try:  # as utc_times: the public route checks every value again
                return _DATETIMES._simple_new(m8, dtype=m8.dtype)
            except (AttributeError, TypeError):  # pragma: no cover - a pandas without it
                return pd.array(m8)
        return pd.array(value, dtype=dtype)
    any_dtype: Any = pd.api.types.pandas_dtype(dtype)
    return pd.array([None] * n if value is None else value, dtype=any_dtype)


def empty(table: str) -> pd.DataFrame:
    """An empty frame of ``table``, as :func:`stridekit.schema.empty` makes it, faster.

    Parameters
    ----------
    table
        A table of :mod:`stridekit.schema`.

    Returns
    -------
    pandas.DataFrame
        A shallow copy of one cached empty frame: copy-on-write keeps each copy's changes
        its own.
    """
    return _empty(table).copy(deep=False)


@cache
def _empty(table: str) -> pd.DataFrame:
    return frame(table, {"session_id": []})


def strings(values: Any) -> Any:
    """``values`` (``str`` or ``None``) as a pandas ``str`` array.

    Parameters
    ----------
    values
        A list or object array of ``str`` and ``None``.

    Returns
    -------
    pandas.api.extensions.ExtensionArray
        Of dtype ``str``; built straight from a pyarrow array when ``str`` is arrow-backed,
        several times faster than ``pd.array`` for the short columns of sessions and laps.
    """
    if isinstance(values, np.ndarray):
        values = values.tolist()
    if _ARROW_BACKED:
        if isinstance(values, list) and values.count(None) == len(values):
            return _ARROW_STRINGS(_nulls(len(values)), dtype=_STR_DTYPE)
        return _ARROW_STRINGS(pa.array(values, type=pa.large_string()), dtype=_STR_DTYPE)
    return pd.array(values, dtype=_STR_DTYPE)  # pragma: no cover - pandas without pyarrow


@cache
def _nulls(n: int) -> pa.Array:
    """``n`` null strings (arrow arrays are immutable, so one serves every column)."""
    return pa.nulls(n, pa.large_string())


def take_strings(values: Sequence[str], index: np.ndarray) -> Any:
    """``values[index]`` as a pandas ``str`` array, gathered by pyarrow.

    Parameters
    ----------
    values
        The distinct strings (a session's key each, say).
    index
        For each row, which of ``values`` it holds.

    Returns
    -------
    pandas.api.extensions.ExtensionArray
        Of dtype ``str``, one a row.
    """
    if _ARROW_BACKED:
        if len(values) == 1:
            taken = pa.repeat(pa.scalar(values[0], pa.large_string()), len(index))
        else:
            taken = pa.array(values, type=pa.large_string()).take(pa.array(index))
        return _ARROW_STRINGS(taken, dtype=_STR_DTYPE)
    return strings(np.array(values, dtype=object)[index])  # pragma: no cover


__all__ = [
    "ALTITUDE_SMOOTHING",
    "GPS_JUMP_SLACK_M",
    "LONG_STEP_M",
    "MAX_RUN_SPEED_MPS",
    "MAX_WEIGHT_GAP_S",
    "SPEED_HALF_WINDOW_S",
    "WGS84_A_M",
    "WGS84_F",
    "RecordedPart",
    "arrow_cast",
    "ascent",
    "derived_speed",
    "empty",
    "floats",
    "frame",
    "in_time_order",
    "local_dates",
    "number_table",
    "parse_times",
    "part_columns",
    "plausible_speed",
    "recording_log",
    "session_columns",
    "session_id_of",
    "stack",
    "strings",
    "take_strings",
    "texts_by_row",
    "track_distance",
    "unique_keys",
    "utc_offset_s",
    "utc_times",
    "weighted_mean",
    "weights",
    "wgs84_steps",
]
