"""The landing page: the weekly volume by kind of session, headline numbers, and links."""

from __future__ import annotations

import datetime as dt
import html
from pathlib import Path

import ipywidgets as widgets
import plotly.graph_objects as go

from stridekit import charts
from stridekit.analysis.weekly import in_range, weekly_volume
from stridekit.dashboard.common import View, chart_page, open_log, view_from
from stridekit.log import TrainingLog
from stridekit.units import distance_in, format_duration


def figures(log: TrainingLog, view: View) -> dict[str, go.Figure]:
    """The page's charts for one view, by name."""
    volume = weekly_volume(log.sessions, start=view.start, end=view.end)
    return {"volume": charts.volume_by_week(volume, measure="time", units=view.units)}


def headline(log: TrainingLog, view: View) -> str:
    """One line of HTML: sessions, runs, distance and time in the view."""
    shown = in_range(log.sessions, view.start, view.end)
    if shown.empty:
        return "<p>No sessions in this date range.</p>"
    runs = shown[shown["sport"] == "run"]
    counts = shown["sport"].value_counts().sort_index()
    sports = ", ".join(f"{n} {html.escape(str(k))}" for k, n in counts.items())
    distance = distance_in(float(runs["distance_m"].sum()), view.units)
    first, last = shown["local_date"].min(), shown["local_date"].max()
    return (
        f"<p>{len(shown)} sessions ({sports}) from {first:%d %b %Y} to {last:%d %b %Y}: "
        f"{distance:,.0f} {view.units} of running in "
        f"{format_duration(float(runs['duration_s'].sum()))}.</p>"
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
    return chart_page(
        data,
        view,
        lambda v: figures(data, v),
        key="overview",
        title="Your training at a glance",
        subtitle="Every session of the log, week by week, coloured by kind.",
        notes=notes,
        text=lambda v: headline(data, v),
    )
