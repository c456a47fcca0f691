"""Weekly tables: runs of each focus against the one-or-two advice, and volume by kind.

Weeks start on Monday (ISO weeks) and are labelled by that Monday's date. Every week between
the first and the last one asked for is present, with zeros for weeks with no sessions, so
that a gap in training shows as a gap and not as a missing row.
"""

from __future__ import annotations

import datetime as dt
from typing import Final

import numpy as np
import pandas as pd

from stridekit.analysis.trend import Trend, weekly_trend

DateLike = pd.Timestamp | dt.date | str | None

SPEED_RUNS_ADVICE: Final = (1, 2)
"""The advice: one or two runs a week focused on speed, the others on distance."""


def week_start(dates: pd.Series) -> pd.Series:
    """The Monday of each date's ISO week (midnight, tz-naive)."""
    days = pd.to_datetime(dates).dt.normalize()
    return (days - pd.to_timedelta(days.dt.day_of_week, unit="D")).astype("datetime64[ns]")


def in_range(sessions: pd.DataFrame, start: DateLike = None, end: DateLike = None) -> pd.DataFrame:
    """The sessions whose ``local_date`` lies in ``[start, end]``; ``None`` leaves an end open."""
    keep = pd.Series(True, index=sessions.index)
    if start is not None:
        keep &= sessions["local_date"] >= pd.Timestamp(start)
    if end is not None:
        keep &= sessions["local_date"] <= pd.Timestamp(end)
    return sessions.loc[keep]


def all_weeks(first: pd.Timestamp, last: pd.Timestamp) -> pd.DatetimeIndex:
    """Every Monday from the week of ``first`` to the week of ``last`` (dates as on the
    wall clock: a time zone is dropped, not converted)."""
    days = np.array([_wall(first), _wall(last)], dtype="datetime64[D]")
    weekday = (days.view("int64") + 3) % 7  # Monday 0: 1970-01-01 was a Thursday
    mondays = (days - weekday).astype("datetime64[ns]")
    return pd.date_range(mondays[0], mondays[1], freq="7D", name="week")


def _wall(day: pd.Timestamp | dt.date | str) -> np.datetime64:
    stamp = pd.Timestamp(day)
    return (stamp.tz_localize(None) if stamp.tzinfo is not None else stamp).to_datetime64()


