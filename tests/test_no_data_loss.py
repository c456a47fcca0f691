"""No data loss (issue 6, part 3): a runner's folder of good, partial and bad files gives
exactly the good files' tables and one report entry per file; ``stridekit import`` then
``load_log`` of its output gives back equal tables; the runner's folder is never touched.

The folder is built at test time from the real recordings in ``../shared/fixtures`` (FIT,
GPX and TCX, plain and gzipped, one misnamed), the sample's hand-kept CSVs and a
Strava-shaped export zip of real recordings; the bad files are real files cut short,
garbage, empty files, a picture named ``.fit``, notes named ``.gpx`` and two zips with
unsafe member names.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import hashlib
import io
import json
import os
import random
import shutil
import stat
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pytest
from conftest import ROOT, SAMPLE, need_fixtures

from stridekit import TrainingLog, read_activity
from stridekit.analysis.classify import classify_log
from stridekit.io import loader
from stridekit.io.loader import load_log
from stridekit.io.strava import read_strava_export

TABLES = ("sessions", "laps", "samples", "sets")

# The readable files: path in the runner's folder -> where it comes from, gzipped or not.
RECORDINGS = {
    "watch/fr45_autolap.fit": ("fit/fr45_run_8laps_1km_autolap.fit", False),
    "watch/fenix5_run.fit.gz": ("fit/garmin-fenix-5-run.fit", True),
    "watch/gym_27sets.fit": ("fit/fr965_strength_27sets.fit", False),
    "watch/2021/plain.gpx": ("gpx/year-of-runs/00978fad-85f8-4f1c-be44-2b7146ccbf76.gpx", False),
    "watch/2021/zipped.gpx.gz": ("gpx/year-of-runs/038a22f7-eb5e-44f9-a551-de14d84d8524.gpx", True),
    # recognised by content, whatever the suffix says
    "watch/2021/misnamed.tcx": ("gpx/year-of-runs/0c97d8a7-8081-4609-b92c-5932468d7b8e.gpx", False),
    "polar/m400.gpx": ("gpx/polar_m400_run_no_extensions.gpx", False),
    "tcx/garmin_3laps.tcx": ("tcx/garmin_run_2012_3laps_distance_trigger.tcx", False),
    "tcx/runtastic.tcx.gz": ("tcx/runtastic_run_lowercase_sport.tcx", True),
}
# A real truncated FIT file: its readable part is kept, marked partial.
PARTIAL = {"bad/unexpected_eof.fit": "fit/invalid/activity-unexpected-eof.fit"}
HAND_KEPT = ("notes/sessions.csv", "notes/sets.csv")
EXPORT = "strava/export_12345.zip"
# The bad files: path -> a phrase its report entry's reason must hold.
BAD = {
    "bad/cut_short.gpx": "not well-formed XML",
    "bad/cut_short.fit": "truncated",
    "bad/cut_short.tcx.gz": "gzip data is truncated",
    "bad/garbage.fit": "not a format stridekit reads",
    "bad/garbage.gpx": "not a format stridekit reads",
    "bad/empty.fit": "not a format stridekit reads",
    "bad/empty.gpx.gz": "not a format stridekit reads",
    "bad/photo.fit": "not a format stridekit reads",
    "bad/shoes.gpx": "not a format stridekit reads",
    "bad/zip_slip.zip": "would escape the folder",
    "bad/absolute.zip": "would escape the folder",
}

STRAVA_HEADER = [
    "Activity ID",
    "Activity Date",
    "Activity Name",
    "Activity Type",
    "Activity Description",
    "Elapsed Time",
    "Distance",
    "Filename",
    "Moving Time",
    "Distance",
]
STRAVA_ROWS = [
    ["2001", "Feb 6, 2013, 12:11:14 PM", "Lunch laps", "Run", "5x1k", "3000", "9.81",
     "activities/2001.fit.gz", "2990", "9810.0"],
    ["2002", "Jan 2, 2021, 9:07:36 AM", "Morning Run", "Run", "", "2500", "7.10",
     "activities/2002.gpx", "2490", "7100.0"],
    ["2003", "Mar 21, 2021, 9:11:19 AM", "Eleven", "Run", "", "4000", "11.00",
     "activities/2003.tcx", "3990", "11000.0"],
    ["2004", "Mar 3, 2021, 7:00:00 PM", "Flow", "Yoga", "", "1800", "0.00", "", "1800", "0.0"],
]  # fmt: skip
STRAVA_FILES = {
    "activities/2001.fit.gz": ("fit/2013-02-06-12-11-14.fit", True),
    "activities/2002.gpx": ("gpx/year-of-runs/0da79b1d-dc15-4589-afff-aba4497ea626.gpx", False),
    "activities/2003.tcx": ("tcx/runpandas_11km.tcx", False),
}


@dataclass
class Runner:
    """A runner's folder and what each of its files should give."""

    root: Path
    good: list[Path] = field(default_factory=list)
    partial: list[Path] = field(default_factory=list)
    bad: dict[Path, str] = field(default_factory=dict)

    @property
    def export(self) -> Path:
        return self.root / EXPORT

    def expected_sources(self) -> set[str]:
        """One report entry per file, and the export's: its CSV and each recording it holds."""
        files = [*self.good, *self.partial, *self.bad]
        members = ["activities.csv", *STRAVA_FILES]
        return {str(f) for f in files} | {f"{self.export}!{m}" for m in members}


