"""Race-time estimates from the best efforts in training: Daniels' VDOT and Riegel.

A best effort is the fastest stretch of a run covering a standard distance, found from the
samples' cumulative distance and wall-clock time (pauses included, so a paused timer never
makes an effort look faster). The estimates extrapolate from one effort; they are estimates,
labelled so in every row, and training efforts are seldom all-out, so they tend to be slow.

Sources: Daniels and Gilbert (1979), *Oxygen Power*, and Daniels (2014), *Daniels' Running
Formula*: VO2 cost of running speed and the fraction of VO2max sustainable for a duration,
whose ratio is VDOT. Riegel (1981), "Athletic records and human endurance", *American
Scientist* 69: ``T2 = T1 * (D2 / D1) ** 1.06``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from stridekit.analysis.load import DateLike
from stridekit.analysis.weekly import in_range

STANDARD_DISTANCES_M: Final = (400.0, 800.0, 1000.0, 1609.344, 3000.0, 5000.0, 10_000.0,
                               21_097.5, 42_195.0)  # fmt: skip
"""The distances best efforts are sought over [m]."""

RACE_DISTANCES_M: Final = (5000.0, 10_000.0, 21_097.5, 42_195.0)
"""The race distances estimated by default [m]: 5 km, 10 km, half and full marathon."""

RIEGEL_EXPONENT: Final = 1.06
"""Riegel's fatigue exponent."""

MIN_EFFORT_M: Final = 3000.0
"""Shortest best effort an estimate is made from [m]."""

MAX_SPEED_MPS: Final = 10.5
"""Faster efforts are recording errors (above the 100 m world record pace) [m/s]."""

METHODS: Final = ("vdot", "riegel")

_SESSION_SPAN: Final = 1e8  # [m]: more than any run, keeps sessions apart on one axis


def best_efforts(
    samples: pd.DataFrame,
    *,
    distances_m: Sequence[float] = STANDARD_DISTANCES_M,
) -> pd.DataFrame:
    """The fastest stretch of each session over each distance.

    Parameters
    ----------
    samples
        A samples table (``session_id``, ``t_s``, ``distance_m``).
    distances_m
        The distances to seek [m], each positive.

    Returns
    -------
    pandas.DataFrame
        One row per session and distance it covered: ``session_id``, ``distance_m`` [m],
        ``time_s`` [s], ``start_s`` and ``end_s`` (on the samples' ``t_s`` clock [s]) and
        ``avg_speed_mps`` [m/s]. Sessions without distance samples, and distances longer
        than a session, give no row.

    Raises
    ------
    ValueError
        If a distance is not positive.
    """
    columns = ["session_id", "distance_m", "time_s", "start_s", "end_s", "avg_speed_mps"]
    for length in distances_m:
        if not length > 0:
            raise ValueError(f"distances_m must all be positive distances in m; got {length}")
    s = samples.loc[samples["distance_m"].notna() & samples["t_s"].notna()]
    s = s[["session_id", "t_s", "distance_m"]].sort_values(["session_id", "t_s"], kind="stable")
    if s.empty or not len(distances_m):
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in columns}).astype(
            {"session_id": "str"}
        )
    codes, names = pd.factorize(s["session_id"])
    t = s["t_s"].to_numpy(dtype=float)
    # cumulative distance never falls within a session; sessions sit far apart on one axis
    d = pd.Series(s["distance_m"].to_numpy(dtype=float)).groupby(codes).cummax().to_numpy()
    axis = d + codes * _SESSION_SPAN
    frames = []
    for length in distances_m:
        goal = axis - length
        j = np.searchsorted(axis, goal, side="right") - 1
        ok = (d >= length) & (j >= 0)
        j = np.clip(j, 0, len(axis) - 2)
        ok &= codes[j] == codes
        nxt = j + 1
        span = axis[nxt] - axis[j]
        frac = np.divide(goal - axis[j], span, out=np.zeros_like(span), where=span > 0)
        start = t[j] + np.clip(frac, 0.0, 1.0) * (t[nxt] - t[j])
        time = t - start
        ok &= time > 0
        ok &= length / np.where(time > 0, time, np.inf) <= MAX_SPEED_MPS
        if not ok.any():
            continue
        cand = pd.DataFrame(
            {"code": codes[ok], "time_s": time[ok], "start_s": start[ok], "end_s": t[ok]}
        )
        best = cand.loc[cand.groupby("code")["time_s"].idxmin()]
        frames.append(
            pd.DataFrame(
                {
                    "session_id": names[best["code"].to_numpy()],
                    "distance_m": float(length),
                    "time_s": best["time_s"].to_numpy(),
                    "start_s": best["start_s"].to_numpy(),
                    "end_s": best["end_s"].to_numpy(),
                }
            )
        )
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in columns}).astype(
            {"session_id": "str"}
        )
    out = pd.concat(frames, ignore_index=True)
    out["session_id"] = out["session_id"].astype("str")
    out["avg_speed_mps"] = out["distance_m"] / out["time_s"]
    return out[columns]


