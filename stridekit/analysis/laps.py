"""Give every lap a role (warmup, work, recovery, cooldown, steady) and read repeats off laps.

Laps mark the repeats when the runner pressed the lap button at each repeat, or the watch's
workout did. They hide them when they are automatic 1 km (or 1 mile) laps. The rules, per
session, all on flat arrays:

* an automatic-lap session (every lap but the last ended by distance, or every lap but the
  last as long as the first, 1 km or 1 mile) is ``steady``, with ``warmup`` and ``cooldown``
  for laps that lie mostly inside the warm-up and cool-down found in the speed stream;
* otherwise the fast laps are the work: laps at least halfway from the session's typical
  lap speed (the resting laps' median when the intensity marks rest, else all laps') to
  its fastest lap, and at least :data:`WORK_SHARE` of the fastest, when that lap is at
  least :data:`FAST_RATIO` times the typical speed, 15 s to 12 min long, and there are two
  of them or more (laps recorded as ``resting`` or ``recovery`` are never work);
* laps between the first and the last work lap that are not work are ``recovery``; laps
  before the first are ``warmup``, after the last ``cooldown``;
* with no work laps every lap is ``steady``, except laps the watch marked ``warmup`` or
  ``cooldown`` (FIT intensity), kept as such;
* zero-length laps (no time) get no role.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import pandas as pd

from stridekit.analysis.intervals import MAX_REPEAT_S, MIN_REPEAT_S, empty_repeats

FAST_RATIO: Final = 1.15
"""The fastest lap must be this many times the typical lap speed for laps to mark repeats."""

WORK_SHARE: Final = 0.75
"""A work lap is at least this share of the session's fastest lap speed [-]."""

AUTO_LAP_M: Final = (1000.0, 1609.344)
"""Distances of automatic laps [m]."""

_REST: Final = frozenset({"resting", "rest", "recovery"})
_WORK: Final = frozenset({"active", "interval", "work"})


