"""The API reference builds from the docstrings and documents the public API."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_api_reference_builds_and_documents_the_public_api(tmp_path: Path) -> None:
    out = tmp_path / "api"
    result = subprocess.run(
        [sys.executable, str(ROOT / "docs" / "build_api.py"), str(out)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    assert (out / "index.html").is_file()
    top = (out / "stridekit.html").read_text(encoding="utf-8")
    for name in ("load_log", "read_activity", "detect_intervals", "TrainingLog"):
        assert f'id="{name}"' in top, name
    intervals = (out / "stridekit" / "analysis" / "intervals.html").read_text(encoding="utf-8")
    assert 'id="detect_intervals"' in intervals
    assert "start_s" in intervals  # the numpydoc body, not just the signature
    for page in ("strength", "load", "habits", "stride", "race", "progression", "classify"):
        assert (out / "stridekit" / "analysis" / f"{page}.html").is_file(), page
    assert (out / "stridekit" / "charts" / "weekly.html").is_file()
    assert (out / "stridekit" / "io" / "loader.html").is_file()
    assert not list(out.rglob("_*.html")), "private modules stay out"
