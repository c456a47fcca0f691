"""How the speed sessions grow: repeats, fast time and pace, per session and over weeks.

The advice: intervals of a few minutes easy and 30 s to a minute near sprint, "gradually
increasing the time spent running faster over time". :func:`session_progression` sums up
each interval session, :func:`weekly_progression` and :func:`pace_by_length` follow them
over weeks (pace compared only between repeats of like length), and :func:`next_step`
suggests the next small step.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd

from stridekit.analysis.trend import Trend, weekly_trend
from stridekit.analysis.weekly import DateLike, all_weeks, in_range, week_start

LENGTH_CLASSES: Final = (
    (15.0, 45.0, "15-45 s"),
    (45.0, 75.0, "45-75 s"),
    (75.0, 120.0, "75-120 s"),
    (120.0, 300.0, "2-5 min"),
    (300.0, 720.0, "5-12 min"),
)
"""Repeat lengths [s] whose paces are compared with each other: ``(from, to, label)``."""

HELD: Final = 0.94
"""A session held its pace when its slowest repeat was at least this share of its first
repeats' speed, and no slower than this share of the sessions before [-]."""

STEP_S: Final = (10, 15)
"""How much to lengthen the fast part [s], in the advice's spirit."""

SESSION_COLUMNS: Final = (
    "session_id",
    "local_date",
    "week",
    "repeats",
    "fast_s",
    "mean_repeat_s",
    "repeat_speed_mps",
    "first_speed_mps",
    "slowest_speed_mps",
    "held_share",
    "recovery_s",
    "work_rest_ratio",
    "hr_drop_bpm",
    "length_class",
)


def length_class(duration_s: pd.Series) -> pd.Series:
    """The :data:`LENGTH_CLASSES` label of each repeat length [s] (missing outside them)."""
    edges = [c[0] for c in LENGTH_CLASSES] + [LENGTH_CLASSES[-1][1]]
    labels = [c[2] for c in LENGTH_CLASSES]
    cut = pd.cut(duration_s, bins=edges, labels=labels, right=False)
    return cut.astype("str").where(cut.notna())


def session_progression(repeats: pd.DataFrame, sessions: pd.DataFrame) -> pd.DataFrame:
    """One row per session with repeats: how much fast running, how fast, how much rest.

    Parameters
    ----------
    repeats
        A repeats table (:func:`stridekit.analysis.intervals.analyse_runs`).
    sessions
        The sessions table (for the dates).

    Returns
    -------
    pandas.DataFrame
        ``session_id``, ``local_date``, ``week`` (its Monday), ``repeats``, ``fast_s`` (time
        in repeats) [s], ``mean_repeat_s`` [s], ``repeat_speed_mps`` (repeats' distance over
        their time) [m/s], ``first_speed_mps`` (mean of the first two repeats) [m/s],
        ``slowest_speed_mps`` [m/s], ``held_share`` (slowest over first) [-],
        ``recovery_s`` (mean recovery between repeats) [s], ``work_rest_ratio`` (time in
        repeats over time in the recoveries between them; missing with no recoveries) [-],
        ``hr_drop_bpm`` (mean heart-rate drop in the recoveries; missing without heart
        rate) [beats/min] and ``length_class`` (of the mean repeat); in date order.
    """
    rep = repeats.loc[repeats["duration_s"] > 0].sort_values(["session_id", "start_s"])
    if rep.empty:
        return _empty_sessions()
    speed = rep["avg_speed_mps"].where(np.isfinite(rep["avg_speed_mps"]))
    rep = rep.assign(
        speed=speed,
        early=speed.where(rep.groupby("session_id").cumcount() < 2),
    )
    g = rep.groupby("session_id", sort=False)
    out = pd.DataFrame(
        {
            "repeats": g.size(),
            "fast_s": g["duration_s"].sum(),
            "distance_m": g["distance_m"].sum(min_count=1),
            "mean_repeat_s": g["duration_s"].mean(),
            "first_speed_mps": g["early"].mean(),
            "slowest_speed_mps": g["speed"].min(),
            "recovery_s": g["recovery_s"].mean(),
            "rest_s": g["recovery_s"].sum(min_count=1),
            "hr_drop_bpm": g["hr_drop_bpm"].mean(),
        }
    )
    out["repeat_speed_mps"] = out["distance_m"] / out["fast_s"]
    out["held_share"] = out["slowest_speed_mps"] / out["first_speed_mps"]
    out["work_rest_ratio"] = out["fast_s"] / out["rest_s"].where(out["rest_s"] > 0)
    out["length_class"] = length_class(out["mean_repeat_s"])
    dates = sessions.set_index("session_id")["local_date"]
    out = out.reset_index()
    out["session_id"] = out["session_id"].astype("str")
    out["local_date"] = out["session_id"].map(dates)
    out = out.loc[out["local_date"].notna()]
    out["week"] = week_start(out["local_date"])
    return out.sort_values("local_date", kind="stable").reset_index(drop=True)[
        list(SESSION_COLUMNS)
    ]


