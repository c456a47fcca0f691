"""A chart on a dashboard: a widget that shows a plotly figure and can be given a new one."""

from __future__ import annotations

import json
from typing import Any, Final

import ipywidgets as widgets
import plotly.graph_objects as go
import plotly.io as pio

PLOTLY_MIME: Final = "application/vnd.plotly.v1+json"
CONFIG: Final = {
    "displaylogo": False,
    "modeBarButtonsToRemove": ["select2d", "lasso2d"],
}


def mimebundle(figure: go.Figure) -> dict[str, Any]:
    """The figure as the plotly mimetype's JSON, the way JupyterLab and Voila render it."""
    spec = json.loads(pio.to_json(figure, validate=False))
    spec["config"] = CONFIG
    return {PLOTLY_MIME: spec}


class Chart(widgets.Output):
    """An output area holding one plotly figure.

    The figure is set through the widget's ``outputs`` state rather than by printing into
    the output area, so that no output capture runs while Voila executes the notebook.

    Parameters
    ----------
    figure
        The first figure to show.
    """

    def __init__(self, figure: go.Figure, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.add_class("stridekit-chart")
        self.figure = figure

    @property
    def figure(self) -> go.Figure:
        """The figure shown; assigning a new one redraws the chart."""
        return self._figure

    @figure.setter
    def figure(self, figure: go.Figure) -> None:
        self._figure = figure
        self.outputs = (
            {"output_type": "display_data", "data": mimebundle(figure), "metadata": {}},
        )
