"""Analyses: pure functions from stridekit's tables to tidy tables.

Each module answers one question the advice raises; ``docs/analysis.md`` gives each
method, its sources and its measured accuracy. The functions most notebooks need are
importable from here:

>>> from stridekit.analysis import detect_intervals, weekly_strength, weekly_load
"""

from stridekit.analysis.classify import classify_log, classify_runs, read_overrides
from stridekit.analysis.habits import habit_shares, mobility_sessions, run_habits, weekly_mobility
from stridekit.analysis.intervals import analyse_runs, detect_intervals
from stridekit.analysis.laps import lap_roles
from stridekit.analysis.load import acute_chronic, daily_load, session_rpe, weekly_load
from stridekit.analysis.progression import (
    next_step,
    pace_by_length,
    session_progression,
    weekly_progression,
)
from stridekit.analysis.race import best_efforts, race_estimates
from stridekit.analysis.strength import (
    exercise_coverage,
    strength_calendar,
    strength_sessions,
    strength_streaks,
    weekly_strength,
)
from stridekit.analysis.stride import stride_at_speed, weekly_stride
from stridekit.analysis.weekly import weekly_focus, weekly_volume

__all__ = [
    "acute_chronic",
    "analyse_runs",
    "best_efforts",
    "classify_log",
    "classify_runs",
    "daily_load",
    "detect_intervals",
    "exercise_coverage",
    "habit_shares",
    "lap_roles",
    "mobility_sessions",
    "next_step",
    "pace_by_length",
    "race_estimates",
    "read_overrides",
    "run_habits",
    "session_progression",
    "session_rpe",
    "strength_calendar",
    "strength_sessions",
    "strength_streaks",
    "stride_at_speed",
    "weekly_focus",
    "weekly_load",
    "weekly_mobility",
    "weekly_progression",
    "weekly_strength",
    "weekly_stride",
    "weekly_volume",
]