def _empty_sessions() -> pd.DataFrame:
    cols: dict[str, pd.Series] = {}
    for name in SESSION_COLUMNS:
        if name in ("session_id", "length_class"):
            cols[name] = pd.Series(dtype="str")
        elif name in ("local_date", "week"):
            cols[name] = pd.Series(dtype="datetime64[ns]")
        elif name == "repeats":
            cols[name] = pd.Series(dtype="int64")
        else:
            cols[name] = pd.Series(dtype="float64")
    return pd.DataFrame(cols)


def weekly_progression(
    per_session: pd.DataFrame, *, start: DateLike = None, end: DateLike = None
) -> pd.DataFrame:
    """Per week: interval sessions, fast time per session and the repeats' speed.

    Parameters
    ----------
    per_session
        :func:`session_progression` output.
    start, end
        The weeks to cover; default the first and last session's weeks.

    Returns
    -------
    pandas.DataFrame
        Every week in the range: ``week``, ``sessions``, ``repeats``, ``fast_s`` [s],
        ``fast_s_per_session`` [s], ``mean_repeat_s`` [s] and ``repeat_speed_mps`` (time-
        weighted) [m/s]; the last three missing in weeks without interval sessions.
    """
    df = in_range(per_session, start, end)
    columns = [
        "week",
        "sessions",
        "repeats",
        "fast_s",
        "fast_s_per_session",
        "mean_repeat_s",
        "repeat_speed_mps",
    ]
    if df.empty and (start is None or end is None):
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in columns})
    first = pd.Timestamp(start) if start is not None else df["local_date"].min()
    last = pd.Timestamp(end) if end is not None else df["local_date"].max()
    weeks = all_weeks(first, last)
    df = df.assign(distance_m=df["repeat_speed_mps"] * df["fast_s"])
    g = df.groupby("week")
    table = pd.DataFrame(
        {
            "sessions": g.size(),
            "repeats": g["repeats"].sum(),
            "fast_s": g["fast_s"].sum(),
            "distance_m": g["distance_m"].sum(min_count=1),
        }
    ).reindex(weeks)
    table["sessions"] = table["sessions"].fillna(0).astype("int64")
    table["repeats"] = table["repeats"].fillna(0).astype("int64")
    table["fast_s"] = table["fast_s"].fillna(0.0)
    busy = table["sessions"] > 0
    table["fast_s_per_session"] = (table["fast_s"] / table["sessions"]).where(busy)
    table["mean_repeat_s"] = (table["fast_s"] / table["repeats"]).where(busy)
    table["repeat_speed_mps"] = (table["distance_m"] / table["fast_s"]).where(busy)
    return table.reset_index(names="week")[columns]


def pace_by_length(
    repeats: pd.DataFrame, sessions: pd.DataFrame, *, start: DateLike = None, end: DateLike = None
) -> pd.DataFrame:
    """Per week and length class: the repeats' speed, so that like is compared with like.

    Returns
    -------
    pandas.DataFrame
        ``week``, ``length_class``, ``repeats`` and ``avg_speed_mps`` (distance over time of
        that week's repeats of that length) [m/s]; only weeks and classes with repeats.
    """
    columns = ["week", "length_class", "repeats", "avg_speed_mps"]
    empty = pd.DataFrame(
        {
            "week": pd.Series(dtype="datetime64[ns]"),
            "length_class": pd.Series(dtype="str"),
            "repeats": pd.Series(dtype="int64"),
            "avg_speed_mps": pd.Series(dtype="float64"),
        }
    )
    rep = repeats.loc[(repeats["duration_s"] > 0) & repeats["distance_m"].notna()]
    if rep.empty or sessions.empty:  # (mapping onto no dates cannot even be typed)
        return empty
    dates = sessions.set_index("session_id")["local_date"]
    rep = rep.assign(
        local_date=rep["session_id"].map(dates), length_class=length_class(rep["duration_s"])
    )
    rep = in_range(rep.loc[rep["local_date"].notna() & rep["length_class"].notna()], start, end)
    if rep.empty:
        return empty
    rep = rep.assign(week=week_start(rep["local_date"]))
    g = rep.groupby(["week", "length_class"])
    out = pd.DataFrame(
        {
            "repeats": g.size(),
            "avg_speed_mps": g["distance_m"].sum() / g["duration_s"].sum(),
        }
    ).reset_index()
    out["length_class"] = out["length_class"].astype("str")
    return out[columns]


