"""What every dashboard shares: the log in use, the controls, and the page frame."""

from __future__ import annotations

import datetime as dt
import html
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import ipywidgets as widgets
import pandas as pd
import plotly.graph_objects as go

from stridekit import paths
from stridekit.dashboard.chart import Chart
from stridekit.io.loader import load_log
from stridekit.log import TrainingLog
from stridekit.units import UNITS, Units, check_units

DASHBOARDS: dict[str, str] = {
    "overview": "Overview",
    "speed_vs_distance": "Speed vs distance",
    "intervals": "Intervals",
    "strength": "Strength",
    "habits_and_load": "Habits and load",
}
"""Dashboard notebook name -> title, in the order the overview links them."""


THEMES = ("light", "dark")
"""Chart themes; ``?theme=dark`` also switches Voila's page to its dark theme."""


@dataclass(frozen=True)
class View:
    """What a dashboard shows: a date range, the distance unit, the targets and the theme.

    Attributes
    ----------
    start, end
        First and last local date shown (inclusive); ``None`` for the log's own ends.
    units
        ``"km"`` or ``"mi"``.
    speed_target
        Speed runs the runner aims for each week [runs/week]; the advice says one or two.
    strength_target
        Strength sessions the runner aims for each week [sessions/week].
    theme
        ``"light"`` or ``"dark"``: the charts' plotly template.
    """

    start: dt.date | None = None
    end: dt.date | None = None
    units: Units = "km"
    speed_target: int = 2
    strength_target: int = 2
    theme: str = "light"


@cache
def _load_cached(path: str) -> TrainingLog:
    return load_log(path)


def open_log(log: str | Path | TrainingLog | None) -> TrainingLog:
    """The log a dashboard shows: given, loaded from a path, or the default log.

    The default is the log ``stridekit serve`` was given, else the bundled sample. A path
    is loaded once per kernel.
    """
    if isinstance(log, TrainingLog):
        return log
    return _load_cached(str(Path(log) if log is not None else paths.default_log()))


def _as_date(value: str | dt.date | None) -> dt.date | None:
    if value is None or value == "":
        return None
    try:
        return pd.Timestamp(value).date()
    except (ValueError, TypeError):
        raise ValueError(f"{value!r} is not a date; write it as YYYY-MM-DD") from None


def _target(label: str, value: int) -> widgets.BoundedIntText:
    return widgets.BoundedIntText(
        value=value,
        min=0,
        max=7,
        description=label,
        style={"description_width": "initial"},
        layout=widgets.Layout(width="11em"),
    )


class Controls(widgets.HBox):
    """The date range and the km/mi switch, calling ``on_change(view)`` when either changes.

    Parameters
    ----------
    log
        The log shown: its first and last dates bound the pickers.
    view
        The starting view.
    on_change
        Called with the new :class:`View`.
    """

    def __init__(self, log: TrainingLog, view: View, on_change: Callable[[View], None]) -> None:
        span = log.date_range
        lo, hi = span if span else (None, None)
        self.start = widgets.DatePicker(
            description="From",
            value=view.start or lo,
            min=lo,
            max=hi,
            layout=widgets.Layout(width="auto"),
        )
        self.end = widgets.DatePicker(
            description="To",
            value=view.end or hi,
            min=lo,
            max=hi,
            layout=widgets.Layout(width="auto"),
        )
        self.units = widgets.ToggleButtons(
            options=list(UNITS),
            value=view.units,
            description="Units",
            style={"button_width": "3.5em"},
        )
        self.speed_target = _target("Speed runs/wk", view.speed_target)
        self.strength_target = _target("Strength/wk", view.strength_target)
        self._theme = view.theme
        self._on_change = on_change
        shown = (self.start, self.end, self.units, self.speed_target, self.strength_target)
        for w in shown:
            w.observe(self._changed, names="value")
        super().__init__(
            list(shown),
            layout=widgets.Layout(flex_flow="row wrap", margin="0 0 0.5em 0"),
        )
        self.add_class("stridekit-controls")

    @property
    def view(self) -> View:
        """The view the controls show now."""
        return View(
            self.start.value,
            self.end.value,
            check_units(self.units.value),
            speed_target=int(self.speed_target.value),
            strength_target=int(self.strength_target.value),
            theme=self._theme,
        )

    def _changed(self, _change: object) -> None:
        self._on_change(self.view)


def header(title: str, subtitle: str, current: str, notes: list[str] | None = None) -> widgets.HTML:
    """The page's title, one line on what it answers, and links to every dashboard.

    Links are relative and keep the page's query string, so the view travels with them.
    """
    links = " · ".join(
        f"<b>{html.escape(name)}</b>"
        if key == current
        else f'<a href="{key}.ipynb" class="stridekit-link" '
        f"onclick=\"this.href='{key}.ipynb'+window.location.search\">{html.escape(name)}</a>"
        for key, name in DASHBOARDS.items()
    )
    warnings = "".join(
        f"<p class='stridekit-warning' style='color:#b35806'>{html.escape(n)}</p>"
        for n in notes or []
    )
    return widgets.HTML(
        f"<nav class='stridekit-nav'>{links}</nav><h2 style='margin:0.3em 0 0'>"
        f"{html.escape(title)}</h2><p style='margin:0.2em 0 0.6em'>{html.escape(subtitle)}</p>"
        + warnings
    )


def page(*children: widgets.Widget) -> widgets.VBox:
    """Stack a dashboard's parts into one page."""
    return widgets.VBox(list(children), layout=widgets.Layout(width="100%", max_width="1200px"))


Figures = Callable[[View], Mapping[str, go.Figure]]
"""A dashboard's charts for a view, by name, in page order."""