def lap_roles(laps: pd.DataFrame, phases: pd.DataFrame | None = None) -> pd.DataFrame:
    """Fill ``laps.role`` for every lap.

    Parameters
    ----------
    laps
        A laps table (any number of sessions).
    phases
        Optional :func:`stridekit.analysis.intervals.detect_all` phases (``session_id``,
        ``warmup_s``, ``cooldown_s``, ``main_start_s``, ``main_end_s``): the warm-up and
        cool-down from the speed stream for sessions whose laps do not show them.

    Returns
    -------
    pandas.DataFrame
        A copy of ``laps`` in its original row order with ``role`` set (missing for
        zero-length laps).
    """
    out = laps.copy()
    if laps.empty:
        return out
    order = np.lexsort((laps["lap_index"].to_numpy(), laps["session_id"].to_numpy(dtype=str)))
    lp = laps.iloc[order]
    codes, ids = pd.factorize(lp["session_id"])
    n_sessions = len(ids)
    start = lp["start_s"].to_numpy(dtype=float, na_value=np.nan)
    duration = lp["duration_s"].to_numpy(dtype=float, na_value=np.nan)
    distance = lp["distance_m"].to_numpy(dtype=float, na_value=np.nan)
    speed = lp["avg_speed_mps"].to_numpy(dtype=float, na_value=np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        speed = np.where(np.isfinite(speed), speed, distance / duration)
    intensity = lp["intensity"].str.lower().fillna("").to_numpy(dtype=object)
    trigger = lp["trigger"].str.lower().fillna("").to_numpy(dtype=object)
    real = ~(duration <= 0)  # zero-length laps are not real; unknown lengths may be
    sized = ~(duration < MIN_REPEAT_S) & ~(duration > MAX_REPEAT_S)

    rest = np.isin(intensity, list(_REST)) & real
    workish = np.isin(intensity, list(_WORK)) & real
    marks_rest = np.bincount(codes, weights=rest, minlength=n_sessions) > 0
    # typical speed: the resting laps' median when marked, else all laps'
    typical = _group_median(codes, np.where(real & np.isfinite(speed), speed, np.nan), n_sessions)
    rest_typ = _group_median(codes, np.where(rest & np.isfinite(speed), speed, np.nan), n_sessions)
    typical = np.where(marks_rest & np.isfinite(rest_typ), rest_typ, typical)
    fastest = np.full(n_sessions, -np.inf)
    np.fmax.at(fastest, codes, np.where(real & ~rest & np.isfinite(speed), speed, -np.inf))
    # halfway from typical to fastest, and never far below the fastest (resting laps of a
    # paused timer are nearly still: halfway from them is a jog)
    threshold = np.maximum((typical + fastest) / 2, WORK_SHARE * fastest)
    contrast = fastest >= FAST_RATIO * typical
    by_pace = real & ~rest & contrast[codes] & (speed >= threshold[codes]) & sized
    # without speeds, laps the watch marked active next to a resting lap are the work
    before_rest = np.concatenate((rest[1:] & (codes[1:] == codes[:-1]), [False]))
    after_rest = np.concatenate(([False], rest[:-1] & (codes[1:] == codes[:-1])))
    by_marks = workish & ~np.isfinite(speed) & (before_rest | after_rest) & marks_rest[codes]
    work = by_pace | by_marks
    auto = _auto_laps(codes, distance, trigger, real, n_sessions)
    work &= ~auto[codes]
    n_work = np.bincount(codes, weights=work, minlength=n_sessions)
    work &= (n_work >= 2)[codes]

    position = np.arange(len(codes))
    first_work = np.full(n_sessions, np.iinfo(np.int64).max)
    last_work = np.full(n_sessions, -1)
    np.minimum.at(first_work, codes[work], position[work])
    np.maximum.at(last_work, codes[work], position[work])
    structured = last_work >= 0
    fw, lw = first_work[codes], last_work[codes]
    role = np.full(len(codes), "steady", dtype=object)
    role[intensity == "warmup"] = "warmup"
    role[intensity == "cooldown"] = "cooldown"
    in_struct = structured[codes]
    role[in_struct & (position < fw)] = "warmup"
    role[in_struct & (position > lw)] = "cooldown"
    role[in_struct & (position > fw) & (position < lw)] = "recovery"
    role[work] = "work"

    if phases is not None and len(phases):
        ph = phases.set_index("session_id")
        warm = pd.Series(ids).map(ph["warmup_s"]).to_numpy(dtype=float, na_value=np.nan)
        cool = pd.Series(ids).map(ph["cooldown_s"]).to_numpy(dtype=float, na_value=np.nan)
        main_end = pd.Series(ids).map(ph["main_end_s"]).to_numpy(dtype=float, na_value=np.nan)
        mid = start + duration / 2
        plain = ~in_struct & (role == "steady")
        role[plain & (warm[codes] > 0) & (mid < warm[codes])] = "warmup"
        role[plain & (cool[codes] > 0) & (mid > main_end[codes])] = "cooldown"
    role[~real] = None
    roles = np.empty(len(laps), dtype=object)
    roles[order] = role
    out["role"] = pd.array(roles, dtype="str")
    return out


def _group_median(codes: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """Median of the finite ``values`` of each group (NaN where none)."""
    ok = np.isfinite(values)
    out = np.full(n, np.nan)
    if not ok.any():
        return out
    frame = pd.DataFrame({"g": codes[ok], "v": values[ok]})
    med = frame.groupby("g")["v"].median()
    out[med.index.to_numpy()] = med.to_numpy()
    return out


def _auto_laps(
    codes: np.ndarray, distance: np.ndarray, trigger: np.ndarray, real: np.ndarray, n: int
) -> np.ndarray:
    """Per session: whether its laps are automatic distance laps."""
    position = np.arange(len(codes))
    last = np.full(n, -1)
    np.maximum.at(last, codes, position)
    not_last = position != last[codes]
    by_distance = (trigger == "distance") & not_last
    near = np.zeros(len(codes), dtype=bool)
    for d in AUTO_LAP_M:
        near |= np.abs(distance - d) <= 0.02 * d
    counted = np.bincount(codes, weights=not_last & real, minlength=n)
    dist_trig = np.bincount(codes, weights=by_distance, minlength=n)
    round_laps = np.bincount(codes, weights=near & not_last, minlength=n)
    return (counted >= 1) & ((dist_trig >= counted) | (round_laps >= counted))


def lap_repeats(laps: pd.DataFrame) -> pd.DataFrame:
    """One row per ``work`` lap, in the repeats table's columns (``source`` ``laps``).

    Parameters
    ----------
    laps
        A laps table whose ``role`` is filled (:func:`lap_roles`).

    Returns
    -------
    pandas.DataFrame
        ``start_s``, ``end_s`` (start plus the lap's timer time) [s], ``duration_s`` [s],
        ``distance_m`` [m], ``avg_speed_mps`` [m/s], ``avg_hr_bpm`` [beats/min],
        ``recovery_s`` (to the next work lap's start) [s]; ``max_hr_bpm`` and
        ``hr_drop_bpm`` are left to the samples (missing here).
    """
    work = laps.loc[laps["role"] == "work"].sort_values(["session_id", "start_s"])
    if work.empty:
        return empty_repeats()
    sid = work["session_id"].to_numpy(dtype=str)
    start = work["start_s"].to_numpy(dtype=float, na_value=np.nan)
    duration = work["duration_s"].to_numpy(dtype=float, na_value=np.nan)
    distance = work["distance_m"].to_numpy(dtype=float, na_value=np.nan)
    end = start + duration
    same_next = np.concatenate((sid[1:] == sid[:-1], [False]))
    recovery = np.where(same_next, np.concatenate((start[1:], [np.nan])) - end, np.nan)
    codes, _ = pd.factorize(sid)
    index = np.arange(len(sid)) - np.searchsorted(codes, codes, side="left")
    with np.errstate(invalid="ignore", divide="ignore"):
        speed = np.where(duration > 0, distance / duration, np.nan)
    out = pd.DataFrame(
        {
            "session_id": pd.array(sid, dtype="str"),
            "repeat_index": index.astype(np.int64),
            "start_s": start,
            "end_s": end,
            "duration_s": duration,
            "distance_m": distance,
            "avg_speed_mps": speed,
            "avg_hr_bpm": work["avg_hr_bpm"].to_numpy(dtype=float, na_value=np.nan),
            "max_hr_bpm": np.nan,
            "recovery_s": recovery,
            "hr_drop_bpm": np.nan,
            "source": pd.array(["laps"] * len(sid), dtype="str"),
        }
    )
    return out[list(empty_repeats().columns)]


def lap_phases(laps: pd.DataFrame) -> pd.DataFrame:
    """Per session with role-filled laps: warm-up and cool-down time from the laps [s].

    Returns
    -------
    pandas.DataFrame
        ``session_id``, ``warmup_s``, ``cooldown_s`` (wall-clock time of the ``warmup`` and
        ``cooldown`` laps, from each lap's start to the next lap's start, or its timer time
        for the last lap) and ``structured`` (whether the laps mark work repeats); only
        sessions whose laps mark repeats, or whose watch marked warm-up or cool-down laps.
    """
    if laps.empty:
        return pd.DataFrame(
            {
                "session_id": pd.Series(dtype="str"),
                "warmup_s": pd.Series(dtype="float64"),
                "cooldown_s": pd.Series(dtype="float64"),
                "structured": pd.Series(dtype="bool"),
            }
        )
    lp = laps.sort_values(["session_id", "lap_index"])
    sid = lp["session_id"].to_numpy(dtype=str)
    start = lp["start_s"].to_numpy(dtype=float, na_value=np.nan)
    duration = lp["duration_s"].to_numpy(dtype=float, na_value=np.nan)
    same_next = np.concatenate((sid[1:] == sid[:-1], [False]))
    wall = np.where(same_next, np.concatenate((start[1:], [np.nan])) - start, duration)
    wall = np.where(np.isfinite(wall), wall, duration)
    role = lp["role"].to_numpy(dtype=object)
    intensity = lp["intensity"].str.lower().fillna("").to_numpy(dtype=object)
    frame = pd.DataFrame(
        {
            "session_id": sid,
            "warmup_s": np.where(role == "warmup", wall, 0.0),
            "cooldown_s": np.where(role == "cooldown", wall, 0.0),
            "structured": role == "work",
            "marked": (role == "work") | np.isin(intensity, ["warmup", "cooldown"]),
        }
    )
    out = frame.groupby("session_id", sort=False).agg(
        warmup_s=("warmup_s", "sum"),
        cooldown_s=("cooldown_s", "sum"),
        structured=("structured", "any"),
        marked=("marked", "any"),
    )
    out = out.loc[out["marked"]].drop(columns="marked").reset_index()
    out["session_id"] = out["session_id"].astype("str")
    return out
