"""The notebook progress bar follows a real import file by file and ends full."""

from __future__ import annotations

from pathlib import Path

import stridekit
from stridekit.dashboard.progress import ProgressBar


def test_progress_bar_follows_a_real_load(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("STRIDEKIT_CACHE_DIR", str(tmp_path / "cache"))
    calls: list[tuple[int, int, str]] = []
    bar = ProgressBar("Reading the sample", min_interval_s=0.0)

    def spy(done: int, total: int, path: str) -> None:
        calls.append((done, total, path))
        bar(done, total, path)

    log = stridekit.load_log(stridekit.sample_path(), progress=spy)

    assert len(log.sessions) > 0
    done, total, _ = calls[-1]
    assert done == total > 1
    assert bar.bar.max == total and bar.bar.value == total
    assert bar.bar.bar_style == "success"
    assert f"{total:,} of {total:,} files" in bar.text.value
    assert [c[0] for c in calls] == sorted(c[0] for c in calls)


def test_progress_bar_throttles_but_always_draws_the_end() -> None:
    bar = ProgressBar("Reading", min_interval_s=3600)
    bar(1, 1000, "a.fit")  # first call draws
    bar(500, 1000, "b.fit")  # throttled
    assert bar.bar.value == 1
    bar(1000, 1000, "c.fit")
    assert bar.bar.value == 1000
    assert "c.fit" in bar.text.value and "<" not in bar.label


def test_progress_bar_escapes_file_names() -> None:
    bar = ProgressBar("Reading", min_interval_s=0.0)
    bar(1, 1, "<script>.gpx")
    assert "<script>" not in bar.text.value
    assert "&lt;script&gt;.gpx" in bar.text.value
