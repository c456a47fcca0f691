"""The same activity from two sources, kept once: the richest source wins.

A runner's log often holds one run twice: the watch's FIT file and the GPX the phone app
exported, or the same run in a Garmin and in a Strava export. Their session keys differ
(each source names its own), so the loader's "same recording twice" check does not see
them. :func:`merge_duplicates` does, from the sessions' times:

- two sessions are the same activity when their sports are the same, they start within
  :data:`START_WINDOW` of each other, and at least :data:`MIN_OVERLAP` of the shorter one's
  span lies inside the other's (a session without a duration is matched by its start alone);
- of a group of the same activity, the richest is kept: most samples, then heart rate, then
  most laps, then most sets, then the format (:data:`FORMAT_RANK`: fit, tcx, gpx, then
  summaries such as a Strava ``activities.csv`` row);
- the kept session takes what it lacks from the others (a Strava title such as ``6x800m``,
  notes, RPE, the kind from a hand-kept log), in order of richness;
- the others' sessions, laps, samples and sets are dropped, and each drop is reported.

Pure: tables in, tables out; nothing is read or written.
"""

from __future__ import annotations

from typing import Any, Final

import numpy as np
import pandas as pd

from stridekit.log import TrainingLog
from stridekit.report import ImportReport, MergeEntry

START_WINDOW: Final = pd.Timedelta(minutes=2)
"""Largest difference between two starts for them to be the same activity."""

MIN_OVERLAP: Final = 0.5
"""Smallest share of the shorter session's span that must overlap the other's [-]."""

FORMAT_RANK: Final[dict[str, int]] = {"fit": 3, "tcx": 2, "gpx": 1}
"""``source_format`` -> its rank when all else is equal; summaries (others) rank 0."""

NOT_FILLED: Final = frozenset(
    {"session_id", "start_utc", "local_date", "sport", "focus", "reason", "source"}
)
"""Columns the kept session never takes from a dropped one (``source_format`` neither)."""


def merge_duplicates(log: TrainingLog) -> tuple[TrainingLog, list[MergeEntry]]:
    """Keep each activity once, from its richest source.

    Parameters
    ----------
    log
        A log whose sessions may hold the same activity from several sources.

    Returns
    -------
    tuple of (TrainingLog, list of MergeEntry)
        The log without the duplicates (the same object when there are none; its report
        unchanged), and one entry per session dropped, saying which was kept and which of
        its columns were filled from the dropped one.
    """
    groups = duplicate_groups(log.sessions)
    if not groups:
        return log, []
    sessions = log.sessions.reset_index(drop=True)
    members = [i for g in groups for i in g]
    ids = sessions["session_id"].to_numpy()
    wanted = set(ids[members])
    samples = log.samples.loc[log.samples["session_id"].isin(wanted), ["session_id", "hr_bpm"]]
    n_samples = samples["session_id"].value_counts()
    with_hr = set(samples.loc[samples["hr_bpm"].notna(), "session_id"])
    n_laps = log.laps.loc[log.laps["session_id"].isin(wanted), "session_id"].value_counts()
    n_sets = log.sets.loc[log.sets["session_id"].isin(wanted), "session_id"].value_counts()

    def richness(i: int) -> tuple[int, int, int, int, int, int]:
        sid = ids[i]
        row = sessions.iloc[i]
        hr = sid in with_hr or not pd.isna(row["avg_hr_bpm"])
        rank = FORMAT_RANK.get(str(row["source_format"]), 0)
        return (
            int(n_samples.get(sid, 0)),
            int(hr),
            int(n_laps.get(sid, 0)),
            int(n_sets.get(sid, 0)),
            rank,
            -i,  # all else equal: the one read first
        )

    out = sessions.copy()
    merges: list[MergeEntry] = []
    dropped: set[str] = set()
    for group in groups:
        ranked = sorted(group, key=richness, reverse=True)
        keep, others = ranked[0], ranked[1:]
        filled_by: dict[int, list[str]] = {}
        for other in others:
            for c, column in enumerate(out.columns):
                if column in NOT_FILLED or column == "source_format":
                    continue
                value: Any = sessions.iat[other, c]
                current: Any = out.iat[keep, c]
                if pd.isna(current) and not pd.isna(value):
                    out.iat[keep, c] = value
                    filled_by.setdefault(other, []).append(str(column))
        r_keep = richness(keep)
        for other in others:
            dropped.add(ids[other])
            merges.append(
                MergeEntry(
                    kept=str(ids[keep]),
                    kept_path=str(sessions.at[keep, "source"]),
                    dropped=str(ids[other]),
                    dropped_path=str(sessions.at[other, "source"]),
                    filled=tuple(filled_by.get(other, [])),
                    reason=_reason(sessions, keep, other, r_keep, richness(other)),
                )
            )

    def drop(df: pd.DataFrame) -> pd.DataFrame:
        mask = df["session_id"].isin(dropped)
        return df.loc[~mask].reset_index(drop=True) if mask.any() else df

    report = ImportReport(list(log.report.entries), [*log.report.merges, *merges])
    merged = TrainingLog(
        sessions=drop(out),
        laps=drop(log.laps),
        samples=drop(log.samples),
        sets=drop(log.sets),
        report=report,
    )
    return merged, merges


