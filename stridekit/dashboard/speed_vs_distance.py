"""Speed days against distance days: does the runner do one or two speed runs a week, and
do the speed days get faster while the distance days get longer?"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path

import ipywidgets as widgets
import pandas as pd
import plotly.graph_objects as go

from stridekit import charts
from stridekit.analysis.weekly import focus_runs, weekly_focus_of
from stridekit.dashboard.common import LazyFigures, Panel, View, dashboard_page
from stridekit.dashboard.data import repeats
from stridekit.log import TrainingLog
from stridekit.units import Units


def figures(weekly: pd.DataFrame, view: View) -> dict[str, go.Figure]:
    """The dashboard's charts, by name, from
    :func:`~stridekit.analysis.weekly.weekly_focus` output."""
    return {
        "runs": charts.runs_per_week(weekly, target=view.speed_target, theme=view.theme),
        **paced_figures(weekly, view),
    }


def paced_figures(weekly: pd.DataFrame, view: View) -> dict[str, go.Figure]:
    """The charts in the view's units: pace on speed days and distance on distance days."""
    units, theme = view.units, view.theme
    return {
        "speed_pace": charts.pace_by_week(
            weekly,
            focus="speed",
            units=units,
            theme=theme,
            title="Pace on speed days: the repeats' pace, week by week",
        ),
        "distance": charts.distance_by_week(weekly, focus="distance", units=units, theme=theme),
    }


KEY = "speed_vs_distance"
TITLE = "Speed days and distance days"
SUBTITLE = (
    "The advice: one or two runs a week for speed, the others for distance. "
    "Are your speed days getting faster, your distance days longer?"
)


def panel(log: TrainingLog, view: View) -> Panel:
    """The dashboard's charts on ``log``, for the overview's tab or its own page."""

    classified = focus_runs(log.sessions, repeats=repeats(log))  # once: a range only bins

    @lru_cache(maxsize=32)
    def weekly(first: dt.date | None, last: dt.date | None) -> pd.DataFrame:
        return weekly_focus_of(classified, start=first, end=last)

    # each chart is built for what it depends on: a target change builds one chart, a units
    # switch two, and a view already seen none
    @lru_cache(maxsize=64)
    def runs(first: dt.date | None, last: dt.date | None, target: int, theme: str) -> go.Figure:
        return charts.runs_per_week(weekly(first, last), target=target, theme=theme)

    @lru_cache(maxsize=64)
    def paced(
        first: dt.date | None, last: dt.date | None, units: Units, theme: str
    ) -> dict[str, go.Figure]:
        return paced_figures(weekly(first, last), View(first, last, units, theme=theme))

    def draw(v: View) -> LazyFigures:
        return LazyFigures(
            {
                "runs": lambda: runs(v.start, v.end, v.speed_target, v.theme),
                "speed_pace": lambda: paced(v.start, v.end, v.units, v.theme)["speed_pace"],
                "distance": lambda: paced(v.start, v.end, v.units, v.theme)["distance"],
            }
        )

    return Panel(draw, view)


def app(
    log: str | Path | TrainingLog | None = None,
    *,
    start: str | dt.date | None = None,
    end: str | dt.date | None = None,
    units: str = "km",
) -> widgets.VBox:
    """The speed-vs-distance dashboard as a widget.

    Parameters
    ----------
    log
        A log, a path to one, or ``None`` for the default log (see
        :func:`stridekit.dashboard.common.open_log`).
    start, end
        First and last date shown (``"2025-03-01"``); default the whole log.
    units
        ``"km"`` or ``"mi"``.
    """
    return dashboard_page(
        panel, log, start=start, end=end, units=units, key=KEY, title=TITLE, subtitle=SUBTITLE
    )
