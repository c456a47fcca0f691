"""A chart on a dashboard: a widget that shows a plotly figure and redraws it in place.

The widget is an anywidget with a few kilobytes of JavaScript (``chart.js``) that draws with
``Plotly.react``: a new figure redraws the chart in place, in tens of milliseconds. The figure
travels as one JSON string, and plotly.js itself is fetched over HTTP (see
:func:`plotly_js_path`), not sent over the kernel's websocket with every page view.

Nothing is written into an ``Output`` widget while Voila executes a dashboard, which also
keeps clear of the Voila stall described in ``../shared/STACK-NOTES.md``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Final

import anywidget
import numpy as np
import plotly
import plotly.graph_objects as go
import plotly.io as pio
import traitlets

CONFIG: Final = {
    "displaylogo": False,
    "responsive": True,
    "modeBarButtonsToRemove": ["select2d", "lasso2d"],
}


def plotly_js_path() -> Path:
    """The installed plotly's own ``plotly.min.js``, which the page's charts draw with."""
    return Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


def figure_json(figure: go.Figure) -> dict[str, Any]:
    """A figure as plain JSON (``data``, ``layout``, ``config``) for plotly.js."""
    spec: dict[str, Any] = json.loads(figure_text(figure))
    return spec


def figure_text(figure: go.Figure) -> str:
    """:func:`figure_json` as JSON text, as a chart sends it.

    stridekit's charts hold plain JSON values already (:mod:`stridekit.charts.base`), so
    their traces and layout are dumped as they are, skipping the deep copy and the checks of
    plotly's own encoder (most of a redraw's time on a five-year log); any other figure goes
    through plotly's encoder.
    """
    try:
        return json.dumps(
            {"data": figure._data, "layout": figure._layout, "config": CONFIG},
            allow_nan=False,
            separators=(",", ":"),
            default=_plain,
        )
    except (TypeError, ValueError):  # dates, NaN, other types ...: plotly's encoder
        spec = json.loads(pio.to_json(figure, validate=False))
        spec["config"] = CONFIG
        return json.dumps(spec, separators=(",", ":"))


def _plain(value: object) -> object:
    """A numpy array of strings, objects, integers or floats as a list (NaN as null)."""
    if isinstance(value, np.ndarray):
        if value.dtype.kind == "f":
            out = value.astype(object)
            out[~np.isfinite(value)] = None
            return out.tolist()
        if value.dtype.kind in "OUSbiu":
            return value.tolist()
    raise TypeError(f"{type(value).__name__} is not plain JSON")


class Chart(anywidget.AnyWidget):
    """A plotly chart that redraws in place when given a new figure.

    Parameters
    ----------
    figure
        The first figure to show.
    """

    _esm = (Path(__file__).with_name("chart.js")).read_text(encoding="utf-8")
    spec_json = traitlets.Unicode("{}").tag(sync=True)
    """The figure as JSON text: sent as one string, which ipywidgets does not walk through
    for binary buffers value by value (5 ms a five-year chart, as a dict)."""

    def __init__(self, figure: go.Figure, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.add_class("stridekit-chart")
        self.on_msg(self._send_plotly_js)
        self.figure = figure

    @property
    def figure(self) -> go.Figure:
        """The figure shown; assigning a new one redraws the chart."""
        return self._figure

    @figure.setter
    def figure(self, figure: go.Figure) -> None:
        if getattr(self, "_figure", None) is figure:
            return  # the same figure object: nothing to encode or send
        self._figure = figure
        self.spec_json = figure_text(figure)

    @property
    def spec(self) -> dict[str, Any]:
        """The figure shown as plain JSON (``data``, ``layout``, ``config``) for plotly.js."""
        spec: dict[str, Any] = json.loads(self.spec_json)
        return spec

    def _send_plotly_js(self, _widget: object, content: Any, _buffers: object) -> None:
        # the page could not fetch plotly.js over HTTP (plain JupyterLab, VS Code ...)
        if isinstance(content, dict) and content.get("type") == "plotly-js":
            self.send({"type": "plotly-js"}, buffers=[plotly_js_path().read_bytes()])
