"""Crash safety (issue 6, part 4): a cache write killed midway (a real SIGKILL), damaged
entries, stale temporary files, two processes loading one log at once, and a load while
``stridekit import`` writes its folder.

The kills are deterministic: the child process replaces ``os.replace`` (or
``pyarrow.parquet.write_table``) with a version that, at the chosen write, cuts the file it
was writing short, tells the parent on stdout and waits; the parent then kills it with
SIGKILL. Nothing here waits on a clock: the parent blocks on the child's pipe.
"""

from __future__ import annotations

import os
import pickle
import select
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from conftest import ROOT

from stridekit import TrainingLog
from stridekit.errors import StridekitError
from stridekit.io import cache, loader, store
from stridekit.io.loader import load_log

TABLES = ("sessions", "laps", "samples", "sets")
OLD = time.time() - 2 * store.STALE_TEMP_S  # the mtime of a temporary left long ago

# The child: argv = mode, nth, then the mode's arguments. At the nth write of its kind it
# cuts that write short (as a kill midway through it would leave it), prints "paused <path>"
# and waits for a signal: SIGKILL ends it there, SIGUSR1 lets the write go on.
CHILD = r"""
import os, signal, sys
from pathlib import Path
import pyarrow.parquet as pq

mode, nth, args = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
signal.signal(signal.SIGUSR1, lambda *_: None)
real_replace, real_write = os.replace, pq.write_table
seen = 0


def pause(path):
    print("paused", path, flush=True)
    signal.pause()


def cut(path):
    with open(path, "r+b") as fh:
        fh.truncate(os.path.getsize(path) // 2)


def replace(src, dst, *a, **kw):
    global seen
    s, d = Path(src), Path(dst)
    hit = (
        (mode == "file" and s.name.startswith(".") and d.parent.parent.name == "files")
        or (mode == "log" and s.is_dir() and d.parent.name == "logs")
        or (mode == "import-replace" and d == Path(args[1]) / "samples.parquet")
    )
    if hit:
        seen += 1
        if seen == nth:
            if mode == "file":
                cut(s)
            elif mode == "log":  # the samples half written, the sets and report not yet
                cut(s / "samples.arrow")
                (s / "sets.arrow").unlink()
                (s / "report.json").unlink()
            pause(s)
    return real_replace(src, dst, *a, **kw)


def write_table(table, where, *a, **kw):
    real_write(table, where, *a, **kw)
    w = Path(where)
    if mode == "import-write" and w.parent == Path(args[1]) and "samples.parquet" in w.name:
        cut(w)
        pause(w)


os.replace, pq.write_table = replace, write_table

if mode in ("file", "log"):
    from stridekit.io.loader import load_log

    load_log(args[0], tz="UTC", workers=1)
else:
    from stridekit.importing import import_log

    radius = float(args[2]) if len(args) > 2 else None
    import_log(args[0], args[1], privacy_radius_m=radius, tz="UTC")
print("finished", flush=True)
"""

# A loader started with others: it says "ready", waits for "go" on stdin, loads, pickles.
RACER = r"""
import pickle, sys
from stridekit.io.loader import load_log

folder, workers, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
print("ready", flush=True)
assert sys.stdin.readline().strip() == "go"
log = load_log(folder, tz="UTC", workers=workers)
tables = {name: getattr(log, name) for name in ("sessions", "laps", "samples", "sets")}
with open(out, "wb") as fh:
    pickle.dump((tables, [e.__dict__ for e in log.report], log.fingerprint), fh)
print("finished", flush=True)
"""


# Loaded by every Python process started with its folder on PYTHONPATH, the worker
# processes of a pool included: in the first worker to rename a file entry into place, it
# cuts the entry short, prints "paused <pid> <path>" and waits to be killed.
SITECUSTOMIZE = r"""
import multiprocessing, os, signal, sys
from pathlib import Path

marker = os.environ.get("STRIDEKIT_TEST_KILL_WORKER")
if marker:
    real_replace = os.replace

    def replace(src, dst, *a, **kw):
        s, d = Path(src), Path(dst)
        if (
            multiprocessing.parent_process() is not None
            and s.name.startswith(".")
            and d.parent.parent.name == "files"
        ):
            try:
                os.close(os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
            except FileExistsError:
                pass
            else:
                with open(s, "r+b") as fh:
                    fh.truncate(s.stat().st_size // 2)
                print("paused", os.getpid(), s, flush=True)
                signal.pause()
        return real_replace(src, dst, *a, **kw)

    os.replace = replace
"""


