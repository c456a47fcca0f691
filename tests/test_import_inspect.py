"""`stridekit import` and `stridekit inspect`: stored logs, privacy trimming, the JSON contract."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import SAMPLE

from stridekit.errors import StridekitError
from stridekit.importing import import_log
from stridekit.io.loader import load_log
from stridekit.privacy import _haversine_m

FIRST_RUN = sorted((SAMPLE / "runs").iterdir())[0]


@pytest.fixture(autouse=True)
def own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STRIDEKIT_CACHE_DIR", str(tmp_path / "cache"))


def stridekit(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "stridekit.cli", *args], capture_output=True, text=True
    )


def test_import_then_load_gives_equal_tables(tmp_path: Path) -> None:
    original = load_log(SAMPLE)
    result = stridekit("import", str(SAMPLE), "--to", str(tmp_path / "mine"))
    assert result.returncode == 0, result.stderr
    names = {p.name for p in (tmp_path / "mine").iterdir()}
    assert names == {
        "sessions.parquet",
        "laps.parquet",
        "samples.parquet",
        "sets.parquet",
        "report.json",
    }
    back = load_log(tmp_path / "mine")
    for table in ("sessions", "laps", "samples", "sets"):
        pd.testing.assert_frame_equal(getattr(original, table), getattr(back, table))
    assert len(back.report) == len(original.report)


def test_privacy_radius_blanks_positions_near_start_and_end(tmp_path: Path) -> None:
    log = import_log(SAMPLE, tmp_path / "shared", privacy_radius_m=500)
    original = load_log(SAMPLE)
    for sid, rows in original.samples.groupby("session_id"):
        located = rows.dropna(subset=["lat_deg", "lon_deg"])
        if located.empty:
            continue
        lat, lon = located["lat_deg"].to_numpy(), located["lon_deg"].to_numpy()
        near = np.zeros(len(located), dtype=bool)
        for i in (0, -1):
            near |= _haversine_m(lat, lon, lat[i], lon[i]) <= 500
        kept = log.samples.loc[located.index]
        assert kept.loc[near, "lat_deg"].isna().all(), sid
        assert kept.loc[~near, "lat_deg"].notna().all(), sid
    assert log.samples["lat_deg"].notna().any(), "positions far from home are kept"
    pd.testing.assert_series_equal(log.samples["distance_m"], original.samples["distance_m"])


def test_drop_positions_and_refusals(tmp_path: Path) -> None:
    log = import_log(SAMPLE, tmp_path / "none", drop_all_positions=True)
    assert log.samples["lat_deg"].isna().all() and log.samples["lon_deg"].isna().all()
    with pytest.raises(StridekitError, match="never writes into the folder it reads"):
        import_log(SAMPLE, SAMPLE / "out")
    result = stridekit(
        "import",
        str(SAMPLE),
        "--to",
        str(tmp_path / "x"),
        "--privacy-radius",
        "500",
        "--drop-positions",
    )
    assert result.returncode == 2 and "not allowed with" in result.stderr


def test_inspect_json_contract(fixtures: Path) -> None:
    tcx = fixtures / "tcx" / "garmin_run_2012_3laps_distance_trigger.tcx"
    truncated = fixtures / "fit" / "invalid" / "activity-settings-nodata.fit"
    broken = fixtures / "fit" / "Settings.fit"  # settings, no activity
    result = stridekit("inspect", str(FIRST_RUN), str(tcx), str(truncated), str(broken), "--json")
    assert result.returncode == 1, "one file is an error"
    listed = json.loads(result.stdout)
    assert [r["path"] for r in listed] == [str(FIRST_RUN), str(tcx), str(truncated), str(broken)]
    for r in listed:
        assert set(r) == {"path", "format", "status", "error", "sessions"}
        for s in r["sessions"]:
            assert set(s) == {
                "sport",
                "start_utc",
                "distance_m",
                "duration_s",
                "samples",
                "laps",
                "sets",
            }
            assert all(isinstance(s[k], int) for k in ("samples", "laps", "sets"))
    assert listed[0]["status"] == "ok" and listed[0]["format"] == "fit"
    garmin = listed[1]["sessions"][0]
    assert garmin["laps"] == 3 and garmin["samples"] == 384
    assert garmin["distance_m"] == pytest.approx(4689.2, abs=0.05)
    assert garmin["start_utc"].endswith("Z")
    assert listed[2]["status"] == "partial" and "truncated" in listed[2]["error"]
    assert listed[2]["sessions"], "what was readable is kept"
    assert listed[3]["status"] == "error" and listed[3]["error"]
    assert listed[3]["sessions"] == []
    ok = stridekit("inspect", str(tcx), str(truncated), "--json")
    assert ok.returncode == 0 and "Traceback" not in ok.stderr