def duplicate_groups(sessions: pd.DataFrame) -> list[list[int]]:
    """Positions (``iloc``) of the sessions that are the same activity, group by group.

    Groups of one are left out; each group is in table order, the groups by their first.
    """
    start = sessions["start_utc"]
    known = np.flatnonzero(start.notna().to_numpy())
    if len(known) < 2:
        return []
    t0 = (start.iloc[known] - pd.Timestamp(0, tz="UTC")).dt.total_seconds().to_numpy()
    length = sessions["duration_s"].to_numpy(dtype=float)[known]
    moving = sessions["moving_s"].to_numpy(dtype=float)[known]
    length = np.where(np.isfinite(length) & (length > 0), length, moving)
    length = np.where(np.isfinite(length) & (length > 0), length, 0.0)
    sport = sessions["sport"].astype(object).to_numpy()[known]
    order = np.argsort(t0, kind="stable")
    window = START_WINDOW.total_seconds()
    parent = list(range(len(known)))

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for n, a in enumerate(order):
        for b in order[n + 1 :]:
            if t0[b] - t0[a] > window:
                break
            if sport[a] != sport[b]:
                continue
            shorter = min(length[a], length[b])
            if shorter > 0:
                overlap = min(t0[a] + length[a], t0[b] + length[b]) - max(t0[a], t0[b])
                if overlap < MIN_OVERLAP * shorter:
                    continue
            parent[find(int(b))] = find(int(a))
    clusters: dict[int, list[int]] = {}
    for k in range(len(known)):
        clusters.setdefault(find(k), []).append(int(known[k]))
    groups = [sorted(g) for g in clusters.values() if len(g) > 1]
    return sorted(groups)


def _reason(
    sessions: pd.DataFrame,
    keep: int,
    other: int,
    r_keep: tuple[int, ...],
    r_other: tuple[int, ...],
) -> str:
    gap = abs(
        (sessions["start_utc"].iloc[keep] - sessions["start_utc"].iloc[other]).total_seconds()
    )
    why = (
        f"{r_keep[0]} samples against {r_other[0]}"
        if r_keep[0] != r_other[0]
        else "heart rate"
        if r_keep[1] != r_other[1]
        else f"{r_keep[2]} laps against {r_other[2]}"
        if r_keep[2] != r_other[2]
        else f"{r_keep[3]} sets against {r_other[3]}"
        if r_keep[3] != r_other[3]
        else f"{sessions['source_format'].iloc[keep]} over {sessions['source_format'].iloc[other]}"
        if r_keep[4] != r_other[4]
        else "read first"
    )
    return f"started {gap:.0f} s apart, same sport; the kept one is richer: {why}"