def weekly_focus(
    sessions: pd.DataFrame,
    *,
    start: DateLike = None,
    end: DateLike = None,
    repeats: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Per week and focus: how many runs, how far, how fast, the longest.

    Parameters
    ----------
    sessions
        A sessions table with runs classified (``focus`` set).
    start, end
        The weeks to cover; default the first and last run's weeks.
    repeats
        The runs' work repeats (:func:`stridekit.analysis.intervals.analyse_runs`); with
        them, a speed day's speed is that of its repeats, not of the whole run.

    Returns
    -------
    pandas.DataFrame
        One row per week and focus (``speed``, ``distance``) with ``week``, ``focus``,
        ``runs``, ``distance_m``, ``moving_s``, ``avg_speed_mps`` [m/s] (for distance days
        distance over moving time; for speed days the repeats' distance over their time,
        or the whole run's for speed runs without repeats such as tempo runs and races;
        missing in weeks with no runs of that focus), ``run_speed_mps`` (distance over
        moving time for either focus) [m/s], ``fast_s`` (time in repeats) [s],
        ``longest_m`` [m] and ``advice_met`` (for ``speed``: one or two speed runs that
        week).

    See Also
    --------
    focus_runs, weekly_focus_of : the same in two steps, the first once per log, the
        second (a few milliseconds) once per date range.
    """
    return weekly_focus_of(focus_runs(sessions, repeats=repeats), start=start, end=end)


def focus_runs(sessions: pd.DataFrame, *, repeats: pd.DataFrame | None = None) -> pd.DataFrame:
    """The classified runs, with what :func:`weekly_focus` sums of each.

    Parameters
    ----------
    sessions, repeats
        As for :func:`weekly_focus`.

    Returns
    -------
    pandas.DataFrame
        One row per run with a ``focus``, in the sessions' order: ``local_date``, ``focus``,
        ``distance_m`` [m] and ``moving_s`` [s] (the duration where no moving time is
        known), both NaN where unknown; ``work_m`` and ``work_s``, the distance [m] and
        time [s] its speed counts (its repeats' on a speed day that has repeats, else its
        own, 0 where unknown); ``fast_s``, the time in its repeats [s].
    """
    runs = sessions.loc[(sessions["sport"] == "run") & sessions["focus"].notna()]
    distance = runs["distance_m"].to_numpy(dtype=float, na_value=np.nan)
    moving = runs["moving_s"].fillna(runs["duration_s"]).to_numpy(dtype=float, na_value=np.nan)
    # the speed that counts: the repeats' on speed days, the whole run's otherwise
    work_d, work_s = np.nan_to_num(distance), np.nan_to_num(moving)
    fast = np.zeros(len(runs))
    if repeats is not None and len(repeats):
        rep = repeats.loc[repeats["duration_s"] > 0]
        per = rep.groupby("session_id")[["distance_m", "duration_s"]].sum()
        ids = runs["session_id"]
        rep_d = ids.map(per["distance_m"]).to_numpy(dtype=float, na_value=np.nan)
        rep_s = ids.map(per["duration_s"]).to_numpy(dtype=float, na_value=np.nan)
        has = np.isfinite(rep_d) & np.isfinite(rep_s) & (rep_s > 0)
        speed_day = (runs["focus"] == "speed").to_numpy()
        use = has & speed_day
        work_d = np.where(use, rep_d, work_d)
        work_s = np.where(use, rep_s, work_s)
        fast = np.where(has, rep_s, 0.0)
    return pd.DataFrame(
        {
            "local_date": runs["local_date"].to_numpy(dtype="datetime64[ns]"),
            "focus": runs["focus"].to_numpy(dtype=object),
            "distance_m": distance,
            "moving_s": moving,
            "work_m": work_d,
            "work_s": work_s,
            "fast_s": fast,
        }
    )


def weekly_focus_of(
    runs: pd.DataFrame, *, start: DateLike = None, end: DateLike = None
) -> pd.DataFrame:
    """:func:`weekly_focus` from :func:`focus_runs` output: the weeks of one date range.

    Parameters
    ----------
    runs
        :func:`focus_runs` output.
    start, end
        As for :func:`weekly_focus`.

    Returns
    -------
    pandas.DataFrame
        As :func:`weekly_focus`.
    """
    days = runs["local_date"].to_numpy(dtype="datetime64[ns]")
    keep = np.ones(len(runs), dtype=bool)
    if start is not None:
        keep &= days >= pd.Timestamp(start).to_datetime64()
    if end is not None:
        keep &= days <= pd.Timestamp(end).to_datetime64()
    if not keep.any() and (start is None or end is None):
        return pd.DataFrame(columns=_WEEKLY_FOCUS_COLUMNS)
    first = pd.Timestamp(start) if start is not None else pd.Timestamp(days[keep].min())
    last = pd.Timestamp(end) if end is not None else pd.Timestamp(days[keep].max())
    weeks = all_weeks(first, last)
    # one bin per (week, focus): speed in even bins, distance in odd ones
    day = days[keep].astype("datetime64[D]")
    weekday = (day.view("int64") + 3) % 7  # Monday 0: 1970-01-01 was a Thursday
    offset = (day - weekday - weeks[0].to_datetime64().astype("datetime64[D]")).astype("int64")
    offset //= 7
    bins = offset * 2 + (runs["focus"].to_numpy(dtype=object)[keep] == "distance")
    size = 2 * len(weeks)
    # the summed columns read at once, as one float block (a column at a time cost more
    # than the sums: this runs at every date change of the dashboards)
    summed = ["distance_m", "moving_s", "fast_s", "work_m", "work_s"]
    numbers = runs[summed].to_numpy(dtype=float, na_value=np.nan)[keep]
    distance_m = numbers[:, 0]
    sums = {
        name: np.bincount(bins, weights=np.nan_to_num(numbers[:, i]), minlength=size)
        for i, name in enumerate(summed)
    }
    longest = np.full(size, np.nan)
    np.fmax.at(longest, bins, distance_m)
    moving = sums["moving_s"]
    lo, hi = SPEED_RUNS_ADVICE
    count = np.bincount(bins, minlength=size).astype("int64")
    distance_row = np.arange(size) % 2 == 1  # not known for distance days
    return pd.DataFrame(
        {
            "week": weeks.repeat(2),
            "focus": _focus_labels(len(weeks)),
            "runs": count,
            "distance_m": sums["distance_m"],
            "moving_s": moving,
            "avg_speed_mps": _ratio(sums["work_m"], sums["work_s"]),
            "run_speed_mps": _ratio(sums["distance_m"], moving),
            "fast_s": sums["fast_s"],
            "longest_m": longest,
            "advice_met": pd.arrays.BooleanArray(
                (count >= lo) & (count <= hi) & ~distance_row, distance_row
            ),
        }
    )


_WEEKLY_FOCUS_COLUMNS: Final = [
    "week",
    "focus",
    "runs",
    "distance_m",
    "moving_s",
    "avg_speed_mps",
    "run_speed_mps",
    "fast_s",
    "longest_m",
    "advice_met",
]


def _ratio(over: np.ndarray, under: np.ndarray) -> np.ndarray:
    """``over / under`` where ``under`` is positive, NaN elsewhere."""
    return np.divide(over, under, out=np.full(len(over), np.nan), where=under > 0)


def _focus_labels(weeks: int) -> pd.api.extensions.ExtensionArray:
    """``speed``, ``distance`` repeated for ``weeks`` weeks, as a ``str`` array."""
    return pd.array(np.tile(np.array(["speed", "distance"], dtype=object), weeks), dtype="str")


def weekly_volume(
    sessions: pd.DataFrame,
    *,
    start: DateLike = None,
    end: DateLike = None,
) -> pd.DataFrame:
    """Per week and kind of session: sessions, distance and time.

    Returns
    -------
    pandas.DataFrame
        ``week``, ``sport``, ``kind`` (run kinds, and strength, stretching, yoga, ... for
        other sports), ``sessions``, ``distance_m`` [m] and ``duration_s`` [s]; only the
        kinds that occur, every week present for each of them.
    """
    columns = ["week", "sport", "kind", "sessions", "distance_m", "duration_s"]
    df = in_range(sessions, start, end).copy()
    if df.empty:
        return pd.DataFrame(columns=columns)
    df["kind"] = df["kind"].fillna(df["sport"])
    df["week"] = week_start(df["local_date"])
    first = pd.Timestamp(start) if start is not None else df["local_date"].min()
    last = pd.Timestamp(end) if end is not None else df["local_date"].max()
    grouped = df.groupby(["week", "sport", "kind"]).agg(
        sessions=("session_id", "size"),
        distance_m=("distance_m", "sum"),
        duration_s=("duration_s", "sum"),
    )
    kinds = sorted(set(zip(df["sport"], df["kind"], strict=True)))
    index = pd.MultiIndex.from_tuples(
        [(w, s, k) for w in all_weeks(first, last) for s, k in kinds],
        names=["week", "sport", "kind"],
    )
    table = grouped.reindex(index).fillna(0.0)
    table["sessions"] = table["sessions"].astype("int64")
    return table.reset_index()[columns]


def focus_trends(weekly: pd.DataFrame) -> dict[str, Trend | None]:
    """Straight-line trends of :func:`weekly_focus` output, over the weeks that had runs.

    Returns
    -------
    dict
        ``speed_runs`` (speed runs a week, per week), ``speed_day_speed_mps`` (speed on
        speed days [m/s per week]: the repeats' speed), ``distance_day_m`` (distance on
        distance days [m per week]) and ``longest_m`` (longest run [m per week]); ``None``
        where fewer than three weeks had a value.
    """
    speed = weekly.loc[weekly["focus"] == "speed"]
    distance = weekly.loc[weekly["focus"] == "distance"]
    ran = distance["runs"] > 0
    return {
        "speed_runs": weekly_trend(speed["week"], speed["runs"].astype("float64")),
        "speed_day_speed_mps": weekly_trend(speed["week"], speed["avg_speed_mps"]),
        "distance_day_m": weekly_trend(distance.loc[ran, "week"], distance.loc[ran, "distance_m"]),
        "longest_m": weekly_trend(distance["week"], distance["longest_m"]),
    }
