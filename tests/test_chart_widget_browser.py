"""The Chart widget's front end (``chart.js``) in real headless Chromium, with a stand-in for
the widget's model: it draws the kernel's figure, and hides the tick labels that stick out of
the chart, which plotly is told not to do itself (it measured every label once per label)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from stridekit.dashboard.chart import Chart, plotly_js_path

pytestmark = pytest.mark.browser

# A model as anywidget gives one to ``render``: the figure as JSON text, and a change event.
RENDER = """
async ([source, spec]) => {
  const url = URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
  const widget = (await import(url)).default;
  const handlers = [];
  window.model = {
    spec,
    get: (name) => (name === "spec_json" ? window.model.spec : null),
    on: (event, handler) => handlers.push(handler),
    off: () => {},
    send: () => {},
    change(spec) { window.model.spec = spec; handlers.forEach((h) => h()); },
  };
  const el = document.getElementById("chart");
  await widget.render({ model: window.model, el });
}
"""

# Labels drawn (not hidden) and those of them that stick out of the chart's box.
LABELS = """
() => {
  const gd = document.querySelector(".js-plotly-plot");
  const box = gd.querySelector(".main-svg").getBoundingClientRect();
  const shown = [...gd.querySelectorAll(".xaxislayer-above text")]
    .filter((t) => t.getBoundingClientRect().width > 0);
  const out = shown.filter((t) => {
    const r = t.getBoundingClientRect();
    return r.left < box.left - 1 || r.right > box.right + 1;
  });
  return {
    shown: shown.map((t) => t.textContent),
    out: out.map((t) => t.textContent),
    overflow: gd._fullLayout.xaxis.ticklabeloverflow,
  };
}
"""


def figure(end: str) -> str:
    """Six months of a date axis with no right margin: the label of the month at ``end``
    sits on the right edge, half of it outside the chart."""
    spec = {
        "data": [{"type": "scatter", "x": ["2024-01-01", end], "y": [1, 2]}],
        "layout": {
            "template": {"layout": {"font": {"size": 13}}},
            "width": 420,
            "height": 260,
            "margin": {"l": 40, "r": 0, "t": 10, "b": 40},
            "xaxis": {"range": ["2024-01-01", end], "tickformat": "%b %Y"},
        },
        "config": {"responsive": False},
    }
    return json.dumps(spec)


# Redraw the chart (a new figure from the kernel, or a zoom in the page) and wait for the end
# of plotly's drawing: the chart's own listener, registered first, has hidden its labels.
REDRAW = """
async ([how, arg]) => {
  const gd = document.querySelector(".js-plotly-plot");
  const drawn = new Promise((done) => gd.once("plotly_afterplot", done));
  if (how === "figure") window.model.change(arg);
  else await Plotly.relayout(gd, arg);
  await drawn;
}
"""

# The first drawing is done, labels hidden, once the chart listens for the next ones.
FIRST_DRAWN = """
() => {
  const gd = document.querySelector(".js-plotly-plot");
  return Boolean(gd && gd._ev && gd._ev.listeners("plotly_afterplot").length);
}
"""


def test_labels_sticking_out_are_hidden_by_the_chart_not_by_plotly() -> None:
    from serving import chromium

    with chromium() as browser:
        page = browser.new_page(viewport={"width": 600, "height": 400})
        page.set_content("<html><body style='margin:0'><div id='chart'></div></body></html>")
        page.add_script_tag(path=str(plotly_js_path()))
        page.evaluate(RENDER, [Chart._esm, figure("2024-07-01")])
        page.wait_for_function(FIRST_DRAWN)
        labels: dict[str, Any] = page.evaluate(LABELS)
        assert labels["overflow"] == "allow"  # plotly no longer measures the labels
        assert labels["out"] == []
        assert labels["shown"][0] == "Jan 2024"
        assert "Jul 2024" not in labels["shown"]  # on the edge: hidden, not cut in half
        assert len(labels["shown"]) >= 3

        # a new figure from the kernel, ending on another month
        page.evaluate(REDRAW, ["figure", figure("2024-05-01")])
        labels = page.evaluate(LABELS)
        assert labels["out"] == []
        assert labels["shown"][0] == "Jan 2024"
        assert "May 2024" not in labels["shown"]

        # zoomed in the page: plotly draws the labels again, and the chart hides them again
        page.evaluate(REDRAW, ["zoom", {"xaxis.range": ["2024-02-01", "2024-06-01"]}])
        labels = page.evaluate(LABELS)
        assert labels["out"] == []
        assert labels["shown"] and "Jun 2024" not in labels["shown"]