def forget_code_digests() -> None:
    """The readers' and the pipeline's source digests (part of every cache key) computed
    again, as the child processes compute them now: this process may have computed them
    before an edit of the working tree, which would make every key differ from theirs."""
    loader._readers_source.cache_clear()
    loader._pipeline_source.cache_clear()


@pytest.fixture(autouse=True)
def fresh_code_digests() -> None:
    forget_code_digests()


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("STRIDEKIT_CACHE_DIR", str(folder))
    return folder


@pytest.fixture
def runs(fixtures: Path, tmp_path: Path) -> Path:
    """A runner's folder: four real GPX runs, two FIT files (a run, a strength session with
    sets) and a gzipped TCX run."""
    import gzip

    folder = tmp_path / "runs"
    folder.mkdir()
    for gpx in sorted((fixtures / "gpx" / "year-of-runs").glob("*.gpx"))[10:14]:
        shutil.copy(gpx, folder / gpx.name)
    shutil.copy(fixtures / "fit" / "fr45_run_8laps_1km_autolap.fit", folder / "watch.fit")
    shutil.copy(fixtures / "fit" / "fr965_strength_27sets.fit", folder / "gym.fit")
    tcx = (fixtures / "tcx" / "garmin_run_2012_3laps_distance_trigger.tcx").read_bytes()
    (folder / "laps.tcx.gz").write_bytes(gzip.compress(tcx, mtime=0))
    for f in folder.iterdir():  # settled files: their keys are remembered in the cache
        os.utime(f, (OLD, OLD))
    return folder


def same(a: TrainingLog, b: TrainingLog) -> None:
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), obj=name)
    assert a.report.entries == b.report.entries


def clean(folder: Path) -> TrainingLog:
    """The log read without any cache: what every load must give."""
    return load_log(folder, tz="UTC", use_cache=False, workers=1)


def root_of(cache_folder: Path) -> Path:
    return cache_folder / f"v{cache.CACHE_FORMAT}"


def temporaries(cache_folder: Path) -> list[Path]:
    return sorted(p for p in cache_folder.rglob(".*"))


def assert_consistent(cache_folder: Path, files: int) -> None:
    """Every entry reads back whole, one whole-log entry, no temporary file left."""
    root = root_of(cache_folder)
    entries = sorted((root / "files").rglob("*.parquet"))
    visible = [p for p in entries if not p.name.startswith(".")]
    assert len(visible) == files
    for entry in visible:
        assert cache.load_file(entry.stem, "x", root) is not None, entry
    logs = [p for p in (root / "logs").iterdir() if not p.name.startswith(".")]
    assert len(logs) == 1 and cache.load(logs[0].name) is not None
    assert temporaries(cache_folder) == []


def child_env(cache_folder: Path) -> dict[str, str]:
    return {**os.environ, "STRIDEKIT_CACHE_DIR": str(cache_folder)}


def start_paused(mode: str, nth: int, *args: str, env: dict[str, str]) -> tuple[Any, Path]:
    """Start the child and return it once it has paused at its kill point."""
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, mode, str(nth), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=ROOT,
    )
    assert proc.stdout is not None
    ready, _, _ = select.select([proc.stdout], [], [], 600)
    line = proc.stdout.readline() if ready else ""
    if not line.startswith("paused "):
        proc.kill()
        out, err = proc.communicate()
        pytest.fail(f"the child never reached its kill point ({mode} #{nth}): {line}{out}{err}")
    return proc, Path(line.split(" ", 1)[1].strip())


def kill(proc: Any) -> None:
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate()
    assert proc.returncode == -signal.SIGKILL


