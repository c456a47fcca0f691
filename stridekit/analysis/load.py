"""Training load: weekly volume and its ramp, acute to chronic load, monotony and strain.

Every function takes a sessions table and returns a tidy table with every day or week of the
span present, zeros where nothing was done, so that a sick week shows as a zero and not as a
missing row. Ratios whose denominator is zero, or whose history is too short, are missing and
say why in ``note``; they are never guessed.

Sources: the 10 % rule (weekly running volume should not rise more than about 10 % a week);
Foster et al. (2001), session RPE (RPE times minutes, in arbitrary units) and Foster (1998),
monotony (mean over standard deviation of the daily load of a week, rest days counted as
zero) and strain (weekly load times monotony); Gabbett (2016) and Hulin et al. (2016), the
acute:chronic workload ratio (7-day over 28-day load); Williams et al. (2017), its
exponentially weighted variant.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Final

import numpy as np
import pandas as pd

from stridekit.analysis.weekly import all_weeks, in_range, week_start

DateLike = pd.Timestamp | dt.date | str | None

MEASURES: Final = ("distance_m", "duration_s", "srpe_au")
"""What a load can be measured in: distance [m], elapsed time [s] or session RPE [AU]."""

METHODS: Final = ("rolling", "ewma")
"""How acute and chronic load are averaged."""

MAX_RAMP_PCT: Final = 10.0
"""The 10 % rule: the largest advised week-over-week rise of running volume [%]."""

_WEEKLY_COLUMNS: Final = ("week", "sessions", "distance_m", "duration_s", "srpe_au", "load",
                          "ramp_pct", "ramp_exceeded", "monotony", "strain", "note")  # fmt: skip

ACUTE_DAYS: Final = 7
CHRONIC_DAYS: Final = 28


def covered_days(
    dates: pd.Series, start: DateLike = None, end: DateLike = None
) -> pd.DatetimeIndex:
    """Every day from ``start`` (default the first of ``dates``) to ``end`` (default the last).

    Returns an empty index when ``dates`` is empty and a bound is missing.
    """
    first = pd.Timestamp(start) if start is not None else dates.min() if len(dates) else None
    last = pd.Timestamp(end) if end is not None else dates.max() if len(dates) else None
    if first is None or last is None or pd.isna(first) or pd.isna(last):
        return pd.DatetimeIndex([], dtype="datetime64[ns]", name="date")
    days = pd.date_range(pd.Timestamp(first).normalize(), pd.Timestamp(last).normalize(), freq="D")
    return pd.DatetimeIndex(days.astype("datetime64[ns]"), name="date")


def covered_weeks(
    dates: pd.Series, start: DateLike = None, end: DateLike = None
) -> pd.DatetimeIndex:
    """Every Monday from the week of ``start`` (default the first of ``dates``) to ``end``."""
    days = covered_days(dates, start, end)
    if days.empty:
        return pd.DatetimeIndex([], dtype="datetime64[ns]", name="week")
    return pd.DatetimeIndex(all_weeks(days[0], days[-1]).astype("datetime64[ns]"), name="week")


def check_choice(name: str, value: object, choices: Sequence[object]) -> None:
    """Raise ``ValueError`` naming the argument and its valid choices when ``value`` is not one."""
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}; got {value!r}")


def _pick_sports(sessions: pd.DataFrame, sports: Sequence[str] | None) -> pd.DataFrame:
    if sports is None:
        return sessions
    if isinstance(sports, str):
        sports = (sports,)
    for sport in sports:
        check_choice("sports", sport, ("run", "strength", "mobility", "cross"))
    return sessions.loc[sessions["sport"].isin(list(sports))]


def session_rpe(
    sessions: pd.DataFrame,
    *,
    sports: Sequence[str] | None = ("strength", "mobility"),
    start: DateLike = None,
    end: DateLike = None,
) -> pd.DataFrame:
    """Foster's session RPE of each session: RPE times duration in minutes.

    Parameters
    ----------
    sessions
        A sessions table.
    sports
        The sports to include (default strength and mobility, the sessions a watch does not
        measure); ``None`` for all.
    start, end
        Only sessions whose ``local_date`` lies in ``[start, end]``.

    Returns
    -------
    pandas.DataFrame
        One row per session: ``session_id``, ``local_date``, ``week``, ``sport``, ``kind``,
        ``rpe`` [1-10], ``duration_s`` [s], ``srpe_au`` [AU] and ``note`` (why ``srpe_au`` is
        missing: no RPE or no duration recorded; empty otherwise).
    """
    df = _pick_sports(in_range(sessions, start, end), sports)
    duration = df["duration_s"].fillna(df["moving_s"])
    out = pd.DataFrame(
        {
            "session_id": df["session_id"],
            "local_date": df["local_date"],
            "week": week_start(df["local_date"]),
            "sport": df["sport"],
            "kind": df["kind"],
            "rpe": df["rpe"],
            "duration_s": duration,
            "srpe_au": df["rpe"] * duration / 60.0,
        }
    ).reset_index(drop=True)
    note = np.where(
        out["rpe"].isna(),
        "not known: no RPE recorded",
        np.where(out["duration_s"].isna(), "not known: no duration recorded", ""),
    )
    out["note"] = pd.array(note, dtype="str")
    return out


def daily_load(
    sessions: pd.DataFrame,
    *,
    sports: Sequence[str] | None = ("run",),
    start: DateLike = None,
    end: DateLike = None,
) -> pd.DataFrame:
    """Load of every day of the span, rest days as zeros.

    Parameters
    ----------
    sessions
        A sessions table.
    sports
        The sports whose sessions count (default runs); ``None`` for all.
    start, end
        The days to cover; default the first and last session's day.

    Returns
    -------
    pandas.DataFrame
        One row per day: ``date``, ``week``, ``sessions``, ``distance_m`` [m],
        ``duration_s`` [s], ``srpe_au`` [AU] (sum over sessions with an RPE) and ``rated``
        (how many sessions had an RPE).
    """
    df = _pick_sports(in_range(sessions, start, end), sports)
    days = covered_days(df["local_date"], start, end)
    srpe = (df["rpe"] * df["duration_s"].fillna(df["moving_s"]) / 60.0).fillna(0.0)
    grouped = (
        pd.DataFrame(
            {
                "date": df["local_date"].dt.normalize().astype("datetime64[ns]"),
                "sessions": 1,
                "distance_m": df["distance_m"].fillna(0.0),
                "duration_s": df["duration_s"].fillna(df["moving_s"]).fillna(0.0),
                "srpe_au": srpe,
                "rated": df["rpe"].notna().astype("int64"),
            }
        )
        .groupby("date")
        .sum()
        .reindex(days, fill_value=0)
    )
    grouped.index.name = "date"
    out = grouped.reset_index()
    out.insert(1, "week", week_start(out["date"]))
    for col in ("sessions", "rated"):
        out[col] = out[col].astype("int64")
    for col in ("distance_m", "duration_s", "srpe_au"):
        out[col] = out[col].astype("float64")
    return out


def weekly_load(
    sessions: pd.DataFrame,
    *,
    measure: str = "distance_m",
    sports: Sequence[str] | None = ("run",),
    max_ramp_pct: float = MAX_RAMP_PCT,
    start: DateLike = None,
    end: DateLike = None,
) -> pd.DataFrame:
    """Weekly volume, its week-over-week ramp against the 10 % rule, monotony and strain.

    Parameters
    ----------
    sessions
        A sessions table.
    measure
        The load the ramp, monotony and strain are computed on: ``"distance_m"`` (default),
        ``"duration_s"`` or ``"srpe_au"``.
    sports
        The sports whose sessions count (default runs); ``None`` for all.
    max_ramp_pct
        The largest week-over-week rise of ``measure`` that keeps to the rule [%].
    start, end
        The weeks to cover; default the first and last session's week. Days of the first
        and last week outside ``[start, end]`` count as rest days.

    Returns
    -------
    pandas.DataFrame
        One row per week (Monday), weeks without sessions as zeros: ``week``, ``sessions``,
        ``distance_m`` [m], ``duration_s`` [s], ``srpe_au`` [AU], ``load`` (the chosen
        measure), ``ramp_pct`` (rise over the week before [%]), ``ramp_exceeded`` (boolean;
        missing when the week before had no load), ``monotony`` (mean over standard
        deviation of the 7 daily loads, rest days as zeros [-]; missing when every day had
        the same load), ``strain`` (load times monotony) and ``note``.

    Raises
    ------
    ValueError
        If ``measure`` or a sport is not one of the valid choices.
    """
    check_choice("measure", measure, MEASURES)
    days = daily_load(sessions, sports=sports, start=start, end=end)
    if days.empty:
        return pd.DataFrame(columns=list(_WEEKLY_COLUMNS))
    # whole weeks: pad the first and last week with zero days
    weeks = covered_weeks(days["date"])
    full = pd.date_range(weeks[0], weeks[-1] + pd.Timedelta(days=6), freq="D")
    daily = (
        days.drop(columns="week")
        .set_index("date")
        .reindex(full.astype("datetime64[ns]"), fill_value=0)
    )
    daily["week"] = week_start(pd.Series(daily.index, index=daily.index))
    grouped = daily.groupby("week")
    table = grouped[["sessions", "distance_m", "duration_s", "srpe_au"]].sum()
    table["load"] = table[measure]
    mean = grouped[measure].mean()
    sd = grouped[measure].std(ddof=0)
    table["monotony"] = (mean / sd.where(sd > 0)).astype("float64")
    table["strain"] = table["load"] * table["monotony"]
    before = table["load"].shift(1)
    table["ramp_pct"] = (100.0 * (table["load"] / before.where(before > 0) - 1.0)).astype("float64")
    table["ramp_exceeded"] = (table["ramp_pct"] > max_ramp_pct).astype("boolean")
    table.loc[table["ramp_pct"].isna(), "ramp_exceeded"] = pd.NA
    unrated = grouped["sessions"].sum() - grouped["rated"].sum()
    notes = []
    for i, (load, prev, sd_w, missing) in enumerate(
        zip(table["load"], before, sd, unrated, strict=True)
    ):
        parts = []
        if i == 0:
            parts.append("ramp not known: no week before")
        elif not prev > 0:
            parts.append("ramp not known: no load the week before")
        if not sd_w > 0:
            parts.append(
                "monotony not known: "
                + ("the same load every day" if load > 0 else "no load this week")
            )
        if measure == "srpe_au" and missing:
            parts.append(f"{int(missing)} session(s) without RPE left out")
        notes.append("; ".join(parts))
    table["note"] = pd.array(notes, dtype="str")
    table["sessions"] = table["sessions"].astype("int64")
    out = table.reset_index()
    return out[list(_WEEKLY_COLUMNS)]


def acute_chronic(
    sessions: pd.DataFrame,
    *,
    measure: str = "distance_m",
    method: str = "rolling",
    sports: Sequence[str] | None = ("run",),
    acute_days: int = ACUTE_DAYS,
    chronic_days: int = CHRONIC_DAYS,
    start: DateLike = None,
    end: DateLike = None,
) -> pd.DataFrame:
    """Acute to chronic load ratio of every day, rolling or exponentially weighted.

    Parameters
    ----------
    sessions
        A sessions table.
    measure
        ``"distance_m"`` (default), ``"duration_s"`` or ``"srpe_au"``.
    method
        ``"rolling"``: the mean daily load of the last ``acute_days`` over that of the last
        ``chronic_days`` (Gabbett 2016, Hulin et al. 2016; coupled, rest days as zeros).
        ``"ewma"``: exponentially weighted means with decay ``2 / (days + 1)``
        (Williams et al. 2017), started at zero on the first day of the span.
    sports
        The sports whose sessions count (default runs); ``None`` for all.
    acute_days, chronic_days
        Window lengths [days].
    start, end
        The days to cover; default the first and last session's day. History before
        ``start`` is not read: pass a wider span and cut the result to keep it.

    Returns
    -------
    pandas.DataFrame
        One row per day: ``date``, ``week``, ``load``, ``acute`` and ``chronic`` (mean daily
        load, in the measure's unit per day), ``ratio`` [-], ``enough_history`` (boolean:
        at least ``chronic_days`` days of span before and including the day) and ``note``.
        ``ratio`` is missing, never guessed, when history is too short or chronic load is
        zero.

    Raises
    ------
    ValueError
        If ``measure`` or ``method`` is not a valid choice, or the windows are not
        ``1 <= acute_days < chronic_days``.
    """
    check_choice("measure", measure, MEASURES)
    check_choice("method", method, METHODS)
    if not 1 <= acute_days < chronic_days:
        raise ValueError(
            f"acute_days and chronic_days must satisfy 1 <= acute_days < chronic_days; got "
            f"{acute_days} and {chronic_days}"
        )
    days = daily_load(sessions, sports=sports, start=start, end=end)
    load = days[measure].astype("float64")
    if method == "rolling":
        acute = load.rolling(acute_days, min_periods=1).mean()
        chronic = load.rolling(chronic_days, min_periods=1).mean()
    else:
        # seeded with zero before the first day: adjust=False gives the recursive form
        padded = pd.concat([pd.Series([0.0]), load], ignore_index=True)
        acute = padded.ewm(alpha=2 / (acute_days + 1), adjust=False).mean().iloc[1:]
        chronic = padded.ewm(alpha=2 / (chronic_days + 1), adjust=False).mean().iloc[1:]
        acute.index = load.index
        chronic.index = load.index
    enough = pd.Series(np.arange(len(days)) + 1 >= chronic_days, index=days.index)
    ratio = (acute / chronic.where(chronic > 0)).where(enough)
    note = np.where(
        ~enough,
        f"not known: fewer than {chronic_days} days of history",
        np.where(chronic > 0, "", "not known: no chronic load"),
    )
    return pd.DataFrame(
        {
            "date": days["date"],
            "week": days["week"],
            "load": load,
            "acute": acute.astype("float64"),
            "chronic": chronic.astype("float64"),
            "ratio": ratio.astype("float64"),
            "enough_history": enough.astype("bool"),
            "note": pd.array(note, dtype="str"),
        }
    )
