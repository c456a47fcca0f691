"""Every notebook in dashboards/ executes headless, without errors, and shows its charts."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from conftest import ROOT
from nbclient import NotebookClient

TUTORIAL = ROOT / "dashboards" / "explore.ipynb"
NOTEBOOKS = sorted(p for p in (ROOT / "dashboards").glob("*.ipynb") if p != TUTORIAL)


def test_there_are_dashboards() -> None:
    from stridekit.dashboard.common import DASHBOARDS

    assert {p.stem for p in NOTEBOOKS} == set(DASHBOARDS)
    assert TUTORIAL.is_file()


def execute(path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> nbformat.NotebookNode:
    monkeypatch.setenv("STRIDEKIT_CACHE_DIR", str(tmp_path / "cache"))
    nb = nbformat.read(path, as_version=4)
    NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    ).execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in errors if o.output_type == "error"]
    return nb


def test_tutorial_loads_filters_computes_and_plots(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    nb = execute(TUTORIAL, tmp_path, monkeypatch)
    headings = [c.source.splitlines()[0] for c in nb.cells if c.cell_type == "markdown"]
    assert [h for h in headings if h[:5] in ("## 1.", "## 2.", "## 3.", "## 4.")] == [
        "## 1. Load",
        "## 2. Filter",
        "## 3. Compute",
        "## 4. Plot",
    ]
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    figures = [
        o["data"]["application/vnd.plotly.v1+json"]
        for o in outputs
        if "application/vnd.plotly.v1+json" in o.get("data", {})
    ]
    assert len(figures) >= 2 and all(f["data"] for f in figures), "charts of its own"
    text = "".join(o.get("text", "") for o in outputs)
    assert "files:" in text, "the import report is shown"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_executes(path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    nb = execute(path, tmp_path, monkeypatch)
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs]
    widget_views = [
        o for o in outputs if "application/vnd.jupyter.widget-view+json" in o.get("data", {})
    ]
    assert widget_views, "the dashboard shows its page widget"
    state = (
        nb.metadata.get("widgets", {})
        .get("application/vnd.jupyter.widget-state+json", {})
        .get("state", {})
    )
    specs = [
        json.loads(m["state"]["spec_json"])
        for m in state.values()
        if "spec_json" in m.get("state", {})
    ]
    assert specs, "the page has at least one chart"
    assert all(spec["data"] or spec["layout"].get("annotations") for spec in specs), (
        "every chart has data, or says what data would fill it"
    )
