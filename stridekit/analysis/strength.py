"""Strength consistency: sessions a week against a target, exercise coverage, placement, streaks.

The advice: strength work (calf raises, squats, lunges, knee raises, core) on the days between
runs. A strength session is placed on a ``rest_day`` when no run started on its local day, else
on a ``run_day``. Exercises come normalised by the readers (see :mod:`stridekit.exercises`);
sets whose exercise the recording did not name count as ``unknown``, never dropped.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import pandas as pd

from stridekit.analysis.load import DateLike, covered_days, covered_weeks
from stridekit.analysis.weekly import in_range, week_start
from stridekit.exercises import ADVISED, advised_group, normalize_exercise

STRENGTH_TARGET: Final = 2
"""The default target of strength sessions a week."""

PLACEMENTS: Final = ("rest_day", "run_day")
"""Where a strength session falls: on a day without a run, or on a run day."""


def _strength(sessions: pd.DataFrame, start: DateLike, end: DateLike) -> pd.DataFrame:
    df = in_range(sessions, start, end)
    return df.loc[df["sport"] == "strength"]


def _run_days(sessions: pd.DataFrame) -> pd.Index:
    return pd.Index(sessions.loc[sessions["sport"] == "run", "local_date"].dt.normalize())


def exercise_names(sets: pd.DataFrame) -> pd.Series:
    """The sets' exercises on the vocabulary, ``unknown`` where the recording named none.

    Names are normalised again (:func:`stridekit.exercises.normalize_exercise` is idempotent),
    so hand-built tables and logs cached by an older reader read the same.
    """
    names = sets["exercise"].astype("str")
    known = {n: normalize_exercise(n) for n in names.dropna().unique()}
    return names.map(known, na_action="ignore").fillna("unknown").astype("str")


def _placed(sessions: pd.DataFrame, start: DateLike, end: DateLike) -> pd.DataFrame:
    """The strength sessions in the span with their ``week`` and ``placement``."""
    df = _strength(sessions, start, end)
    on_run_day = df["local_date"].dt.normalize().isin(_run_days(sessions))
    return df.assign(
        week=week_start(df["local_date"]),
        placement=pd.array(np.where(on_run_day, "run_day", "rest_day"), dtype="str"),
    )


def strength_sessions(
    sessions: pd.DataFrame,
    sets: pd.DataFrame,
    *,
    start: DateLike = None,
    end: DateLike = None,
) -> pd.DataFrame:
    """One row per strength session: when, where relative to runs, and what it held.

    Parameters
    ----------
    sessions, sets
        The sessions and sets tables of a log.
    start, end
        Only sessions whose ``local_date`` lies in ``[start, end]``.

    Returns
    -------
    pandas.DataFrame
        ``session_id``, ``local_date``, ``week``, ``weekday`` (0 Monday to 6 Sunday),
        ``placement`` (``rest_day`` or ``run_day``), ``sets`` (count), ``advised``
        (how many of the five advised groups it covered), ``duration_s`` [s] and ``rpe``.
    """
    df = _placed(sessions, start, end)
    own = sets.loc[sets["session_id"].isin(df["session_id"])]
    counts = own.groupby("session_id").size()
    groups = exercise_names(own).map(advised_group)
    advised = (
        pd.DataFrame({"session_id": own["session_id"], "group": groups})
        .dropna()
        .groupby("session_id")["group"]
        .nunique()
    )
    out = pd.DataFrame(
        {
            "session_id": df["session_id"],
            "local_date": df["local_date"],
            "week": df["week"],
            "weekday": df["local_date"].dt.day_of_week.astype("int64"),
            "placement": df["placement"],
            "sets": df["session_id"].map(counts).fillna(0).astype("int64"),
            "advised": df["session_id"].map(advised).fillna(0).astype("int64"),
            "duration_s": df["duration_s"],
            "rpe": df["rpe"],
        }
    )
    return out.reset_index(drop=True)


def weekly_strength(
    sessions: pd.DataFrame,
    *,
    target: int = STRENGTH_TARGET,
    start: DateLike = None,
    end: DateLike = None,
) -> pd.DataFrame:
    """Strength sessions per week against ``target``, and where they fell.

    Parameters
    ----------
    sessions
        A sessions table (runs are read to tell run days from rest days).
    target
        Strength sessions a week the runner aims for [sessions/week], at least 1.
    start, end
        The weeks to cover; default the first and last session's week (of any sport, so
        that weeks with no strength at all show as zeros).

    Returns
    -------
    pandas.DataFrame
        One row per week: ``week``, ``sessions``, ``rest_day`` and ``run_day`` (sessions on
        days without and with a run), ``target``, ``target_met`` (boolean) and
        ``shortfall`` (sessions missing to the target, 0 when met).

    Raises
    ------
    ValueError
        If ``target`` is less than 1.
    """
    if target < 1:
        raise ValueError(f"target must be at least 1 strength session a week; got {target}")
    weeks = covered_weeks(in_range(sessions, start, end)["local_date"], start, end)
    per = _placed(sessions, start, end)
    counts = (
        pd.crosstab(per["week"], per["placement"])
        .reindex(index=weeks, columns=list(PLACEMENTS), fill_value=0)
        .astype("int64")
    )
    out = pd.DataFrame(
        {
            "week": weeks,
            "sessions": counts.sum(axis=1).to_numpy(),
            "rest_day": counts["rest_day"].to_numpy(),
            "run_day": counts["run_day"].to_numpy(),
        }
    )
    out["target"] = np.int64(target)
    out["target_met"] = out["sessions"] >= target
    out["shortfall"] = (target - out["sessions"]).clip(lower=0).astype("int64")
    return out


def exercise_coverage(
    sessions: pd.DataFrame,
    sets: pd.DataFrame,
    *,
    start: DateLike = None,
    end: DateLike = None,
) -> pd.DataFrame:
    """Per week and advised group: did the runner do it, in how many sets and sessions.

    The groups are :data:`stridekit.exercises.ADVISED`: ``calf_raise``, ``squat``,
    ``lunge``, ``knee_raise`` and ``core`` (crunches, planks and other core work).

    Returns
    -------
    pandas.DataFrame
        One row per week and group: ``week``, ``exercise``, ``sets``, ``sessions`` and
        ``covered`` (boolean: at least one set that week). Weeks with no strength appear
        with zeros.
    """
    weeks = covered_weeks(in_range(sessions, start, end)["local_date"], start, end)
    df = _strength(sessions, start, end)
    own = sets.loc[sets["session_id"].isin(df["session_id"])]
    week_of = pd.Series(week_start(df["local_date"]).to_numpy(), index=df["session_id"])
    tidy = pd.DataFrame(
        {
            "week": pd.Series(
                week_of.reindex(own["session_id"]).to_numpy(dtype="datetime64[ns]"),
                index=own.index,
            ),
            "exercise": exercise_names(own).map(advised_group),
            "session_id": own["session_id"],
        }
    ).dropna()
    grouped = tidy.groupby(["week", "exercise"]).agg(
        sets=("session_id", "size"), sessions=("session_id", "nunique")
    )
    index = pd.MultiIndex.from_product([weeks, list(ADVISED)], names=["week", "exercise"])
    out = grouped.reindex(index, fill_value=0).astype("int64").reset_index()
    out["exercise"] = out["exercise"].astype("str")
    out["covered"] = out["sets"] > 0
    return out


def exercise_counts(sets: pd.DataFrame) -> pd.DataFrame:
    """How often each exercise was done, unknown names kept.

    Returns
    -------
    pandas.DataFrame
        One row per exercise, most sets first: ``exercise`` (the normalised name, or
        ``unknown`` when the recording did not name it), ``group`` (the advised group, or
        ``other``), ``sets``, ``sessions`` and ``categories`` (the words as recorded,
        joined by ``; ``).
    """
    exercise = exercise_names(sets)
    tidy = pd.DataFrame(
        {
            "exercise": exercise,
            "session_id": sets["session_id"],
            "category": sets["category"].fillna("").astype("str"),
        }
    )
    out = tidy.groupby("exercise").agg(
        sets=("session_id", "size"),
        sessions=("session_id", "nunique"),
        categories=("category", lambda c: "; ".join(sorted({w for w in c if w}))),
    )
    out = out.reset_index().sort_values(["sets", "exercise"], ascending=[False, True])
    group = out["exercise"].map(advised_group).fillna("other")
    out.insert(1, "group", group.astype("str"))
    out["exercise"] = out["exercise"].astype("str")
    out["categories"] = out["categories"].astype("str")
    out["sets"] = out["sets"].astype("int64")
    out["sessions"] = out["sessions"].astype("int64")
    return out.reset_index(drop=True)


def strength_streaks(
    sessions: pd.DataFrame,
    *,
    target: int = STRENGTH_TARGET,
    start: DateLike = None,
    end: DateLike = None,
) -> pd.DataFrame:
    """Runs of consecutive weeks that met the strength target.

    Returns
    -------
    pandas.DataFrame
        One row per streak, in time order: ``first_week``, ``last_week``, ``weeks``
        (length [weeks]), ``longest`` (boolean: the longest streak, the latest of equals)
        and ``current`` (boolean: it runs up to the last week of the span). Empty when
        no week met the target.
    """
    weekly = weekly_strength(sessions, target=target, start=start, end=end)
    met = weekly["target_met"].to_numpy(dtype=bool)
    ids = np.cumsum(~met)
    runs = pd.DataFrame({"week": weekly["week"], "id": ids})[met]
    out = runs.groupby("id").agg(
        first_week=("week", "min"), last_week=("week", "max"), weeks=("week", "size")
    )
    out = out.reset_index(drop=True)
    out["weeks"] = out["weeks"].astype("int64")
    best = out["weeks"].max() if len(out) else 0
    longest = np.zeros(len(out), dtype=bool)
    if len(out):
        longest[np.flatnonzero(out["weeks"].to_numpy() == best)[-1]] = True
    out["longest"] = longest
    out["current"] = (out["last_week"] == weekly["week"].iloc[-1]) if len(weekly) else False
    out["current"] = out["current"].astype("bool")
    return out


def strength_calendar(
    sessions: pd.DataFrame,
    sets: pd.DataFrame,
    *,
    start: DateLike = None,
    end: DateLike = None,
) -> pd.DataFrame:
    """Every day of the span, for a calendar heatmap of strength work.

    Parameters
    ----------
    sessions, sets
        The sessions and sets tables of a log.
    start, end
        The days to cover; default the weeks of the first and last session, whole weeks.

    Returns
    -------
    pandas.DataFrame
        One row per day: ``date``, ``week``, ``weekday`` (0 Monday), ``sessions`` (strength
        sessions), ``sets``, ``duration_s`` [s] and ``run`` (boolean: a run that day).
    """
    span = in_range(sessions, start, end)
    weeks = covered_weeks(span["local_date"], start, end)
    if start is None and end is None and len(weeks):
        days = covered_days(span["local_date"], weeks[0], weeks[-1] + pd.Timedelta(days=6))
    else:
        days = covered_days(span["local_date"], start, end)
    per = strength_sessions(sessions, sets, start=start, end=end)
    per["date"] = per["local_date"].dt.normalize().astype("datetime64[ns]")
    grouped = (
        per.groupby("date")
        .agg(
            sessions=("session_id", "size"), sets=("sets", "sum"), duration_s=("duration_s", "sum")
        )
        .reindex(days, fill_value=0)
    )
    dates = pd.Series(days, name="date")
    out = pd.DataFrame(
        {
            "date": dates,
            "week": week_start(dates),
            "weekday": dates.dt.day_of_week.astype("int64"),
            "sessions": grouped["sessions"].to_numpy().astype("int64"),
            "sets": grouped["sets"].to_numpy().astype("int64"),
            "duration_s": grouped["duration_s"].to_numpy().astype("float64"),
            "run": dates.isin(_run_days(sessions)).to_numpy(),
        }
    )
    return out