def _fixture_bytes(fixtures: Path, rel: str, zipped: bool) -> bytes:
    data = (fixtures / rel).read_bytes()
    return gzip.compress(data, mtime=0) if zipped else data


def _strava_zip(fixtures: Path) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(STRAVA_HEADER)
    writer.writerows(STRAVA_ROWS)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("activities.csv", text.getvalue())
        for name, (rel, zipped) in STRAVA_FILES.items():
            zf.writestr(name, _fixture_bytes(fixtures, rel, zipped))
    return buf.getvalue()


def _zip_of(name: str, data: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(name, data)
    return buf.getvalue()


def build_runner(root: Path, fixtures: Path) -> Runner:
    """Write the runner's folder under ``root`` (see the module's docstring)."""
    runner = Runner(root)

    def put(rel: str, data: bytes) -> Path:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return path

    for rel, (src, zipped) in RECORDINGS.items():
        runner.good.append(put(rel, _fixture_bytes(fixtures, src, zipped)))
    for rel in HAND_KEPT:
        runner.good.append(put(rel, (SAMPLE / Path(rel).name).read_bytes()))
    put(EXPORT, _strava_zip(fixtures))
    for rel, src in PARTIAL.items():
        runner.partial.append(put(rel, (fixtures / src).read_bytes()))

    gpx = (fixtures / "gpx/year-of-runs/1368f9a8-cdbe-4528-a1dc-af90dfddd6fb.gpx").read_bytes()
    fit = (fixtures / "fit/activity-small-fenix2-run.fit").read_bytes()
    tcx = (fixtures / "tcx/runpandas_11km.tcx").read_bytes()
    rng = random.Random(6)
    bad = {
        "bad/cut_short.gpx": gpx[: len(gpx) // 3],
        "bad/cut_short.fit": fit[:40],  # header and a few bytes of the first message
        "bad/cut_short.tcx.gz": gzip.compress(tcx, mtime=0)[:5000],
        "bad/garbage.fit": rng.randbytes(4096),
        "bad/garbage.gpx": rng.randbytes(4096),
        "bad/empty.fit": b"",
        "bad/empty.gpx.gz": b"",
        "bad/photo.fit": b"\x89PNG\r\n\x1a\n" + rng.randbytes(2000),
        "bad/shoes.gpx": b"remember to buy new shoes\n",
        "bad/zip_slip.zip": _zip_of("../../escape.gpx", gpx),
        "bad/absolute.zip": _zip_of("/etc/absolute.gpx", gpx),
    }
    assert bad.keys() == BAD.keys()
    for rel, data in bad.items():
        runner.bad[put(rel, data)] = BAD[rel]
    # a file that is no log at all: ignored, not reported
    put("notes/readme.md", b"my runs since 2012\n")
    return runner


def read_alone(runner: Runner, tz: dt.tzinfo) -> TrainingLog:
    """Every readable file read on its own (no cache, no folder), then classified together."""
    parts: list[TrainingLog] = []
    for path in [*runner.good, *runner.partial]:
        if path.suffix == ".csv":
            fmt = "sessions-csv" if path.name == "sessions.csv" else "sets-csv"
            parts.append(loader.READERS[fmt](path.read_bytes(), str(path), tz))
        else:
            parts.append(read_activity(path, tz=tz))
    parts.append(read_strava_export(runner.export, tz=tz))
    return classify_log(TrainingLog.concat(parts))


SORT = {
    "sessions": ["session_id"],
    "laps": ["session_id", "lap_index"],
    "samples": ["session_id", "t_s"],
    "sets": ["session_id", "set_index"],
}


def _sorted(df: pd.DataFrame, table: str) -> pd.DataFrame:
    return df.sort_values(SORT[table], kind="stable").reset_index(drop=True)


def assert_same_tables(a: TrainingLog, b: TrainingLog, *, ordered: bool = True) -> None:
    for table in TABLES:
        left, right = getattr(a, table), getattr(b, table)
        if not ordered:
            left, right = _sorted(left, table), _sorted(right, table)
        pd.testing.assert_frame_equal(left, right, obj=table)


def snapshot(root: Path) -> dict[str, tuple[int, int, int, str]]:
    """Every entry under ``root`` (itself included): mode, size, mtime [ns] and a content hash."""
    out = {}
    for path in sorted([root, *root.rglob("*")]):
        st = path.lstat()
        content = ""
        if stat.S_ISREG(st.st_mode):
            content = hashlib.blake2b(path.read_bytes(), digest_size=16).hexdigest()
        out[str(path.relative_to(root))] = (st.st_mode, st.st_size, st.st_mtime_ns, content)
    return out


@pytest.fixture(scope="module")
def runner(tmp_path_factory: pytest.TempPathFactory) -> Runner:
    fixtures = need_fixtures()
    return build_runner(tmp_path_factory.mktemp("nodataloss") / "runner", fixtures)


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("STRIDEKIT_CACHE_DIR", str(folder))
    return folder


@pytest.fixture
def untouched(runner: Runner) -> Iterator[None]:
    """The runner's folder is byte-identical, with the same mtimes, after the test."""
    before = snapshot(runner.root)
    yield
    assert snapshot(runner.root) == before, "the runner's folder was modified"


def stridekit_cli(*args: str, cache: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "STRIDEKIT_CACHE_DIR": str(cache)}
    return subprocess.run(
        [sys.executable, "-m", "stridekit.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=600,
    )


@pytest.mark.parametrize("workers", [1, 2])
def test_good_files_give_their_sessions_and_every_file_its_entry(
    runner: Runner, cache_dir: Path, untouched: None, workers: int
) -> None:
    tz = dt.UTC
    log = load_log(runner.root, tz=tz, workers=workers).validate()
    expected = read_alone(runner, tz)
    assert len(runner.good) == 11 and len(runner.bad) == 11 and len(runner.partial) == 1
    assert len(log.sessions) == len(expected.sessions) == 131
    assert_same_tables(log, expected, ordered=False)
    assert len(log.samples) > 9000 and len(log.laps) > 20 and len(log.sets) > 600
    assert log.report.merges == [], "no two files hold the same activity"

    entries = {e.path: e for e in log.report}
    assert len(log.report) == len(entries) == len(runner.expected_sources()) == 27
    assert set(entries) == runner.expected_sources()
    for path in runner.good:
        assert entries[str(path)].status == "ok", entries[str(path)]
    for path in runner.partial:
        entry = entries[str(path)]
        assert entry.status == "partial" and entry.sessions == 1
        assert "truncated" in (entry.message or "")
    for path, reason in runner.bad.items():
        entry = entries[str(path)]
        assert entry.status == "skipped" and entry.sessions == 0, entry
        assert reason in (entry.message or ""), entry
        assert str(path) in (entry.message or ""), "the reason names the file"
    for member in ["activities.csv", *STRAVA_FILES]:
        assert entries[f"{runner.export}!{member}"].status == "ok"
    # every session of the export's CSV is there, with or without a recording
    strava = log.sessions[log.sessions["session_id"].str.startswith("strava:")]
    assert sorted(strava["session_id"]) == [f"strava:{r[0]}" for r in STRAVA_ROWS]

    warm = load_log(runner.root, tz=tz, workers=workers)  # from the cache
    assert_same_tables(warm, log)
    assert warm.report.entries == log.report.entries


def test_import_then_load_gives_back_equal_tables(
    runner: Runner, tmp_path: Path, cache_dir: Path, untouched: None
) -> None:
    out = tmp_path / "imported"
    # `stridekit import` with a cold cache of its own, then again with it warm
    cold = stridekit_cli("import", str(runner.root), "--to", str(out), cache=tmp_path / "cli")
    assert cold.returncode == 0, cold.stderr
    assert "Traceback" not in cold.stderr + cold.stdout
    assert sorted(p.name for p in out.iterdir()) == [
        "laps.parquet",
        "report.json",
        "samples.parquet",
        "sessions.parquet",
        "sets.parquet",
    ]
    records = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert {r["path"] for r in records if "path" in r} == runner.expected_sources()

    direct_cold = load_log(runner.root)
    back_cold = load_log(out)
    assert_same_tables(back_cold, direct_cold)
    assert back_cold.report.entries == direct_cold.report.entries
    direct_warm = load_log(runner.root)
    back_warm = load_log(out)
    assert_same_tables(direct_warm, direct_cold)
    assert_same_tables(back_warm, direct_cold)
    assert back_warm.fingerprint == back_cold.fingerprint

    again = tmp_path / "again"
    warm = stridekit_cli("import", str(runner.root), "--to", str(again), cache=tmp_path / "cli")
    assert warm.returncode == 0, warm.stderr
    assert_same_tables(load_log(again), direct_cold)

    shared = tmp_path / "shared"
    private = stridekit_cli(
        "import", str(runner.root), "--to", str(shared), "--privacy-radius", "300", cache=cache_dir
    )
    assert private.returncode == 0, private.stderr
    trimmed = load_log(shared)
    assert_same_tables(
        TrainingLog(
            sessions=trimmed.sessions,
            laps=trimmed.laps,
            samples=trimmed.samples.drop(columns=["lat_deg", "lon_deg"]),
            sets=trimmed.sets,
        ),
        TrainingLog(
            sessions=direct_cold.sessions,
            laps=direct_cold.laps,
            samples=direct_cold.samples.drop(columns=["lat_deg", "lon_deg"]),
            sets=direct_cold.sets,
        ),
    )
    blanked = trimmed.samples["lat_deg"].isna().sum() - direct_cold.samples["lat_deg"].isna().sum()
    assert blanked > 0, "positions near home were blanked"


def test_an_unreadable_file_is_reported_and_the_rest_read(fixtures: Path) -> None:
    """A file the runner's account may not read (mode 000) is one skipped entry.

    Root reads any file, so when the tests run as root the load runs as ``nobody``.
    """
    as_other: list[str] = []
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root without setpriv: permissions mean nothing to root")
        as_other = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"]
    base = Path(tempfile.mkdtemp(prefix="stridekit-unreadable-"))
    try:
        base.chmod(0o777)
        folder = base / "runs"
        folder.mkdir()
        for rel in list(RECORDINGS)[:3]:
            src, zipped = RECORDINGS[rel]
            (folder / Path(rel).name).write_bytes(_fixture_bytes(fixtures, src, zipped))
        secret = folder / "secret.gpx"
        secret.write_bytes((fixtures / RECORDINGS["watch/2021/plain.gpx"][0]).read_bytes())
        for p in folder.iterdir():
            p.chmod(0o644)
        secret.chmod(0o000)
        folder.chmod(0o755)
        script = (
            "import json, sys, stridekit\n"
            "for workers in (1, 2):\n"
            "    log = stridekit.load_log(sys.argv[1], tz='UTC', workers=workers)\n"
            "    print(json.dumps([len(log.sessions), [e.__dict__ for e in log.report]]))\n"
        )
        env = {**os.environ, "STRIDEKIT_CACHE_DIR": str(base / "cache"), "HOME": str(base)}
        result = subprocess.run(
            [*as_other, sys.executable, "-c", script, str(folder)],
            capture_output=True,
            text=True,
            env=env,
            cwd=base,
            timeout=300,
        )
        assert result.returncode == 0, result.stderr
        for line in result.stdout.splitlines():
            sessions, entries = json.loads(line)
            assert sessions == 3
            by_path = {e["path"]: e for e in entries}
            assert len(by_path) == 4
            entry = by_path[str(secret)]
            assert entry["status"] == "skipped", entry
            assert "permission" in entry["message"].lower() and str(secret) in entry["message"]
    finally:
        shutil.rmtree(base, ignore_errors=True)
