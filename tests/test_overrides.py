"""A log folder's ``overrides.csv``: the runner's corrections to how runs are classified."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import stridekit


@pytest.fixture()
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("STRIDEKIT_CACHE_DIR", str(tmp_path / "cache"))
    return Path(shutil.copytree(stridekit.sample_path(), tmp_path / "log"))


def test_overrides_csv_in_the_log_folder_corrects_a_run(folder: Path) -> None:
    before = stridekit.load_log(folder)
    easy = before.sessions[before.sessions["kind"] == "easy"]["session_id"].iloc[0]
    (folder / "overrides.csv").write_text(
        f"session_id,kind,note\n{easy},tempo,felt like a threshold run\n"
    )
    after = stridekit.load_log(folder)
    row = after.sessions.set_index("session_id").loc[easy]
    assert (row["kind"], row["focus"]) == ("tempo", "speed")
    assert "threshold" in row["reason"]
    others = after.sessions["session_id"] != easy
    assert (
        after.sessions.loc[others, "kind"].to_numpy()
        == before.sessions.loc[before.sessions["session_id"] != easy, "kind"].to_numpy()
    ).all()
    entry = [e for e in after.report if e.path.endswith("overrides.csv")]
    assert [e.status for e in entry] == ["ok"]
    assert len(after.sessions) == len(before.sessions), "the file is not read as a log"


def test_a_bad_overrides_file_is_reported_and_the_log_still_loads(folder: Path) -> None:
    (folder / "overrides.csv").write_text("session_id,kind\nx,sprint-ish\n")
    log = stridekit.load_log(folder)
    entry = next(e for e in log.report if e.path.endswith("overrides.csv"))
    assert entry.status == "skipped"
    assert "overrides.csv" in (entry.message or "") and "docs/analysis.md" in (entry.message or "")
    assert len(log.sessions) == 223
