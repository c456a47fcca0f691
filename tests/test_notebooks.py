"""Every notebook in dashboards/ executes headless, without errors, and shows a chart."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from conftest import ROOT
from nbclient import NotebookClient

NOTEBOOKS = sorted((ROOT / "dashboards").glob("*.ipynb"))


def test_there_are_dashboards() -> None:
    assert {p.stem for p in NOTEBOOKS} >= {"overview", "speed_vs_distance"}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_executes(path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STRIDEKIT_CACHE_DIR", str(tmp_path / "cache"))
    nb = nbformat.read(path, as_version=4)
    NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    ).execute()
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    widget_views = [
        o for o in outputs if "application/vnd.jupyter.widget-view+json" in o.get("data", {})
    ]
    assert widget_views, "the dashboard shows its page widget"
    state = (
        nb.metadata.get("widgets", {})
        .get("application/vnd.jupyter.widget-state+json", {})
        .get("state", {})
    )
    specs = [m["state"]["spec"] for m in state.values() if "spec" in m.get("state", {})]
    assert specs, "the page has at least one chart"
    assert all(spec["data"] or spec["layout"].get("annotations") for spec in specs), (
        "every chart has data, or says what data would fill it"
    )
