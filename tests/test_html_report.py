"""``stridekit report``: one self-contained HTML file of every chart, positions hidden."""

from __future__ import annotations

import importlib
import json
import re
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import pytest

import stridekit
from stridekit.cli import main
from stridekit.dashboard.chart import plotly_js_path
from stridekit.dashboard.common import DASHBOARDS
from stridekit.html_report import hide_positions, render_html
from stridekit.privacy import _haversine_m

CHART = re.compile(r"\(function\(\)\{var s=(\{.*?\});Plotly\.newPlot", re.DOTALL)


@pytest.fixture(scope="module")
def sample() -> stridekit.TrainingLog:
    return stridekit.sample_log()


def specs(document: str) -> list[dict]:
    return [json.loads(m.replace("<\\/", "</")) for m in CHART.findall(document)]


def test_report_command_writes_one_self_contained_file(tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    assert main(["report", str(stridekit.sample_path()), "--out", str(out), "--units", "mi"]) == 0
    document = out.read_text(encoding="utf-8")
    # nothing is fetched: no external script, stylesheet, image or frame
    assert not re.search(r"<(script|link|img|iframe)[^>]+(src|href)=", document)
    assert plotly_js_path().read_text(encoding="utf-8")[:500] in document, "plotly.js inlined"
    for key in DASHBOARDS:
        title = importlib.import_module(f"stridekit.dashboard.{key}").TITLE
        assert f"<h2>{title}</h2>" in document.replace("&#x27;", "'"), key
    charts = specs(document)
    assert len(charts) >= len(DASHBOARDS) + 3
    for spec in charts:  # every chart is a valid plotly figure with data or an empty note
        go.Figure(data=spec["data"], layout=spec["layout"])
        assert spec["data"] or spec["layout"].get("annotations")
    assert any("/mi" in json.dumps(s["layout"]) for s in charts), "the units asked for"


def test_positions_near_starts_and_ends_are_hidden(sample: stridekit.TrainingLog) -> None:
    hidden = hide_positions(sample, radius_m=500)
    for sid, rows in sample.samples.dropna(subset=["lat_deg"]).groupby("session_id"):
        lat, lon = rows["lat_deg"].to_numpy(), rows["lon_deg"].to_numpy()
        kept = hidden.samples.loc[rows.index].dropna(subset=["lat_deg"])
        if kept.empty:
            continue
        for i in (0, -1):
            near = _haversine_m(
                kept["lat_deg"].to_numpy(), kept["lon_deg"].to_numpy(), lat[i], lon[i]
            )
            assert near.min() > 500, sid
    assert hidden.samples["lat_deg"].notna().sum() < sample.samples["lat_deg"].notna().sum()
    dropped = hide_positions(sample, drop=True)
    assert dropped.samples["lat_deg"].isna().all() and dropped.samples["lon_deg"].isna().all()
    assert np.allclose(dropped.samples["distance_m"], sample.samples["distance_m"], equal_nan=True)


def test_report_needs_an_existing_folder(tmp_path: Path) -> None:
    assert (
        main(["report", str(stridekit.sample_path()), "--out", str(tmp_path / "no" / "r.html")])
        == 1
    )


def _array(values: object) -> np.ndarray:
    """A trace's x or y as numbers, whether a JSON list or plotly's base64 typed array."""
    if isinstance(values, dict) and "bdata" in values:
        import base64

        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=np.dtype(values["dtype"]))
    return np.array([np.nan if v is None else v for v in values], dtype="float64")


def test_the_reports_route_shows_no_position_inside_the_radius(
    sample: stridekit.TrainingLog,
) -> None:
    import math

    from stridekit.privacy import EARTH_RADIUS_M

    hidden = hide_positions(sample, radius_m=500)
    document = render_html(hidden)
    routes = [s for s in specs(document) if "Route" in s["layout"]["title"]["text"]]
    assert len(routes) == 1
    # the route is drawn in metres around the mean of the positions it was given: undo that
    runs = hidden.sessions[hidden.sessions["kind"] == "intervals"]
    shown = runs.sort_values("start_utc")["session_id"].iloc[-1]
    kept = hidden.samples[hidden.samples["session_id"] == shown].dropna(subset=["lat_deg"])
    lat0, lon0 = kept["lat_deg"].mean(), kept["lon_deg"].mean()
    scale = math.pi / 180.0 * EARTH_RADIUS_M
    east = np.concatenate([_array(t["x"]) for t in routes[0]["data"]])
    north = np.concatenate([_array(t["y"]) for t in routes[0]["data"]])
    drawn = np.isfinite(east) & np.isfinite(north)
    assert drawn.sum() > 50, "the route is drawn"
    lat = lat0 + north[drawn] / scale
    lon = lon0 + east[drawn] / (scale * math.cos(math.radians(lat0)))
    raw = sample.samples[sample.samples["session_id"] == shown].dropna(subset=["lat_deg"])
    for i in (0, -1):  # the run's true start and end, from the untrimmed log
        d = _haversine_m(lat, lon, raw["lat_deg"].iloc[i], raw["lon_deg"].iloc[i])
        assert d.min() > 490, "no point of the shared route lies near home"