def vdot(distance_m: ArrayLike, time_s: ArrayLike) -> np.ndarray:
    """Daniels' VDOT of a performance: distance [m] in time [s].

    ``VO2 = -4.60 + 0.182258 v + 0.000104 v**2`` with ``v`` in m/min, over the fraction
    ``0.8 + 0.1894393 exp(-0.012778 t) + 0.2989558 exp(-0.1932605 t)`` of VO2max held for
    ``t`` minutes [ml/kg/min].

    Examples
    --------
    >>> round(float(vdot(5000, 20 * 60)), 1)
    49.8
    """
    d = np.asarray(distance_m, dtype=float)
    minutes = np.asarray(time_s, dtype=float) / 60.0
    with np.errstate(divide="ignore", invalid="ignore"):
        v = d / minutes
        vo2 = -4.60 + 0.182258 * v + 0.000104 * v**2
        fraction = (
            0.8 + 0.1894393 * np.exp(-0.012778 * minutes) + 0.2989558 * np.exp(-0.1932605 * minutes)
        )
        out = vo2 / fraction
    return np.where((d > 0) & (minutes > 0), out, np.nan)


def vdot_time(vdot_value: ArrayLike, distance_m: ArrayLike) -> np.ndarray:
    """The time [s] over ``distance_m`` [m] that Daniels' formula gives for a VDOT.

    Found by bisection (the VDOT of a distance falls as its time grows).

    Examples
    --------
    >>> round(float(vdot_time(49.8, 5000)) / 60, 1)
    20.0
    """
    target = np.asarray(vdot_value, dtype=float)
    d = np.asarray(distance_m, dtype=float)
    target, d = np.broadcast_arrays(target, d)
    lo = np.full(target.shape, 30.0)
    hi = np.full(target.shape, 7 * 86_400.0)
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        too_fast = vdot(d, mid) > target
        lo = np.where(too_fast, mid, lo)
        hi = np.where(too_fast, hi, mid)
    out = 0.5 * (lo + hi)
    return np.where(np.isfinite(target) & (target > 0) & (d > 0), out, np.nan)


def riegel_time(
    time_s: ArrayLike, distance_m: ArrayLike, target_m: ArrayLike, exponent: float = RIEGEL_EXPONENT
) -> np.ndarray:
    """Riegel's estimate of the time [s] over ``target_m`` [m] from ``time_s`` over ``distance_m``.

    Examples
    --------
    >>> round(float(riegel_time(20 * 60, 5000, 10_000)) / 60, 1)
    41.7
    """
    t = np.asarray(time_s, dtype=float)
    d = np.asarray(distance_m, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = t * (np.asarray(target_m, dtype=float) / d) ** exponent
    return np.where(d > 0, out, np.nan)


def race_estimates(
    sessions: pd.DataFrame,
    samples: pd.DataFrame,
    *,
    targets_m: Sequence[float] = RACE_DISTANCES_M,
    min_effort_m: float = MIN_EFFORT_M,
    start: DateLike = None,
    end: DateLike = None,
) -> pd.DataFrame:
    """Estimated race times from the best effort of the span, by VDOT and by Riegel.

    The effort estimated from is the best effort (of :data:`STANDARD_DISTANCES_M`, at least
    ``min_effort_m`` long) with the highest VDOT among the runs in ``[start, end]``.

    Parameters
    ----------
    sessions, samples
        The sessions and samples tables of a log.
    targets_m
        The race distances to estimate [m].
    min_effort_m
        Shortest effort to estimate from [m]; short efforts overstate endurance.
    start, end
        The runs to read: those whose ``local_date`` lies in ``[start, end]``.

    Returns
    -------
    pandas.DataFrame
        One row per target and method (``vdot``, ``riegel``): ``target_m`` [m], ``method``,
        ``time_s`` [s] (missing when no effort qualifies), ``avg_speed_mps`` [m/s],
        ``vdot`` [ml/kg/min], ``from_session_id``, ``from_distance_m`` [m],
        ``from_time_s`` [s], ``label`` (always ``"estimate"``) and ``note`` (what is
        missing, when it is).
    """
    span = in_range(sessions, start, end)
    runs = span.loc[span["sport"] == "run", "session_id"]
    own = samples.loc[samples["session_id"].isin(runs)]
    efforts = best_efforts(own, distances_m=[d for d in STANDARD_DISTANCES_M if d >= min_effort_m])
    efforts["vdot"] = vdot(efforts["distance_m"], efforts["time_s"])
    targets = np.asarray(list(targets_m), dtype=float)
    n = len(targets)
    if efforts.empty:
        src = None
        if runs.empty:
            note = "no runs in the span"
        elif own.empty:
            note = "no run in the span has samples"
        else:
            note = f"no run in the span covers {min_effort_m:g} m with distance recorded"
    else:
        src = efforts.iloc[int(np.nanargmax(efforts["vdot"].to_numpy()))]
        note = ""
    rows = []
    for method in METHODS:
        if src is None:
            times = np.full(n, np.nan)
        elif method == "vdot":
            times = vdot_time(np.full(n, src["vdot"]), targets)
        else:
            times = riegel_time(src["time_s"], src["distance_m"], targets)
        rows.append(
            pd.DataFrame(
                {
                    "target_m": targets,
                    "method": method,
                    "time_s": times,
                    "avg_speed_mps": targets / times,
                    "vdot": np.nan if src is None else float(src["vdot"]),
                    "from_session_id": None if src is None else src["session_id"],
                    "from_distance_m": np.nan if src is None else float(src["distance_m"]),
                    "from_time_s": np.nan if src is None else float(src["time_s"]),
                    "label": "estimate",
                    "note": note,
                }
            )
        )
    out = pd.concat(rows, ignore_index=True)
    for col in ("method", "from_session_id", "label", "note"):
        out[col] = out[col].astype("str")
    return out
