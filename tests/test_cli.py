"""The command line: sample writes the sample; bad input is one line, never a traceback."""

from __future__ import annotations

import filecmp
import subprocess
import sys
import zipfile
from pathlib import Path

from conftest import SAMPLE

from stridekit.cli import main


def stridekit(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "stridekit.cli", *args], capture_output=True, text=True
    )


def test_sample_command_writes_the_committed_sample(tmp_path: Path) -> None:
    assert main(["sample", "--to", str(tmp_path / "s")]) == 0
    compared = filecmp.dircmp(SAMPLE, tmp_path / "s")
    assert not compared.left_only and not compared.right_only and not compared.diff_files
    runs = filecmp.dircmp(SAMPLE / "runs", tmp_path / "s" / "runs")
    assert not runs.diff_files and not runs.left_only


def test_sample_command_takes_weeks_and_seed(tmp_path: Path) -> None:
    assert main(["sample", "--to", str(tmp_path / "a"), "--weeks", "3", "--seed", "1"]) == 0
    runs = sorted(p.name for p in (tmp_path / "a" / "runs").iterdir())
    assert 8 <= len(runs) <= 15 and all(name.endswith(".fit.gz") for name in runs)


def test_sample_command_writes_tcx_on_request(tmp_path: Path) -> None:
    argv = ["sample", "--to", str(tmp_path / "t"), "--weeks", "2", "--format", "tcx"]
    assert main(argv) == 0
    runs = sorted(p.name for p in (tmp_path / "t" / "runs").iterdir())
    assert runs and all(name.endswith(".tcx.gz") for name in runs)


def test_sample_command_writes_a_strava_export(tmp_path: Path) -> None:
    result = stridekit(
        "sample", "--to", str(tmp_path / "x.zip"), "--years", "0.05", "--format", "strava-zip"
    )
    assert result.returncode == 0, result.stderr
    assert "activities" in result.stdout and str(tmp_path / "x.zip") in result.stdout
    with zipfile.ZipFile(tmp_path / "x.zip") as zf:
        names = zf.namelist()
    assert "activities.csv" in names
    assert any(n.startswith("activities/") and n.endswith(".fit.gz") for n in names)
    both = stridekit("sample", "--to", str(tmp_path / "y"), "--weeks", "1", "--years", "1")
    assert both.returncode == 2 and "not allowed with" in both.stderr


def test_serve_on_a_missing_log_is_one_clear_line(tmp_path: Path) -> None:
    result = stridekit("serve", str(tmp_path / "missing"), "--port", "1")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "no such file or folder" in result.stderr


def test_usage_errors_are_argparse_messages() -> None:
    result = stridekit("frobnicate")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "invalid choice" in result.stderr


def test_unwritable_target_is_one_clear_line(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = stridekit("sample", "--to", str(blocker / "sample"), "--weeks", "1")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and "stridekit: error:" in result.stderr
