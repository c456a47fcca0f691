"""Pruning the cache: stale entries go, fresh ones and entries being written stay, and loads
running meanwhile are never hurt."""

from __future__ import annotations

import os
import shutil
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

from stridekit import TrainingLog
from stridekit.io import cache, loader
from stridekit.io.loader import load_log

TABLES = ("sessions", "laps", "samples", "sets")
DAY = 86400.0


@pytest.fixture(autouse=True)
def own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("STRIDEKIT_CACHE_DIR", str(folder))
    return folder


@pytest.fixture
def runs(fixtures: Path, tmp_path: Path) -> Path:
    """A folder of three real GPX runs and one FIT run."""
    folder = tmp_path / "runs"
    folder.mkdir()
    for gpx in sorted((fixtures / "gpx" / "year-of-runs").glob("*.gpx"))[:3]:
        shutil.copy(gpx, folder / gpx.name)
    shutil.copy(fixtures / "fit" / "fr45_run_8laps_1km_autolap.fit", folder / "watch.fit")
    return folder


def same(a: TrainingLog, b: TrainingLog) -> None:
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name))


def file_entries() -> list[Path]:
    return sorted((cache.cache_root() / "files").rglob("*.parquet"))


def age(path: Path, days: float) -> None:
    """Make ``path`` look last used ``days`` ago."""
    then = time.time() - days * DAY
    os.utime(path, (then, then))


def test_entries_unused_for_long_go_and_reading_an_entry_keeps_it(runs: Path) -> None:
    first = load_log(runs, tz="UTC", workers=1)
    entries = file_entries()
    assert len(entries) == 4
    (log_entry,) = (cache.cache_root() / "logs").iterdir()
    for path in [*entries, log_entry]:
        age(path, cache.PRUNE_AFTER_DAYS + 1)
    used = entries[0]
    key = used.stem
    assert cache.load_file(key, "anywhere") is not None  # a hit marks it used
    pruned = cache.prune(readers=loader.readers_version())
    assert file_entries() == [used]
    assert not log_entry.exists()
    owners = list((cache.cache_root() / "owners").iterdir())
    assert owners == []  # the pointer to the deleted log went with it
    assert {*entries[1:], log_entry} <= set(pruned.removed)
    assert pruned.freed > 0
    # what is left still loads, and the pruned files are parsed again, to the same log
    same(load_log(runs, tz="UTC", workers=1), first)
    assert len(file_entries()) == 4


def test_entries_of_other_readers_and_other_formats_go_whatever_their_age(
    runs: Path, own_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_log(runs, tz="UTC", workers=1)
    old = file_entries()
    old_format = own_cache / f"v{cache.CACHE_FORMAT - 1}" / "files" / "ab" / "abcd.parquet"
    old_format.parent.mkdir(parents=True)
    old_format.write_bytes(b"an entry of an older layout")
    # a reader fix: new keys, and the old entries are never asked for again
    monkeypatch.setattr(loader, "READER_VERSION", loader.READER_VERSION + "-fixed")
    load_log(runs, tz="UTC", workers=1)
    assert len(file_entries()) == 8
    pruned = cache.prune(readers=loader.readers_version())
    assert sorted(set(file_entries())) == sorted(set(file_entries()) - set(old))
    assert len(file_entries()) == 4
    assert not old_format.exists()
    assert set(old) | {old_format} <= set(pruned.removed)
    # without a readers' version, only age decides
    assert cache.prune().removed == []


def test_temporary_files_being_written_are_kept_abandoned_ones_go(
    runs: Path, own_cache: Path
) -> None:
    load_log(runs, tz="UTC", workers=1)
    shard = file_entries()[0].parent
    writing = shard / ".0123-abcd.tmp"
    writing.write_bytes(b"half an entry")
    abandoned = shard / ".4567-efgh.tmp"
    abandoned.write_bytes(b"left by a process that died")
    age(abandoned, 1)
    log_writing = cache.cache_root() / "logs" / ".feed-1234"
    log_writing.mkdir()
    (log_writing / "samples.parquet").write_bytes(b"being written")
    old_format_writing = own_cache / "v1" / "files" / "cd" / ".cdef-0000.tmp"
    old_format_writing.parent.mkdir(parents=True)
    old_format_writing.write_bytes(b"an older stridekit is writing this")
    pruned = cache.prune(max_age_days=0, readers=loader.readers_version())
    assert writing.exists() and log_writing.exists() and old_format_writing.exists()
    assert not abandoned.exists()
    assert abandoned in pruned.removed
    assert file_entries() == []  # max_age_days=0: every finished entry is stale


def test_prune_if_due_runs_at_most_once_a_day(runs: Path) -> None:
    load_log(runs, tz="UTC", workers=1)  # the first use starts the clock
    marker = cache.cache_root() / "last-prune"
    assert marker.is_file()
    for path in file_entries():
        age(path, cache.PRUNE_AFTER_DAYS + 1)
    assert cache.prune_if_due() is None  # pruned less than a day ago
    age(marker, 1.5)
    pruned = cache.prune_if_due()
    assert pruned is not None and len(pruned.removed) == 4
    assert cache.prune_if_due() is None


def test_loads_running_while_everything_is_pruned_are_unharmed(runs: Path) -> None:
    reference = load_log(runs, tz="UTC", use_cache=False, workers=1)
    errors: list[BaseException] = []
    stop = threading.Event()

    def prune_all_the_time() -> None:
        while not stop.is_set():
            try:
                cache.prune(max_age_days=0, readers=loader.readers_version())
            except BaseException as exc:
                errors.append(exc)
                return

    pruner = threading.Thread(target=prune_all_the_time)
    pruner.start()
    try:
        for _ in range(6):
            same(load_log(runs, tz="UTC", workers=1), reference)
    finally:
        stop.set()
        pruner.join()
    assert not errors