def progression_trends(weekly: pd.DataFrame, by_length: pd.DataFrame) -> dict[str, Trend | None]:
    """Trends over weeks: fast time per session, and speed at each repeat length.

    Returns
    -------
    dict
        ``fast_s_per_session`` [s per week] and one ``speed_mps <class>`` entry per length
        class [m/s per week]; ``None`` where fewer than three weeks had a value.
    """
    out: dict[str, Trend | None] = {
        "fast_s_per_session": weekly_trend(weekly["week"], weekly["fast_s_per_session"])
    }
    for label in by_length["length_class"].unique():
        part = by_length.loc[by_length["length_class"] == label]
        out[f"speed_mps {label}"] = weekly_trend(part["week"], part["avg_speed_mps"])
    return out


@dataclass(frozen=True)
class NextStep:
    """A suggestion for the next speed session.

    Attributes
    ----------
    action
        ``start`` (no interval sessions yet), ``lengthen`` (make each fast repeat longer),
        ``add_repeat`` (one more repeat) or ``hold`` (repeat the last session until its
        pace holds).
    message
        The suggestion in words, with numbers.
    repeats, repeat_s
        The last session's repeats and mean repeat length [s] (0 when none).
    suggested_repeats, suggested_repeat_s
        The suggestion's repeats and repeat length [s].
    """

    action: str
    message: str
    repeats: int
    repeat_s: float
    suggested_repeats: int
    suggested_repeat_s: float


def next_step(per_session: pd.DataFrame, *, last: int = 3) -> NextStep:
    """What to do in the next interval session, in the advice's spirit.

    When the last ``last`` sessions held their pace (their slowest repeat within
    :data:`HELD` of their first ones, and their speed within it of the sessions before),
    add fast time gradually: lengthen each repeat by 10 to 15 s while repeats are a minute
    or shorter, else add one repeat (up to 8, then lengthen again). Otherwise hold.

    Parameters
    ----------
    per_session
        :func:`session_progression` output, in date order.
    last
        How many recent sessions must have held their pace.
    """
    if per_session.empty:
        return NextStep(
            "start",
            "No interval sessions yet: in one run a week, run 3 min easy, then 30 s near "
            "sprint, six times.",
            0,
            0.0,
            6,
            30.0,
        )
    recent = per_session.tail(last)
    now = recent.iloc[-1]
    n = int(now["repeats"])
    length = float(now["mean_repeat_s"])
    held = recent["held_share"].fillna(0) >= HELD
    before = per_session.iloc[: -len(recent)].tail(last)
    like = before.loc[before["length_class"] == now["length_class"], "repeat_speed_mps"]
    kept_speed = like.empty or float(now["repeat_speed_mps"]) >= HELD * float(like.median())
    if bool(held.all()) and kept_speed:
        if length <= 60 or n >= 8:
            lo, hi = (5 * round((length + s) / 5) for s in STEP_S)
            return NextStep(
                "lengthen",
                f"Your last {len(recent)} interval sessions held their pace: lengthen the "
                f"fast part from {length:.0f} s to {lo}-{hi} s and keep {n} repeats.",
                n,
                length,
                n,
                float(lo),
            )
        return NextStep(
            "add_repeat",
            f"Your last {len(recent)} interval sessions held their pace: add one repeat "
            f"({n + 1} x {length:.0f} s).",
            n,
            length,
            n + 1,
            length,
        )
    share = float(now["held_share"]) if np.isfinite(now["held_share"]) else np.nan
    why = (
        f"the last session's slowest repeat was {100 * (1 - share):.0f} % slower than its first"
        if np.isfinite(share) and share < HELD
        else "the pace did not hold over the last sessions"
    )
    return NextStep(
        "hold",
        f"Hold at {n} x {length:.0f} s until the pace holds ({why}).",
        n,
        length,
        n,
        length,
    )
