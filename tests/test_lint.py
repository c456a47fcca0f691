"""The code stays clean: ruff (lint and format) and mypy on the package, as `make lint`."""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import ROOT

CHECKS = {
    "ruff check": [sys.executable, "-m", "ruff", "check", "stridekit", "tests", "bench"],
    "ruff format": [
        sys.executable,
        "-m",
        "ruff",
        "format",
        "--check",
        "stridekit",
        "tests",
        "bench",
    ],
    "mypy": [sys.executable, "-m", "mypy"],
}


@pytest.mark.parametrize("name", list(CHECKS))
def test_clean(name: str) -> None:
    result = subprocess.run(CHECKS[name], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, f"{name}:\n{result.stdout}\n{result.stderr}"
