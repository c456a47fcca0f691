"""The landing page: the weekly volume by kind of session, headline numbers, and links."""

from __future__ import annotations

import datetime as dt
import html
from pathlib import Path

import ipywidgets as widgets
import plotly.graph_objects as go

from stridekit import charts
from stridekit.analysis.weekly import weekly_volume
from stridekit.dashboard.chart import Chart
from stridekit.dashboard.common import Controls, View, header, open_log, page, view_from
from stridekit.log import TrainingLog
from stridekit.units import distance_in, format_duration


def figures(log: TrainingLog, view: View) -> dict[str, go.Figure]:
    """The page's charts for one view, by name."""
    volume = weekly_volume(log.sessions, start=view.start, end=view.end)
    return {"volume": charts.volume_by_week(volume, measure="time", units=view.units)}


def headline(log: TrainingLog, view: View) -> str:
    """One line of HTML: sessions, runs, distance and time in the view."""
    info = log.between(view.start, view.end).summary()
    if not info["sessions"]:
        return "<p>No sessions in this date range.</p>"
    sports = ", ".join(f"{n} {html.escape(k)}" for k, n in info["by_sport"].items())
    distance = distance_in(info["run_distance_m"], view.units)
    return (
        f"<p>{info['sessions']} sessions ({sports}) from {info['first_date']} to "
        f"{info['last_date']}: {distance:,.0f} {view.units} of running in "
        f"{format_duration(info['run_duration_s'])}.</p>"
    )


def app(
    log: str | Path | TrainingLog | None = None,
    *,
    start: str | dt.date | None = None,
    end: str | dt.date | None = None,
    units: str = "km",
) -> widgets.VBox:
    """The overview dashboard as a widget (parameters as for every dashboard)."""
    data = open_log(log)
    view, notes = view_from(start, end, units)
    volume = Chart(figures(data, view)["volume"])
    summary = widgets.HTML(headline(data, view))

    def redraw(new_view: View) -> None:
        volume.figure = figures(data, new_view)["volume"]
        summary.value = headline(data, new_view)

    return page(
        header(
            "Your training at a glance",
            "Every session of the log, week by week, coloured by kind.",
            "overview",
            notes,
        ),
        Controls(data, view, redraw),
        summary,
        volume,
    )
