"""A dashboard panel redraws chart by chart: each chart is sent as soon as it is built, the
line of text after the charts, and a figure already shown is not sent again."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import plotly.graph_objects as go

from stridekit.dashboard.common import LazyFigures, Panel, View


def test_each_chart_is_sent_before_the_next_is_built_and_the_text_comes_last() -> None:
    events: list[str] = []
    cached: dict[tuple[str, dt.date | None], go.Figure] = {}

    def maker(name: str, view: View) -> Callable[[], go.Figure]:
        def make() -> go.Figure:
            key = (name, view.start)
            if key not in cached:  # as the dashboards' lru_caches do
                events.append(f"built {name}")
                cached[key] = go.Figure(layout={"title": {"text": f"{name} from {view.start}"}})
            return cached[key]

        return make

    def draw(view: View) -> LazyFigures:
        return LazyFigures({name: maker(name, view) for name in ("first", "second")})

    def text(view: View) -> str:
        events.append("text")
        return f"<p>from {view.start}</p>"

    panel = Panel(draw, View(), text=text)
    for name, chart in panel.charts.items():
        chart.observe(lambda _change, name=name: events.append(f"sent {name}"), names="spec_json")
    events.clear()

    panel.show(View(start=dt.date(2025, 3, 1)))
    assert events == ["built first", "sent first", "built second", "sent second", "text"]
    assert panel.charts["second"].spec["layout"]["title"]["text"] == "second from 2025-03-01"

    events.clear()
    panel.show(View(start=dt.date(2025, 3, 1), units="mi"))  # the same figures: none sent
    assert events == ["text"]


def test_lazy_figures_build_each_figure_once_and_only_when_read() -> None:
    built: list[str] = []

    def make(name: str) -> Callable[[], go.Figure]:
        return lambda: built.append(name) or go.Figure()

    figures = LazyFigures({"a": make("a"), "b": make("b")})
    assert list(figures) == ["a", "b"] and len(figures) == 2
    assert built == []
    assert figures["b"] is figures["b"]
    assert built == ["b"]