def age(path: Path) -> None:
    """Make a temporary look as if it had been left long ago."""
    for p in [path, *path.rglob("*")] if path.is_dir() else [path]:
        os.utime(p, (OLD, OLD))


def test_a_killed_file_entry_write_is_ignored_rebuilt_and_swept(
    runs: Path, cache_dir: Path, parsed: Counter[str]
) -> None:
    proc, partial = start_paused("file", 3, str(runs), env=child_env(cache_dir))
    kill(proc)
    root = root_of(cache_dir)
    assert (
        partial.is_file() and partial.name.startswith(".") and partial.parent.parent.name == "files"
    )
    whole = [p for p in (root / "files").rglob("*.parquet") if not p.name.startswith(".")]
    assert len(whole) == 2, "two entries were written before the kill, the third was cut short"
    assert not (root / "logs").exists() or not any((root / "logs").iterdir())

    expected = clean(runs)
    parsed.clear()
    log = load_log(runs, tz="UTC", workers=1)
    same(log, expected)
    assert sum(parsed.values()) == 7 - 2, "the two whole entries are used, the rest parsed"
    assert partial.exists(), "a young temporary may be another process' write: left alone"
    age(partial)
    load_log(runs, tz="Europe/Berlin", workers=1)  # any whole-log write sweeps
    assert not partial.exists(), "the stale temporary was removed"
    parsed.clear()
    same(load_log(runs, tz="UTC", workers=1), expected)
    assert sum(parsed.values()) == 0
    shutil.rmtree(root / "logs")
    shutil.rmtree(root / "owners")
    load_log(runs, tz="UTC", workers=1)
    assert_consistent(cache_dir, files=14)  # the files' entries for both time zones


def test_a_killed_whole_log_write_is_ignored_rebuilt_and_swept(
    runs: Path, cache_dir: Path, parsed: Counter[str]
) -> None:
    proc, partial = start_paused("log", 1, str(runs), env=child_env(cache_dir))
    kill(proc)
    root = root_of(cache_dir)
    assert partial.is_dir() and partial.parent == root / "logs" and partial.name.startswith(".")
    assert [p.name for p in (root / "logs").iterdir()] == [partial.name], "no entry in place"

    expected = clean(runs)
    parsed.clear()
    log = load_log(runs, tz="UTC", workers=1)
    same(log, expected)
    assert sum(parsed.values()) == 0, "the files' entries were whole: nothing is parsed"
    assert (root / "logs" / str(log.fingerprint)).is_dir()
    assert partial.exists()
    age(partial)
    shutil.rmtree(root / "logs" / str(log.fingerprint))  # so that the next load writes
    same(load_log(runs, tz="UTC", workers=1), expected)
    assert not partial.exists(), "the stale temporary folder was removed"
    assert_consistent(cache_dir, files=7)


