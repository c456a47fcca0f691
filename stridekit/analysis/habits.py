"""Habits: warm-up and cool-down in runs, and stretching, yoga and pilates, warm or cold.

The advice: warm up before every run (a brisk walk or a slow jog), cool down after it, then
stretch while the muscles are warm; never stretch cold muscles; yoga or pilates help.

Whether a run had a warm-up or a cool-down comes from ``sessions.warmup_s`` and
``cooldown_s`` (filled by the run analysis), or else from laps marked ``warmup`` or
``cooldown`` (``laps.role`` or the recorded ``intensity``). When neither says, the run's
warm-up is "not known", and it is left out of the shares rather than counted as missing.

A mobility session counts as warm when it started within ``warm_within_s`` after the end of
a run, a strength session or a cross-training session, or while one was under way once its
warm-up was over; otherwise it is cold.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import pandas as pd

from stridekit.analysis.load import DateLike, covered_weeks
from stridekit.analysis.weekly import in_range, week_start

WARM_WITHIN_S: Final = 15 * 60.0
"""How long after a workout muscles count as still warm [s]."""

MOBILITY_KINDS: Final = ("stretching", "yoga", "pilates", "other")
"""The kinds of mobility session reported on; anything else counts as ``other``."""

_WARMING_SPORTS: Final = ("run", "strength", "cross")


def _marked_laps(laps: pd.DataFrame, word: str) -> pd.Index:
    """Sessions with a lap whose role or recorded intensity is ``word``."""
    marked = laps["role"].eq(word).fillna(False) | laps["intensity"].str.lower().eq(word).fillna(
        False
    )
    return pd.Index(laps.loc[marked.astype(bool), "session_id"].unique())


def run_habits(sessions: pd.DataFrame, laps: pd.DataFrame) -> pd.DataFrame:
    """Whether each run had a warm-up and a cool-down.

    Parameters
    ----------
    sessions, laps
        The sessions and laps tables of a log.

    Returns
    -------
    pandas.DataFrame
        One row per run: ``session_id``, ``local_date``, ``week``, ``kind``, ``warmup_s``
        and ``cooldown_s`` [s], ``warmed_up`` and ``cooled_down`` (boolean, missing when not
        known) and ``note`` (what is not known, and why).
    """
    runs = sessions.loc[sessions["sport"] == "run"]
    warm_laps = runs["session_id"].isin(_marked_laps(laps, "warmup"))
    cool_laps = runs["session_id"].isin(_marked_laps(laps, "cooldown"))

    def flag(seconds: pd.Series, marked: pd.Series) -> pd.Series:
        out = (seconds > 0).astype("boolean").mask(seconds.isna())
        return out.mask(marked, True)

    warmed = flag(runs["warmup_s"], warm_laps)
    cooled = flag(runs["cooldown_s"], cool_laps)
    note = np.select(
        [warmed.isna() & cooled.isna(), warmed.isna(), cooled.isna()],
        [
            "warm-up and cool-down not known: not analysed and no laps marked",
            "warm-up not known: not analysed and no lap marked",
            "cool-down not known: not analysed and no lap marked",
        ],
        "",
    )
    return pd.DataFrame(
        {
            "session_id": runs["session_id"],
            "local_date": runs["local_date"],
            "week": week_start(runs["local_date"]),
            "kind": runs["kind"].fillna("unknown").astype("str"),
            "warmup_s": runs["warmup_s"],
            "cooldown_s": runs["cooldown_s"],
            "warmed_up": warmed,
            "cooled_down": cooled,
            "note": pd.array(note, dtype="str"),
        }
    ).reset_index(drop=True)


def habit_shares(
    sessions: pd.DataFrame,
    laps: pd.DataFrame,
    *,
    start: DateLike = None,
    end: DateLike = None,
) -> pd.DataFrame:
    """Share of runs with a warm-up and with a cool-down, by run kind and overall.

    Parameters
    ----------
    sessions, laps
        The sessions and laps tables of a log.
    start, end
        Only runs whose ``local_date`` lies in ``[start, end]``.

    Returns
    -------
    pandas.DataFrame
        One row per run kind that occurs, then ``all``: ``kind``, ``runs``, ``known`` (runs
        whose warm-up is known), ``warmed_up``, ``warmup_share`` [0-1], ``cooled_down``,
        ``cooldown_share`` [0-1] and ``note``. A share is over the runs where it is known;
        when none is known it is missing and ``note`` says so.
    """
    per = run_habits(in_range(sessions, start, end), laps)
    kinds = sorted(per["kind"].unique())
    rows = []
    for kind in [*kinds, "all"]:
        sub = per if kind == "all" else per.loc[per["kind"] == kind]
        warm_known = int(sub["warmed_up"].notna().sum())
        cool_known = int(sub["cooled_down"].notna().sum())
        warmed = int(sub["warmed_up"].sum())
        cooled = int(sub["cooled_down"].sum())
        notes = [] if len(sub) else ["no runs"]
        if warm_known < len(sub):
            notes.append(f"warm-up not known for {len(sub) - warm_known} of {len(sub)} runs")
        if cool_known < len(sub):
            notes.append(f"cool-down not known for {len(sub) - cool_known} of {len(sub)} runs")
        rows.append(
            {
                "kind": kind,
                "runs": len(sub),
                "known": warm_known,
                "warmed_up": warmed,
                "warmup_share": warmed / warm_known if warm_known else np.nan,
                "cooled_down": cooled,
                "cooldown_share": cooled / cool_known if cool_known else np.nan,
                "note": "; ".join(notes),
            }
        )
    out = pd.DataFrame(rows)
    out["kind"] = out["kind"].astype("str")
    out["note"] = out["note"].astype("str")
    for col in ("runs", "known", "warmed_up", "cooled_down"):
        out[col] = out[col].astype("int64")
    for col in ("warmup_share", "cooldown_share"):
        out[col] = out[col].astype("float64")
    return out


def _ends(sessions: pd.DataFrame) -> pd.Series:
    """When each session ended [UTC]: start plus elapsed (or timer) time."""
    seconds = sessions["duration_s"].fillna(sessions["moving_s"]).fillna(0.0)
    return sessions["start_utc"] + pd.to_timedelta(seconds, unit="s")


def mobility_sessions(
    sessions: pd.DataFrame,
    *,
    warm_within_s: float = WARM_WITHIN_S,
    start: DateLike = None,
    end: DateLike = None,
) -> pd.DataFrame:
    """Each stretching, yoga or pilates session, and whether the muscles were warm.

    Parameters
    ----------
    sessions
        A sessions table (runs, strength and cross sessions are read as warm-ups).
    warm_within_s
        How long after a workout ended a session still counts as warm [s].
    start, end
        Only mobility sessions whose ``local_date`` lies in ``[start, end]``.

    Returns
    -------
    pandas.DataFrame
        One row per mobility session: ``session_id``, ``local_date``, ``week``, ``kind``
        (one of :data:`MOBILITY_KINDS`), ``duration_s`` [s], ``warm`` (boolean),
        ``after`` (the session it followed while warm, else missing) and ``gap_s`` (time
        from that session's end to this one's start [s]; negative when it started during
        it).

    Raises
    ------
    ValueError
        If ``warm_within_s`` is negative.
    """
    if warm_within_s < 0:
        raise ValueError(f"warm_within_s must be at least 0 seconds; got {warm_within_s}")
    mob = in_range(sessions, start, end)
    mob = mob.loc[mob["sport"] == "mobility"].sort_values("start_utc")
    work = sessions.loc[sessions["sport"].isin(_WARMING_SPORTS)].sort_values("start_utc")
    warm_from = work["start_utc"] + pd.to_timedelta(
        work["warmup_s"].where(work["warmup_s"] > 0, 0.0).fillna(0.0), unit="s"
    )
    ends = _ends(work)
    # the latest workout whose warm part had begun before the mobility session started
    left = mob["start_utc"].to_numpy(dtype="datetime64[ns]")
    begun = warm_from.to_numpy(dtype="datetime64[ns]")
    order = np.argsort(begun, kind="stable")
    pos = np.searchsorted(begun[order], left, side="right") - 1
    found = pos >= 0
    idx = order[np.where(found, pos, 0)] if len(order) else np.zeros(len(left), dtype=int)
    end_ns = ends.to_numpy(dtype="datetime64[ns]")
    gap = (
        (left - end_ns[idx]).astype("timedelta64[ns]").astype("int64") / 1e9
        if len(order)
        else np.full(len(left), np.nan)
    )
    gap = np.where(found, gap, np.nan)
    warm = np.isfinite(gap) & (gap <= warm_within_s)
    names = work["session_id"].to_numpy(dtype=object)[idx] if len(order) else np.array([])
    after: list[str | None] = [n if w else None for n, w in zip(names, warm, strict=False)]
    after += [None] * (len(warm) - len(after))
    kind = mob["kind"].fillna("other").astype("str")
    kind = kind.where(kind.isin(MOBILITY_KINDS), "other")
    return pd.DataFrame(
        {
            "session_id": mob["session_id"].to_numpy(),
            "local_date": mob["local_date"].to_numpy(),
            "week": week_start(mob["local_date"]).to_numpy(),
            "kind": pd.array(kind.to_numpy(), dtype="str"),
            "duration_s": mob["duration_s"].fillna(mob["moving_s"]).to_numpy(dtype=float),
            "warm": warm,
            "after": pd.array(after, dtype="str"),
            "gap_s": np.where(warm, gap, np.nan),
        }
    )


def weekly_mobility(
    sessions: pd.DataFrame,
    *,
    warm_within_s: float = WARM_WITHIN_S,
    start: DateLike = None,
    end: DateLike = None,
) -> pd.DataFrame:
    """Stretching, yoga and pilates per week, warm and cold.

    Parameters
    ----------
    sessions
        A sessions table.
    warm_within_s
        How long after a workout ended a session still counts as warm [s].
    start, end
        The weeks to cover; default the first and last session's week (of any sport, so
        that weeks without mobility work show as zeros).

    Returns
    -------
    pandas.DataFrame
        One row per week and kind (:data:`MOBILITY_KINDS`): ``week``, ``kind``,
        ``sessions``, ``duration_s`` [s], ``warm`` and ``cold`` (sessions).
    """
    weeks = covered_weeks(in_range(sessions, start, end)["local_date"], start, end)
    per = mobility_sessions(sessions, warm_within_s=warm_within_s, start=start, end=end)
    per["cold"] = ~per["warm"]
    grouped = per.groupby(["week", "kind"]).agg(
        sessions=("session_id", "size"),
        duration_s=("duration_s", "sum"),
        warm=("warm", "sum"),
        cold=("cold", "sum"),
    )
    index = pd.MultiIndex.from_product([weeks, list(MOBILITY_KINDS)], names=["week", "kind"])
    out = grouped.reindex(index, fill_value=0).reset_index()
    out["kind"] = out["kind"].astype("str")
    for col in ("sessions", "warm", "cold"):
        out[col] = out[col].astype("int64")
    out["duration_s"] = out["duration_s"].astype("float64")
    return out
