"""The landing page: the weekly volume by kind of session, headline numbers, and links.

It is where a visitor brings their own log: the "Use your own log" area holds the upload
control (:mod:`stridekit.dashboard.upload`), and a successful upload redraws the page on it.
"""

from __future__ import annotations

import datetime as dt
import html
from pathlib import Path

import ipywidgets as widgets
import plotly.graph_objects as go

from stridekit import charts
from stridekit.analysis.weekly import in_range, weekly_volume
from stridekit.dashboard.common import Controls, View, chart_page, open_log, page, view_from
from stridekit.dashboard.upload import UploadPanel
from stridekit.log import TrainingLog
from stridekit.units import distance_in, format_duration


def figures(log: TrainingLog, view: View) -> dict[str, go.Figure]:
    """The page's charts for one view, by name."""
    volume = weekly_volume(log.sessions, start=view.start, end=view.end)
    return {
        "volume": charts.volume_by_week(volume, measure="time", units=view.units, theme=view.theme)
    }


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
        f"<p>{len(shown)} session{'s' if len(shown) != 1 else ''} ({sports}) "
        f"from {first:%d %b %Y} to {last:%d %b %Y}: "
        f"{distance:,.0f} {view.units} of running in "
        f"{format_duration(float(runs['duration_s'].sum()))}.</p>"
    )


UPLOAD_TITLE = "Use your own log"


def body(log: TrainingLog, view: View, notes: list[str] | None = None) -> list[widgets.Widget]:
    """The page's parts for ``log``: header, controls, headline and chart."""
    built = chart_page(
        log,
        view,
        lambda v: figures(log, v),
        key="overview",
        title="Your training at a glance",
        subtitle="Every session of the log, week by week, coloured by kind.",
        notes=notes,
        text=lambda v: headline(log, v),
    )
    return list(built.children)


def upload_area(panel: UploadPanel) -> widgets.Accordion:
    """The collapsible "Use your own log" area around the upload control."""
    area = widgets.Accordion([panel], titles=(UPLOAD_TITLE,), selected_index=None)
    area.add_class("stridekit-upload-area")
    return area


def app(
    log: str | Path | TrainingLog | None = None,
    *,
    start: str | dt.date | None = None,
    end: str | dt.date | None = None,
    units: str = "km",
) -> widgets.VBox:
    """The overview dashboard as a widget (parameters as for every dashboard).

    Below the header, "Use your own log" holds the upload control; after a successful upload
    the page is rebuilt on the uploaded log, over its whole date range, in the units shown.
    """
    data = open_log(log)
    view, notes = view_from(start, end, units)
    panel = UploadPanel()
    area = upload_area(panel)
    parts = body(data, view, notes)
    # Only the part below the upload area is replaced on a new log: a widget whose place
    # in its box changes is drawn anew, and the upload control must live on to hear the end.
    below = widgets.VBox(parts[1:], layout=widgets.Layout(width="100%"))
    frame = page(parts[0], area, below)

    def switch(new_log: TrainingLog) -> None:
        controls = [c for c in below.children if isinstance(c, Controls)]
        shown_units = controls[0].view.units if controls else view.units
        below.children = body(new_log, View(units=shown_units))[1:]

    panel.subscribe(switch)
    frame.upload = panel
    return frame
