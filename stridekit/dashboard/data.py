"""The analyses the dashboards share, computed once per log and cached with it.

A kernel keeps each result in memory for the logs it has seen; across kernels and restarts
the Parquet cache (:func:`stridekit.io.cache.cached_frame`) keeps them, keyed by the log's
content, so a page opened on a five-year log does not run interval detection again.
"""

from __future__ import annotations

import datetime as dt
import weakref
from dataclasses import dataclass

import numpy as np
import pandas as pd

from stridekit.analysis.intervals import analyse_runs
from stridekit.analysis.weekly import all_weeks
from stridekit.io.cache import cached_frame
from stridekit.log import TrainingLog

RUN_ANALYSIS_VERSION = 1
"""Bump when :func:`stridekit.analysis.intervals.analyse_runs` changes its output."""

_seen: dict[int, dict[str, pd.DataFrame]] = {}
"""Results by ``id`` of the log, dropped when the log is collected."""


def _results(log: TrainingLog) -> dict[str, pd.DataFrame]:
    key = id(log)
    if key not in _seen:
        _seen[key] = {}
        weakref.finalize(log, _seen.pop, key, None)
    return _seen[key]


def _run_analysis(log: TrainingLog, part: str) -> pd.DataFrame:
    memo = _results(log)
    if part not in memo:
        analysis = None

        def compute(name: str) -> pd.DataFrame:
            nonlocal analysis
            if analysis is None:
                analysis = analyse_runs(log.laps, log.samples)
            frame: pd.DataFrame = getattr(analysis, name)
            return frame

        memo[part] = cached_frame(
            log.fingerprint, f"run-analysis:{part}", RUN_ANALYSIS_VERSION, lambda: compute(part)
        )
    return memo[part]


def repeats(log: TrainingLog) -> pd.DataFrame:
    """Every work repeat of the log's runs, from laps or the speed stream (cached)."""
    return _run_analysis(log, "repeats")


def phases(log: TrainingLog) -> pd.DataFrame:
    """Every run's warm-up, main part and cool-down as detected (cached)."""
    return _run_analysis(log, "phases")


def lap_roles(log: TrainingLog) -> pd.DataFrame:
    """The log's laps with ``role`` filled (cached)."""
    return _run_analysis(log, "laps")


@dataclass(frozen=True)
class _Sessions:
    """The log's dated sessions as arrays, in date order (for :func:`weekly_volume`)."""

    dates: np.ndarray
    pair: np.ndarray
    pairs: list[tuple[str, str]]
    distance: np.ndarray
    duration: np.ndarray


_arrays: dict[int, _Sessions] = {}
"""Arrays by ``id`` of the log, dropped when the log is collected."""


def _sessions(log: TrainingLog) -> _Sessions:
    key = id(log)
    if key not in _arrays:
        dated = log.sessions.loc[log.sessions["local_date"].notna()]
        dated = dated.sort_values("local_date", kind="stable")
        sport = dated["sport"].astype("str")
        kind = dated["kind"].fillna(dated["sport"]).astype("str")
        pairs = sorted(set(zip(sport, kind, strict=True)))
        code = {p: i for i, p in enumerate(pairs)}
        _arrays[key] = _Sessions(
            dates=dated["local_date"].to_numpy(dtype="datetime64[ns]"),
            pair=np.array([code[p] for p in zip(sport, kind, strict=True)], dtype="int64"),
            pairs=pairs,
            distance=np.nan_to_num(dated["distance_m"].to_numpy(dtype=float, na_value=np.nan)),
            duration=np.nan_to_num(dated["duration_s"].to_numpy(dtype=float, na_value=np.nan)),
        )
        weakref.finalize(log, _arrays.pop, key, None)
    return _arrays[key]


def weekly_volume(log: TrainingLog, start: dt.date | None, end: dt.date | None) -> pd.DataFrame:
    """:func:`stridekit.analysis.weekly.weekly_volume` of the log's sessions in
    ``[start, end]``, from arrays prepared once per log (milliseconds on five years).
    """
    data = _sessions(log)
    lo = 0 if start is None else np.searchsorted(data.dates, np.datetime64(start, "ns"), "left")
    hi = (
        len(data.dates)
        if end is None
        else np.searchsorted(data.dates, np.datetime64(end, "ns"), "right")
    )
    columns = ["week", "sport", "kind", "sessions", "distance_m", "duration_s"]
    if hi <= lo:
        return pd.DataFrame(columns=columns)
    days = data.dates[lo:hi]
    first = pd.Timestamp(start) if start is not None else pd.Timestamp(days[0])
    last = pd.Timestamp(end) if end is not None else pd.Timestamp(days[-1])
    weeks = all_weeks(first, last).to_numpy(dtype="datetime64[ns]")
    monday = days.astype("datetime64[D]")
    monday = monday - ((monday.astype("int64") + 3) % 7)  # 1970-01-01 was a Thursday
    week = np.searchsorted(weeks, monday.astype("datetime64[ns]"))
    present, slot_of = np.unique(data.pair[lo:hi], return_inverse=True)
    slot = week * len(present) + slot_of.ravel()
    size = len(weeks) * len(present)
    table = pd.DataFrame(
        {
            "week": pd.DatetimeIndex(np.repeat(weeks, len(present)), name="week"),
            "sport": pd.array([data.pairs[p][0] for p in present] * len(weeks), dtype="str"),
            "kind": pd.array([data.pairs[p][1] for p in present] * len(weeks), dtype="str"),
            "sessions": np.bincount(slot, minlength=size).astype("int64"),
            "distance_m": np.bincount(slot, weights=data.distance[lo:hi], minlength=size),
            "duration_s": np.bincount(slot, weights=data.duration[lo:hi], minlength=size),
        }
    )
    return table
