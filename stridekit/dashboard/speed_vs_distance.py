"""Speed days against distance days: does the runner do one or two speed runs a week, and
do the speed days get faster while the distance days get longer?"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import ipywidgets as widgets
import plotly.graph_objects as go

from stridekit import charts
from stridekit.analysis.weekly import weekly_focus
from stridekit.dashboard.chart import Chart
from stridekit.dashboard.common import Controls, View, header, open_log, page, view_from
from stridekit.log import TrainingLog


def figures(log: TrainingLog, view: View) -> dict[str, go.Figure]:
    """The dashboard's charts for one view, by name."""
    weekly = weekly_focus(log.sessions, start=view.start, end=view.end)
    return {
        "runs": charts.runs_per_week(weekly),
        "speed_pace": charts.pace_by_week(weekly, focus="speed", units=view.units),
        "distance": charts.distance_by_week(weekly, focus="distance", units=view.units),
    }


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
    data = open_log(log)
    view, notes = view_from(start, end, units)
    shown = {name: Chart(fig) for name, fig in figures(data, view).items()}

    def redraw(new_view: View) -> None:
        for name, fig in figures(data, new_view).items():
            shown[name].figure = fig

    controls = Controls(data, view, redraw)
    return page(
        header(
            "Speed days and distance days",
            "The advice: one or two runs a week for speed, the others for distance. "
            "Are your speed days getting faster, your distance days longer?",
            "speed_vs_distance",
            notes,
        ),
        controls,
        shown["runs"],
        shown["speed_pace"],
        shown["distance"],
    )
