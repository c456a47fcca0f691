"""From an installed wheel, and from binder/ alone, the dashboards still render."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT
from serving import (
    FONT_AWESOME_HOST,
    chart_data,
    free_port,
    launch,
    serve,
    wait_for_charts,
    watch,
)

from stridekit.dashboard.common import DASHBOARDS

pytestmark = pytest.mark.slow


def run(cmd: list[str], **kwargs: Any) -> None:
    result = subprocess.run(cmd, capture_output=True, text=True, **kwargs)
    assert result.returncode == 0, f"{' '.join(cmd)} failed:\n{result.stdout}\n{result.stderr}"


def fresh_venv(folder: Path) -> Path:
    run([sys.executable, "-m", "venv", str(folder)])
    return folder / "bin"


def clone(tmp: Path) -> Path:
    """The files git would give a fresh clone (tracked and new, not ignored)."""
    listed = (
        subprocess.run(
            ["git", "ls-files", "-co", "--exclude-standard", "-z"],
            cwd=ROOT,
            capture_output=True,
            check=True,
        )
        .stdout.decode()
        .split("\0")
    )
    target = tmp / "stridekit"
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target


def render_overview(
    url: str, answer: tuple[str, ...] = (FONT_AWESOME_HOST,)
) -> list[dict[str, Any]]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page()
        seen = watch(page, answer=answer)
        page.goto(url)
        wait_for_charts(page)
        traces = chart_data(page, 0)
        browser.close()
    assert not seen.errors, seen.errors
    return traces


def test_wheel_carries_dashboards_and_sample_and_serves(tmp_path: Path) -> None:
    source = clone(tmp_path)
    run([sys.executable, "-m", "build", "--wheel", "--outdir", str(tmp_path / "dist"), str(source)])
    wheel = next((tmp_path / "dist").glob("stridekit-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    data = [n for n in names if ".data/data/share/stridekit/" in n]
    assert any(n.endswith("dashboards/overview.ipynb") for n in data)
    assert any(n.endswith("data/sample/sessions.csv") for n in data)
    assert sum(n.endswith(".fit.gz") for n in data) > 100
    assert "stridekit/py.typed" in names

    bin_dir = fresh_venv(tmp_path / "venv")
    run([str(bin_dir / "python"), "-m", "pip", "install", "--quiet", str(wheel)])
    port = free_port()
    url = f"http://127.0.0.1:{port}/voila/render/overview.ipynb"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    with serve(
        [str(bin_dir / "stridekit"), "serve", "--port", str(port)],
        url=url,
        ready=url,
        log_path=tmp_path / "serve.log",
        cwd=elsewhere,
        env={"STRIDEKIT_CACHE_DIR": str(tmp_path / "cache")},
    ):
        traces = render_overview(url)
    assert sum(len(t["x"]) for t in traces) > 20


# Served as a Jupyter server extension, as on Binder, Voila's page also loads MathJax from
# cdnjs; Binder has the internet, this machine does not, so the test answers it locally.
MATHJAX_HOST = "cdnjs.cloudflare.com"


def test_binder_environment_renders_every_dashboard(tmp_path: Path) -> None:
    repo = clone(tmp_path)
    bin_dir = fresh_venv(tmp_path / "venv")
    run(
        [
            str(bin_dir / "python"),
            "-m",
            "pip",
            "install",
            "--quiet",
            "-r",
            str(repo / "binder" / "requirements.txt"),
        ]
    )
    env_path = f"{bin_dir}:/usr/bin:/bin"
    run(["bash", str(repo / "binder" / "postBuild")], cwd=repo, env={"PATH": env_path})
    port = free_port()
    base = f"http://127.0.0.1:{port}/user/x"
    url = f"{base}/voila/render/dashboards/overview.ipynb"
    cmd = [
        str(bin_dir / "jupyter"),
        "lab",
        "--no-browser",
        f"--port={port}",
        "--ServerApp.base_url=/user/x/",
        "--ServerApp.ip=127.0.0.1",
        "--IdentityProvider.token=",
        "--allow-root",
    ]
    with serve(
        cmd,
        url=base,
        ready=f"{base}/api",
        log_path=tmp_path / "lab.log",
        cwd=repo,
        env={"PATH": env_path, "STRIDEKIT_CACHE_DIR": str(tmp_path / "cache")},
    ):
        traces = render_overview(url, answer=(FONT_AWESOME_HOST, MATHJAX_HOST))
        assert sum(len(t["x"]) for t in traces) > 20
        for key in DASHBOARDS:  # every dashboard opens on its own, as a link would open it
            if key == "overview":
                continue
            page = f"{base}/voila/render/dashboards/{key}.ipynb"
            drawn = render_overview(page, answer=(FONT_AWESOME_HOST, MATHJAX_HOST))
            assert any(len(t["x"]) for t in drawn), key
