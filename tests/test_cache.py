"""The per-file and whole-log cache: only new or changed files are parsed, damage is rebuilt,
the pool and the serial path agree, zips of recordings load, progress is per file."""

from __future__ import annotations

import re
import shutil
import zipfile
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from stridekit import TrainingLog
from stridekit.io import cache, loader
from stridekit.io.loader import load_log

TABLES = ("sessions", "laps", "samples", "sets")


@pytest.fixture(autouse=True)
def own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("STRIDEKIT_CACHE_DIR", str(folder))
    return folder


@pytest.fixture
def runs(fixtures: Path, tmp_path: Path) -> Path:
    """A folder of five real GPX runs and one FIT run."""
    folder = tmp_path / "runs"
    folder.mkdir()
    for gpx in sorted((fixtures / "gpx" / "year-of-runs").glob("*.gpx"))[:5]:
        shutil.copy(gpx, folder / gpx.name)
    shutil.copy(fixtures / "fit" / "fr45_run_8laps_1km_autolap.fit", folder / "watch.fit")
    return folder


def same(a: TrainingLog, b: TrainingLog) -> None:
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name))
    assert a.report.entries == b.report.entries


def test_unchanged_log_parses_nothing_and_a_new_file_is_parsed_alone(
    runs: Path, fixtures: Path, parsed: Counter[str]
) -> None:
    first = load_log(runs, tz="UTC", workers=1)
    assert sum(parsed.values()) == 6
    parsed.clear()
    again = load_log(runs, tz="UTC", workers=1)
    assert sum(parsed.values()) == 0
    same(first, again)
    assert again.fingerprint == first.fingerprint is not None

    extra = sorted((fixtures / "gpx" / "year-of-runs").glob("*.gpx"))[5]
    shutil.copy(extra, runs / extra.name)
    grown = load_log(runs, tz="UTC", workers=1)
    assert parsed == Counter({extra.name: 1})
    assert len(grown.sessions) == len(first.sessions) + 1
    assert grown.fingerprint != first.fingerprint
    fresh = load_log(runs, tz="UTC", use_cache=False, workers=1)
    same(grown, fresh)
    logs = list((cache.cache_root() / "logs").iterdir())
    assert [p.name for p in logs] == [grown.fingerprint], "the grown log replaced its old entry"


def test_a_changed_file_is_parsed_alone(runs: Path, parsed: Counter[str]) -> None:
    load_log(runs, tz="UTC", workers=1)
    parsed.clear()
    target = sorted(runs.glob("*.gpx"))[0]
    text = target.read_text(encoding="utf-8")
    assert "<name>" in text
    target.write_text(re.sub(r"<name>[^<]*</name>", "<name>Track session 6x800m</name>", text))
    log = load_log(runs, tz="UTC", workers=1)
    assert parsed == Counter({target.name: 1})
    titles = log.sessions.set_index("source")["title"]
    assert titles[str(target)] == "Track session 6x800m"


def test_a_corrupt_file_entry_is_rebuilt(runs: Path, own_cache: Path, parsed: Counter[str]) -> None:
    first = load_log(runs, tz="UTC", workers=1)
    root = own_cache / f"v{cache.CACHE_FORMAT}"
    entries = sorted((root / "files").rglob("*.parquet"))
    assert len(entries) == 6, "one entry per parsed file"
    entries[0].write_bytes(b"PAR1 not really")
    shutil.rmtree(root / "logs")  # so that the files are looked up one by one
    parsed.clear()
    again = load_log(runs, tz="UTC", workers=1)
    assert sum(parsed.values()) == 1, "only the damaged entry's file is parsed again"
    same(first, again)


def test_a_corrupt_whole_log_entry_is_rebuilt_from_the_file_entries(
    runs: Path, own_cache: Path, parsed: Counter[str]
) -> None:
    first = load_log(runs, tz="UTC", workers=1)
    (entry,) = (own_cache / f"v{cache.CACHE_FORMAT}" / "logs").iterdir()
    (entry / "samples.arrow").write_bytes(b"not arrow")
    parsed.clear()
    again = load_log(runs, tz="UTC", workers=1)
    assert sum(parsed.values()) == 0
    same(first, again)
    assert (entry / "samples.arrow").read_bytes() != b"not arrow", "rebuilt"