class LazyFigures(Mapping[str, go.Figure]):
    """A dashboard's figures by name, each built when it is first read.

    :class:`Panel` sends each chart's figure as soon as it reads it, so with these the page
    draws the first chart while the kernel builds the next, instead of waiting for them all.

    Parameters
    ----------
    makers
        Builds each figure, by name, in page order.
    """

    def __init__(self, makers: Mapping[str, Callable[[], go.Figure]]) -> None:
        self._makers = dict(makers)
        self._built: dict[str, go.Figure] = {}

    def __getitem__(self, name: str) -> go.Figure:
        if name not in self._built:
            self._built[name] = self._makers[name]()
        return self._built[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._makers)

    def __len__(self) -> int:
        return len(self._makers)


class Panel(widgets.VBox):
    """One dashboard's content under the shared controls: a line of text and its charts.

    A panel is what both a standalone page (:func:`chart_page`) and a tab of the overview
    app show. ``show(view)`` redraws it for a new view: each chart in place, and a chart
    whose figure did not change is not sent again; given :class:`LazyFigures`, each chart is
    sent as soon as it is built. Dashboards with controls of their own subclass it (or give
    any widget a ``show(view)`` method).

    Parameters
    ----------
    figures
        The panel's charts for a view.
    view
        The view it opens on.
    text
        HTML shown above the charts for a view (headline numbers), if any.
    extra
        Widgets shown between the text and the charts (a session picker ...).
    """

    def __init__(
        self,
        figures: Figures,
        view: View,
        *,
        text: Callable[[View], str] | None = None,
        extra: Sequence[widgets.Widget] = (),
    ) -> None:
        self._figures = figures
        self._text = text
        self.view = view
        self.charts = {name: Chart(fig) for name, fig in figures(view).items()}
        self.line = widgets.HTML(text(view)) if text else None
        parts = [self.line] if self.line is not None else []
        super().__init__(
            [*parts, *extra, *self.charts.values()], layout=widgets.Layout(width="100%")
        )

    def show(self, view: View) -> None:
        """Redraw the panel for ``view``: the charts first (the browser draws each while the
        next is built), then the line of text."""
        self.view = view
        for name, fig in self._figures(view).items():
            self.charts[name].figure = fig
        if self.line is not None and self._text is not None:
            self.line.value = self._text(view)


MakePanel = Callable[[TrainingLog, View], Panel]
"""Builds a dashboard's panel for a log and a view."""


def chart_page(
    log: TrainingLog,
    view: View,
    panel: Panel,
    *,
    key: str,
    title: str,
    subtitle: str,
    notes: list[str] | None = None,
) -> widgets.VBox:
    """A standalone dashboard page: header, shared controls, and the dashboard's panel.

    Parameters
    ----------
    log
        The log shown (its dates bound the date pickers).
    view
        The view the page opens on.
    panel
        The dashboard's content; the controls call its ``show(view)``.
    key, title, subtitle, notes
        As for :func:`header`.
    """
    return page(header(title, subtitle, key, notes), Controls(log, view, panel.show), panel)


def dashboard_page(
    make_panel: MakePanel,
    log: str | Path | TrainingLog | None,
    *,
    start: str | dt.date | None,
    end: str | dt.date | None,
    units: str,
    key: str,
    title: str,
    subtitle: str,
) -> widgets.VBox:
    """What a dashboard's ``app()`` returns: its page on a log, opened on the link's view.

    The notebook's parameters give the view, and the page's query string
    (:func:`view_from`) overrides them.
    """
    data = open_log(log)
    view, notes = view_from(start, end, units)
    return chart_page(
        data, view, make_panel(data, view), key=key, title=title, subtitle=subtitle, notes=notes
    )


QUERY_KEYS = {
    "from": "start",
    "to": "end",
    "units": "units",
    "speed": "speed_target",
    "strength": "strength_target",
    "theme": "theme",
}
"""Query-string parameters of a shared link (``?from=2025-03-01&to=2025-05-31&units=mi``)."""


def _target_count(value: str) -> int:
    count = int(value)
    if not 0 <= count <= 7:
        raise ValueError(f"{value} is not a number of sessions a week (0 to 7)")
    return count


def _theme(value: str) -> str:
    if value not in THEMES:
        raise ValueError(f"{value!r} is not a theme; choose one of {', '.join(THEMES)}")
    return value


_PARSERS: dict[str, Callable[[str], Any]] = {
    "start": _as_date,
    "end": _as_date,
    "units": check_units,
    "speed_target": _target_count,
    "strength_target": _target_count,
    "theme": _theme,
}


def view_from(
    start: str | dt.date | None,
    end: str | dt.date | None,
    units: str,
    query: str | None = None,
) -> tuple[View, list[str]]:
    """The view a page opens on: the notebook's parameters, then the link's query string.

    Parameters
    ----------
    start, end, units
        The notebook's parameters.
    query
        The page's query string; default ``$QUERY_STRING``, which Voila sets for each page.

    Returns
    -------
    View, list of str
        The view, and one sentence per query parameter that was not understood (it is
        ignored, so a mistyped link still opens).
    """
    view = View(_as_date(start), _as_date(end), check_units(units))
    query = os.environ.get("QUERY_STRING", "") if query is None else query
    problems = []
    for key, values in parse_qs(query).items():
        field = QUERY_KEYS.get(key)
        if field is None:
            continue
        value = values[-1]
        try:
            parsed = _PARSERS[field](value)
        except ValueError:
            problems.append(f"The link's {key}={value!r} was not understood and is ignored.")
            continue
        view = replace(view, **{field: parsed})
    return view, problems
