"""The analyses the dashboards share, computed once per log and cached with it.

A kernel keeps each result in memory for the logs it has seen; across kernels and restarts
the Parquet cache (:func:`stridekit.io.cache.cached_frame`) keeps them, keyed by the log's
content, so a page opened on a five-year log does not run interval detection again.
"""

from __future__ import annotations

import weakref

import pandas as pd

from stridekit.analysis.intervals import analyse_runs
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