def test_a_worker_killed_while_writing_an_entry_leaves_a_correct_load(
    runs: Path, tmp_path: Path, cache_dir: Path
) -> None:
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf-8")
    env = child_env(cache_dir)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(hook), env.get("PYTHONPATH")]))
    env["STRIDEKIT_TEST_KILL_WORKER"] = str(tmp_path / "killed-one")
    proc = subprocess.Popen(
        [sys.executable, "-c", RACER, str(runs), "2", str(tmp_path / "log.pkl")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=ROOT,
    )
    assert proc.stdin is not None and proc.stdout is not None
    assert proc.stdout.readline().strip() == "ready"
    proc.stdin.write("go\n")
    proc.stdin.flush()
    ready, _, _ = select.select([proc.stdout], [], [], 600)
    line = proc.stdout.readline() if ready else ""
    if not line.startswith("paused "):
        proc.kill()
        pytest.fail(f"no worker reached its kill point: {line}{proc.communicate()}")
    _, pid, path = line.split(" ", 2)
    partial = Path(path.strip())
    os.kill(int(pid), signal.SIGKILL)  # the worker, not the loading process
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == 0 and "finished" in out, err

    expected = clean(runs)
    with open(tmp_path / "log.pkl", "rb") as fh:
        tables, entries, _ = pickle.load(fh)
    for name in TABLES:
        pd.testing.assert_frame_equal(tables[name], getattr(expected, name), obj=name)
    assert entries == [e.__dict__ for e in expected.report]
    assert partial.is_file() and partial.parent.parent.name == "files", "left half written"
    same(load_log(runs, tz="UTC", workers=1), expected)
    # the killed worker's half entry, and any entry the other worker was writing when the
    # broken pool was shut down: all orphans now, swept once they are old
    assert partial in temporaries(cache_dir)
    for orphan in temporaries(cache_dir):
        age(orphan)
    shutil.rmtree(root_of(cache_dir) / "logs")
    same(load_log(runs, tz="UTC", workers=1), expected)
    assert_consistent(cache_dir, files=7)


def _plant(root: Path, damage: str) -> None:
    files = sorted((root / "files").rglob("*.parquet"))
    (entry,) = (root / "logs").iterdir()
    if damage == "file entry cut short":
        data = files[0].read_bytes()
        files[0].write_bytes(data[: len(data) // 2])
        shutil.rmtree(entry)
    elif damage == "file entry garbage":
        files[1].write_bytes(b"PAR1" + b"\x00" * 100 + b"PAR1")
        shutil.rmtree(entry)
    elif damage == "file entry empty":
        files[2].write_bytes(b"")
        shutil.rmtree(entry)
    elif damage == "whole-log samples cut short":
        data = (entry / "samples.arrow").read_bytes()
        (entry / "samples.arrow").write_bytes(data[: len(data) // 2])
    elif damage == "whole-log report missing":
        (entry / "report.json").unlink()
    elif damage == "whole-log report garbage":
        (entry / "report.json").write_text("[{")
    elif damage == "whole-log entry is a file":
        shutil.rmtree(entry)
        entry.write_bytes(b"garbage")
    elif damage == "stat memo and owner garbage":
        for p in [*(root / "stat").iterdir(), *(root / "owners").iterdir()]:
            p.write_bytes(b"\x00{not json../../")
        shutil.rmtree(entry)
    # stale temporaries beside the damage: ignored, then swept (they are old)
    for folder in (files[0].parent, root / "logs", root / "stat"):
        folder.mkdir(parents=True, exist_ok=True)
        junk = folder / f".{'0' * 32}-abcdefgh.tmp"
        junk.write_bytes(b"PAR1 half")
        age(junk)


DAMAGE = [
    ("file entry cut short", 1),
    ("file entry garbage", 1),
    ("file entry empty", 1),
    ("whole-log samples cut short", 0),
    ("whole-log report missing", 0),
    ("whole-log report garbage", 0),
    ("whole-log entry is a file", 0),
    ("stat memo and owner garbage", 0),
]


@pytest.mark.parametrize(("damage", "reparsed"), DAMAGE)
def test_a_damaged_entry_is_detected_and_rebuilt(
    runs: Path, cache_dir: Path, parsed: Counter[str], damage: str, reparsed: int
) -> None:
    first = load_log(runs, tz="UTC", workers=1)
    _plant(root_of(cache_dir), damage)
    parsed.clear()
    again = load_log(runs, tz="UTC", workers=1)
    assert sum(parsed.values()) == reparsed
    same(again, first)
    same(again, clean(runs))
    assert again.fingerprint == first.fingerprint
    assert_consistent(cache_dir, files=7)
    parsed.clear()
    same(load_log(runs, tz="UTC", workers=1), first)
    assert sum(parsed.values()) == 0, "rebuilt: the next load parses nothing"


def test_a_damaged_result_entry_is_recomputed(cache_dir: Path) -> None:
    calls = []

    def compute() -> pd.DataFrame:
        calls.append(1)
        return pd.DataFrame({"week": pd.to_datetime(["2025-01-06", "2025-01-13"]), "km": [4, 2]})

    first = cache.cached_frame("a" * 32, "weekly", 1, compute)
    (entry,) = (root_of(cache_dir) / "results").iterdir()
    data = entry.read_bytes()
    entry.write_bytes(data[: len(data) // 2])
    pd.testing.assert_frame_equal(cache.cached_frame("a" * 32, "weekly", 1, compute), first)
    assert len(calls) == 2
    pd.testing.assert_frame_equal(cache.cached_frame("a" * 32, "weekly", 1, compute), first)
    assert len(calls) == 2, "rebuilt"


def _race(folder: Path, cache_folder: Path, out: Path, workers: list[int]) -> list[Any]:
    """Start one loader per entry of ``workers``, release them together, return results."""
    procs = []
    for i, n in enumerate(workers):
        procs.append(
            subprocess.Popen(
                [sys.executable, "-c", RACER, str(folder), str(n), str(out / f"{i}.pkl")],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env=child_env(cache_folder),
                cwd=ROOT,
            )
        )
    for proc in procs:  # the barrier: every loader is up and waiting
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.write("go\n")
        proc.stdin.flush()
    results = []
    for i, proc in enumerate(procs):
        _, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err
        with open(out / f"{i}.pkl", "rb") as fh:
            results.append(pickle.load(fh))
    return results


def test_two_processes_loading_one_log_at_once_both_succeed(
    runs: Path, tmp_path: Path, cache_dir: Path, parsed: Counter[str]
) -> None:
    expected = clean(runs)
    for round_, workers in enumerate([[1, 1], [1, 2]]):
        out = tmp_path / f"race{round_}"
        out.mkdir()
        shutil.rmtree(cache_dir, ignore_errors=True)
        results = _race(runs, cache_dir, out, workers)
        for tables, entries, fingerprint in results:
            for name in TABLES:
                pd.testing.assert_frame_equal(tables[name], getattr(expected, name), obj=name)
            assert entries == [e.__dict__ for e in expected.report]
            assert fingerprint == results[0][2]
        assert_consistent(cache_dir, files=7)
        forget_code_digests()
        parsed.clear()
        same(load_log(runs, tz="UTC", workers=1), expected)
        assert sum(parsed.values()) == 0, "the cache they left is whole"


def test_a_load_during_an_import_sees_a_whole_log(
    runs: Path, tmp_path: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    to = tmp_path / "shared"
    env = child_env(tmp_path / "import-cache")
    monkeypatch.setattr(store, "TORN_WAIT_S", 0.5)

    # the first import, killed halfway through writing its samples: no log there yet
    proc, partial = start_paused("import-write", 1, str(runs), str(to), env=env)
    during = load_log(to, tz="UTC")
    assert len(during.sessions) == 0 and len(during.report) == 0
    kill(proc)
    assert not store.is_stored_log(to)
    assert partial.name.startswith("."), "the half-written file was never in place"

    # the import again, to the end
    done = subprocess.run(
        [sys.executable, "-c", CHILD, "none", "0", str(runs), str(to)],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    old = load_log(to)
    same(old, clean(runs))

    # a second import (positions trimmed) over it, paused halfway through its samples: a
    # load sees the old log whole
    proc, _ = start_paused("import-write", 1, str(runs), str(to), "300", env=env)
    same(load_log(to), old)
    kill(proc)
    same(load_log(to), old)
    leftovers = [p for p in to.iterdir() if p.name.startswith(".")]
    assert leftovers, "the killed import's temporaries are there, hidden"
    for p in leftovers:
        age(p)

    # paused between renaming its files into place: a load cannot get a whole log, says so
    proc, _ = start_paused("import-replace", 1, str(runs), str(to), "300", env=env)
    with pytest.raises(StridekitError, match="from different writes"):
        load_log(to)
    os.kill(proc.pid, signal.SIGUSR1)  # let it finish
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == 0 and "finished" in out, err
    new = load_log(to)
    assert [p.name for p in to.iterdir() if p.name.startswith(".")] == [], "swept"
    same_but_positions = [
        (new.sessions, old.sessions),
        (new.laps, old.laps),
        (
            new.samples.drop(columns=["lat_deg", "lon_deg"]),
            old.samples.drop(columns=["lat_deg", "lon_deg"]),
        ),
        (new.sets, old.sets),
    ]
    for a, b in same_but_positions:
        pd.testing.assert_frame_equal(a, b)
    assert new.samples["lat_deg"].isna().sum() > old.samples["lat_deg"].isna().sum()
