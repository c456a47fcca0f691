"""One self-contained HTML file of every dashboard's charts, to share without a server.

``stridekit report LOG --out report.html`` writes it: plotly.js is inlined, so the file opens
offline and requests nothing from anywhere; every chart stays interactive (hover, zoom).
Positions near each run's start and end are hidden first (:mod:`stridekit.privacy`), since a
shared file travels further than its author expects.
"""

from __future__ import annotations

import datetime as dt
import html
import importlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from stridekit import privacy
from stridekit.errors import StridekitError
from stridekit.log import TrainingLog

CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0 auto;
max-width:1200px;padding:1em;color:#222}
h1{margin-bottom:0.2em}h2{margin:1.6em 0 0.2em;border-top:1px solid #ddd;padding-top:0.8em}
.chart{width:100%;min-height:380px}.note{color:#555}
@media (prefers-color-scheme: dark){body{background:#111;color:#ddd}.note{color:#aaa}}
"""


def hide_positions(
    log: TrainingLog, *, radius_m: float | None = privacy.DEFAULT_RADIUS_M, drop: bool = False
) -> TrainingLog:
    """The log with positions hidden for sharing.

    Parameters
    ----------
    log
        The log.
    radius_m
        Blank positions within this distance of each session's start and end [m]; ``None``
        keeps every position (only for a report that stays with its owner).
    drop
        Blank every position instead.
    """
    if drop:
        samples = privacy.drop_positions(log.samples)
    elif radius_m is not None:
        samples = privacy.trim_positions(log.samples, radius_m)
    else:
        return log
    return TrainingLog(
        sessions=log.sessions, laps=log.laps, samples=samples, sets=log.sets, report=log.report
    )


def _sections(log: TrainingLog, view: Any) -> Iterator[tuple[str, str, str, list[dict[str, Any]]]]:
    """(title, subtitle, text, figure specs) of every dashboard, in the app's order."""
    from stridekit.dashboard.common import DASHBOARDS

    for key in DASHBOARDS:
        module = importlib.import_module(f"stridekit.dashboard.{key}")
        panel = module.panel(log, view)
        text = panel.line.value if getattr(panel, "line", None) is not None else ""
        specs = [chart.spec for chart in panel.charts.values()]
        yield module.TITLE, module.SUBTITLE, text, specs


def render_html(log: TrainingLog, *, units: str = "km", title: str = "stridekit report") -> str:
    """The report for ``log`` as one HTML document (positions as given: hide them first).

    Parameters
    ----------
    log
        The log to show, over its whole date range.
    units
        ``"km"`` or ``"mi"``.
    title
        The page's title.
    """
    from stridekit.dashboard.chart import plotly_js_path
    from stridekit.dashboard.common import View
    from stridekit.units import check_units

    view = View(units=check_units(units))
    span = log.date_range
    when = f"{span[0]:%d %b %Y} to {span[1]:%d %b %Y}" if span else "no sessions"
    body: list[str] = [
        f"<h1>{html.escape(title)}</h1>",
        f"<p class='note'>{len(log.sessions):,} sessions, {html.escape(when)}. Written by "
        f"stridekit on {dt.date.today():%d %b %Y}. Hover, zoom and pan work offline.</p>",
    ]
    scripts: list[str] = []
    n = 0
    for section, subtitle, text, specs in _sections(log, view):
        body.append(f"<h2>{html.escape(section)}</h2><p class='note'>{html.escape(subtitle)}</p>")
        if text:
            body.append(text)  # the dashboards' own HTML, already escaped there
        for spec in specs:
            body.append(f"<div class='chart' id='chart-{n}'></div>")
            payload = json.dumps(spec, separators=(",", ":")).replace("</", "<\\/")
            scripts.append(
                f"(function(){{var s={payload};Plotly.newPlot('chart-{n}',s.data,s.layout,"
                "Object.assign({},s.config,{responsive:true}));})();"
            )
            n += 1
    plotly_js = plotly_js_path().read_text(encoding="utf-8").replace("</script", "<\\/script")
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{html.escape(title)}</title><style>{CSS}</style>"
        f"<script>{plotly_js}</script></head><body>"
        + "\n".join(body)
        + "<script>"
        + "\n".join(scripts)
        + "</script></body></html>"
    )


def write_report(
    log: TrainingLog,
    out: str | Path,
    *,
    units: str = "km",
    radius_m: float | None = privacy.DEFAULT_RADIUS_M,
    drop_positions: bool = False,
) -> Path:
    """Write the shareable report of ``log`` to ``out``, positions hidden.

    Parameters
    ----------
    log
        The log.
    out
        The HTML file to write; its folder must exist.
    units
        ``"km"`` or ``"mi"``.
    radius_m, drop_positions
        As for :func:`hide_positions`: by default positions within 500 m of each run's start
        and end are left out.

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    StridekitError
        When ``out``'s folder does not exist.
    """
    path = Path(out)
    if not path.parent.is_dir():
        raise StridekitError(f"{path.parent}: no such folder; create it or choose another --out")
    shared = hide_positions(log, radius_m=radius_m, drop=drop_positions)
    document = render_html(shared, units=units)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(document, encoding="utf-8")
    tmp.replace(path)
    return path
