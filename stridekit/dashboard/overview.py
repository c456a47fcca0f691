"""The overview, which is also the app: every dashboard as a tab of one page and kernel.

Its own tab shows the weekly volume by kind of session and headline numbers. It is where a
visitor brings their own log: the "Use your own log" area holds the upload control
(:mod:`stridekit.dashboard.upload`), and a successful upload switches every tab to it.
"""

from __future__ import annotations

import datetime as dt
import html
import importlib
import logging
import os
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import ipywidgets as widgets
import plotly.graph_objects as go

from stridekit import charts
from stridekit.analysis.weekly import in_range
from stridekit.dashboard.common import (
    DASHBOARDS,
    Controls,
    MakePanel,
    Panel,
    View,
    header,
    open_log,
    page,
    view_from,
)
from stridekit.dashboard.data import weekly_volume
from stridekit.dashboard.upload import UploadPanel
from stridekit.log import TrainingLog
from stridekit.units import Units, distance_in, format_duration


def figures(log: TrainingLog, view: View) -> dict[str, go.Figure]:
    """The page's charts for one view, by name."""
    volume = weekly_volume(log, view.start, view.end)  # weekly_volume of the log, fast
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


logger = logging.getLogger(__name__)

KEY = "overview"
TITLE = "Your training at a glance"
SUBTITLE = "Every session of the log, week by week, coloured by kind."


def panel(log: TrainingLog, view: View) -> Panel:
    """The overview's own charts on ``log``: headline numbers and weekly volume.

    The chart shows hours, so it depends on the dates and the theme only: a units or target
    change redraws nothing, and a view already seen is not computed again.
    """

    @lru_cache(maxsize=32)
    def drawn(first: dt.date | None, last: dt.date | None, theme: str) -> dict[str, go.Figure]:
        return figures(log, View(first, last, theme=theme))

    @lru_cache(maxsize=32)
    def text(first: dt.date | None, last: dt.date | None, units: Units) -> str:
        return headline(log, View(first, last, units))

    return Panel(
        lambda v: drawn(v.start, v.end, v.theme), view, text=lambda v: text(v.start, v.end, v.units)
    )


UPLOAD_TITLE = "Use your own log"


def upload_area(upload: UploadPanel) -> widgets.Accordion:
    """The collapsible "Use your own log" area around the upload control."""
    area = widgets.Accordion([upload], titles=(UPLOAD_TITLE,), selected_index=None)
    area.add_class("stridekit-upload-area")
    return area


def _panel_maker(key: str) -> MakePanel:
    if key == KEY:
        return panel
    module = importlib.import_module(f"stridekit.dashboard.{key}")
    maker: MakePanel = module.panel
    return maker


class Tabs(widgets.Tab):
    """Every dashboard as a tab on one log, each built when first opened.

    A view change redraws the open tab at once and the others when they are next opened,
    so a control change costs one dashboard's charts, not all of them.
    """

    def __init__(self, log: TrainingLog, view: View, selected: str = KEY) -> None:
        self.training_log = log
        self.view = view
        self.tab_keys = list(DASHBOARDS)
        self.panels: dict[str, widgets.Widget] = {}
        self._shown: dict[str, View] = {}
        placeholders = [widgets.HTML("<p>Loading…</p>") for _ in self.tab_keys]
        super().__init__(placeholders, titles=[DASHBOARDS[k] for k in self.tab_keys])
        self.add_class("stridekit-tabs")
        self.observe(self._selected, names="selected_index")
        self.selected_index = self.tab_keys.index(selected) if selected in self.tab_keys else 0
        self._open(self.tab_keys[self.selected_index])

    def show(self, view: View) -> None:
        """Redraw the open tab for ``view``; the others follow when opened."""
        self.view = view
        if self.selected_index is not None:
            self._open(self.tab_keys[self.selected_index])

    def _selected(self, change: dict[str, Any]) -> None:
        if change["new"] is not None:
            self._open(self.tab_keys[change["new"]])

    def _open(self, key: str) -> None:
        if key not in self.panels:
            try:
                built = _panel_maker(key)(self.training_log, self.view)
            except Exception as exc:  # a tab that cannot be drawn must not take the app down
                logger.debug("the %s tab could not be drawn", key, exc_info=True)
                built = widgets.HTML(
                    f"<p class='stridekit-warning'>This tab could not be drawn on this log "
                    f"({html.escape(type(exc).__name__)}). The other tabs still work.</p>"
                )
            self.panels[key] = built
            self._shown[key] = self.view
            children: list[widgets.Widget] = list(self.children)  # type: ignore[has-type]
            children[self.tab_keys.index(key)] = built
            self.children = children
        elif self._shown.get(key) != self.view:
            shown = self.panels[key]
            if isinstance(shown, Panel) or hasattr(shown, "show"):
                shown.show(self.view)
            self._shown[key] = self.view


def app(
    log: str | Path | TrainingLog | None = None,
    *,
    start: str | dt.date | None = None,
    end: str | dt.date | None = None,
    units: str = "km",
    tab: str = KEY,
) -> widgets.VBox:
    """The stridekit app: every dashboard as a tab of one page, on one log.

    The header and "Use your own log" (the upload control) come first, then the shared
    controls and the tabs. After a successful upload every tab switches to the uploaded log,
    over its whole date range, in the units shown. ``?tab=intervals`` in the link opens
    that tab.

    Parameters
    ----------
    log
        A log, a path to one, or ``None`` for the default log.
    start, end
        First and last date shown (``"2025-03-01"``); default the whole log.
    units
        ``"km"`` or ``"mi"``.
    tab
        The tab open first: a key of :data:`~stridekit.dashboard.common.DASHBOARDS`.
    """
    data = open_log(log)
    view, notes = view_from(start, end, units)
    asked = parse_qs(os.environ.get("QUERY_STRING", "")).get("tab", [tab])[-1]
    if asked not in DASHBOARDS:
        notes.append(f"The link's tab={asked!r} is not a dashboard and is ignored.")
        asked = KEY
    upload = UploadPanel()

    def below_for(new_log: TrainingLog, new_view: View, opened: str) -> list[widgets.Widget]:
        tabs = Tabs(new_log, new_view, opened)
        return [Controls(new_log, new_view, tabs.show), tabs]

    # Only the part below the upload area is replaced on a new log: a widget whose place
    # in its box changes is drawn anew, and the upload control must live on to hear the end.
    below = widgets.VBox(below_for(data, view, asked), layout=widgets.Layout(width="100%"))
    frame = page(header(TITLE, SUBTITLE, KEY, notes), upload_area(upload), below)

    def switch(new_log: TrainingLog) -> None:
        controls, tabs = below.children
        assert isinstance(controls, Controls) and isinstance(tabs, Tabs)
        shown = controls.view
        opened = tabs.tab_keys[tabs.selected_index or 0]
        fresh = replace(shown, start=None, end=None)
        below.children = below_for(new_log, fresh, opened)

    upload.subscribe(switch)
    frame.upload = upload
    return frame