def test_a_new_reader_version_parses_everything_again(
    runs: Path, parsed: Counter[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    first = load_log(runs, tz="UTC", workers=1)
    parsed.clear()
    monkeypatch.setattr(loader, "READER_VERSION", loader.READER_VERSION + "-fixed")
    again = load_log(runs, tz="UTC", workers=1)
    assert sum(parsed.values()) == 6
    same(first, again)


def test_a_moved_folder_reuses_the_entries_under_its_new_path(
    runs: Path, tmp_path: Path, parsed: Counter[str]
) -> None:
    load_log(runs, tz="UTC", workers=1)
    moved = tmp_path / "elsewhere"
    shutil.copytree(runs, moved)
    parsed.clear()
    log = load_log(moved, tz="UTC", workers=1)
    assert sum(parsed.values()) == 0
    assert log.sessions["source"].str.startswith(str(moved)).all()
    assert all(e.path.startswith(str(moved)) for e in log.report)
    same(log, load_log(moved, tz="UTC", use_cache=False, workers=1))
    # moved entries and freshly parsed ones go together
    shutil.copy(sorted(runs.glob("*.gpx"))[0], moved / "copy.gpx")
    (moved / "copy.gpx").write_text((moved / "copy.gpx").read_text() + "\n")
    assert len(load_log(moved, tz="UTC", workers=1).report) == 7


def test_the_pool_and_the_serial_path_give_the_same_log(runs: Path, fixtures: Path) -> None:
    shutil.copy(fixtures / "fit" / "fr965_strength_27sets.fit", runs / "gym.fit")
    shutil.copy(fixtures / "fit" / "invalid" / "activity-unexpected-eof.fit", runs / "cut.fit")
    (runs / "notes.txt").write_text("not a log")
    serial = load_log(runs, tz="UTC", use_cache=False, workers=1)
    pooled = load_log(runs, tz="UTC", use_cache=False, workers=2)
    same(serial, pooled)
    cold_pool = load_log(runs, tz="UTC", workers=2)  # workers write the file entries
    same(serial, cold_pool)
    same(serial, load_log(runs, tz="UTC", workers=1))


def test_progress_is_called_once_per_file_in_order(runs: Path) -> None:
    files = sorted(str(p) for p in runs.iterdir())
    for _ in range(2):  # cold, then from the cache
        seen: list[tuple[int, int, str]] = []

        def progress(done: int, total: int, path: str, seen: list = seen) -> None:
            seen.append((done, total, path))

        load_log(runs, tz="UTC", workers=1, progress=progress)
        assert seen == [(i, len(files), f) for i, f in enumerate(files, start=1)]


def test_a_zip_of_recordings_loads_like_the_folder(runs: Path, tmp_path: Path) -> None:
    archive = tmp_path / "runs.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for f in sorted(runs.iterdir()):
            zf.write(f, f"export/{f.name}")
        zf.writestr("__MACOSX/export/._watch.fit", b"\x00\x05\x16\x07")
        zf.writestr("export/readme.md", "my runs")
    folder = load_log(runs, tz="UTC")
    zipped = load_log(archive, tz="UTC").validate()
    assert len(zipped.sessions) == len(folder.sessions) == 6
    pd.testing.assert_frame_equal(
        zipped.samples.drop(columns="session_id"), folder.samples.drop(columns="session_id")
    )
    assert {e.status for e in zipped.report} == {"ok"}
    assert {e.path for e in zipped.report} == {f"{archive}!export/{f.name}" for f in runs.iterdir()}
    # the same zip inside a folder, beside a loose recording
    outer = tmp_path / "outer"
    outer.mkdir()
    shutil.copy(archive, outer / "runs.zip")
    shutil.copy(sorted(runs.glob("*.gpx"))[0], outer / "loose.gpx")
    both = load_log(outer, tz="UTC")
    assert len(both.report) == 7
    kept_once = [e for e in both.report if e.status == "partial"]
    assert len(kept_once) == 1 and "kept once" in (kept_once[0].message or "")
    assert len(both.sessions) == 6


def test_a_zip_that_breaks_a_cap_is_reported_and_the_rest_read(
    runs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from stridekit.io import safety

    with zipfile.ZipFile(runs / "bomb.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("big.gpx", b"<gpx>" + b" " * 3_000_000 + b"</gpx>")
    monkeypatch.setattr(safety, "MAX_RATIO", 10)
    log = load_log(runs, tz="UTC")
    bad = [e for e in log.report if e.status == "skipped"]
    assert len(bad) == 1 and "bomb.zip" in bad[0].path and "MAX_RATIO" in (bad[0].message or "")
    assert len(log.sessions) == 6


def test_cached_frame_computes_once_and_rebuilds_damage(own_cache: Path) -> None:
    calls = []

    def compute() -> pd.DataFrame:
        calls.append(1)
        return pd.DataFrame({"week": pd.to_datetime(["2025-01-06"]), "km": [42.5]})

    first = cache.cached_frame("f" * 32, "weekly", 1, compute)
    second = cache.cached_frame("f" * 32, "weekly", 1, compute)
    assert len(calls) == 1
    pd.testing.assert_frame_equal(first, second)
    cache.cached_frame("f" * 32, "weekly", 2, compute)  # a new version
    assert len(calls) == 2
    for entry in (own_cache / f"v{cache.CACHE_FORMAT}" / "results").iterdir():
        entry.write_bytes(b"garbage")
    pd.testing.assert_frame_equal(cache.cached_frame("f" * 32, "weekly", 1, compute), first)
    assert len(calls) == 3
    cache.cached_frame(None, "weekly", 1, compute)  # a log without a fingerprint
    assert len(calls) == 4


def test_a_selection_has_its_own_fingerprint(runs: Path) -> None:
    log = load_log(runs, tz="UTC")
    ids = log.sessions["session_id"].tolist()
    part = log.select(ids[:2])
    assert part.fingerprint not in (None, log.fingerprint)
    assert log.select(ids[:2]).fingerprint == part.fingerprint
    assert log.select(ids[1:3]).fingerprint != part.fingerprint


def test_no_temporary_files_are_left(runs: Path, own_cache: Path) -> None:
    load_log(runs, tz="UTC", workers=2)
    leftovers = [p for p in own_cache.rglob("*") if p.name.startswith(".")]
    assert leftovers == []
