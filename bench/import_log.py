"""Importing five years of a runner: a Strava-shaped bulk export, cold and warm.

The export is the sample runner over five years, recorded every second
(``stridekit sample --years 5 --format strava-zip``: about 1,060 FIT runs and 4.1 million
records, plus strength and yoga rows). It is generated once into ``bench/.data/`` (not
committed) and reused.

Each measurement runs in a fresh Python process calling the public
``stridekit.load_log(export, use_cache=True)``:

- cold: with an empty ``STRIDEKIT_CACHE_DIR`` (median of three processes, each with its own
  empty cache);
- warm: again on the cache the last cold run filled (median of three processes).

A process reports its wall time for the call and ``resource.getrusage`` of itself, and,
through the progress callback, the time and CPU time before the first file is done
(``head``) and after the last one (``tail``: the serial work once the workers are done); the
bench polls the whole process tree meanwhile (psutil, every 50 ms), since the pool's workers
are children of a forkserver that ``RUSAGE_CHILDREN`` never sees: the peak of the summed
resident memory of every process is compared with the target (shared pages are counted once
per process, so this errs high), and the CPU time of every process over the wall time is the
cores used. The peer is fitdecode decoding every record of an even sample of the export's
recordings (gunzipped beforehand, not timed), extrapolated to all records by its records per
second, reported as the ratio peer / stridekit.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import warnings
import zipfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / ".data"
YEARS = 5
SEED = 7
EXPORT = DATA / f"strava-{YEARS}y-seed{SEED}.zip"

TARGETS = {"cold_s": 20.0, "warm_s": 1.0, "peak_mb": 1500.0}
"""Cold import under 20 s (two cores), warm reload under 1 s, peak memory under 1.5 GB."""

_CHILD = r"""
import json, os, resource, sys, time
t0 = time.perf_counter()
import stridekit
t1 = time.perf_counter()
c1 = time.process_time()
marks = []
def progress(done, total, path):
    if done == 1 or done == total:
        marks.append((time.perf_counter(), time.process_time()))
log = stridekit.load_log(sys.argv[1], use_cache=True, progress=progress)
t2 = time.perf_counter()
c2 = time.process_time()
first, last = (marks[0], marks[-1]) if marks else ((t2, c2), (t2, c2))
me = resource.getrusage(resource.RUSAGE_SELF)
kids = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({
    "import_s": t1 - t0,
    "load_s": t2 - t1,
    "cpu_s": me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime,
    "main_cpu_s": me.ru_utime + me.ru_stime,
    "children_cpu_s": kids.ru_utime + kids.ru_stime,
    "head_s": first[0] - t1,
    "head_cpu_s": first[1] - c1,
    "tail_s": t2 - last[0],
    "tail_cpu_s": c2 - last[1],
    "rss_self_mb": me.ru_maxrss / 1024,
    "rss_child_mb": kids.ru_maxrss / 1024,
    "sessions": len(log.sessions),
    "runs": int((log.sessions["sport"] == "run").sum()),
    "laps": len(log.laps),
    "records": len(log.samples),
    "report": {s: sum(e.status == s for e in log.report)
               for s in ("ok", "partial", "skipped", "missing")},
}))
"""


def ensure_export(path: Path = EXPORT) -> Path:
    """The five-year export, generated when missing."""
    if path.is_file():
        return path
    from stridekit.sample.strava_export import weeks_in, write_strava_export

    print(f"generating {path} (once) ...", flush=True)
    t0 = time.perf_counter()
    export = write_strava_export(path, weeks=weeks_in(YEARS), seed=SEED)
    print(
        f"  {export.activities} activities, {export.recordings} recordings, "
        f"{export.records:,} records in {time.perf_counter() - t0:.1f} s",
        flush=True,
    )
    return path


class _TreeSampler:
    """Polls a process and all its descendants: peak summed RSS, CPU time per process."""

    def __init__(self, pid: int, every_s: float = 0.05) -> None:
        import psutil

        self.root = psutil.Process(pid)
        self.every_s = every_s
        self.cpu: dict[tuple[int, float], float] = {}  # (pid, create time) -> CPU [s]
        self.peak_rss = 0
        self.peak_pss = 0  # proportional: pages shared by the processes counted once
        self.peak_processes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        import psutil

        while not self._stop.is_set():
            try:
                procs = [self.root, *self.root.children(recursive=True)]
            except psutil.Error:
                break
            rss = 0
            pss = 0
            alive = 0
            for p in procs:
                try:
                    with p.oneshot():
                        t = p.cpu_times()
                        rss += p.memory_info().rss
                        pss += getattr(p.memory_full_info(), "pss", 0)
                        self.cpu[(p.pid, p.create_time())] = t.user + t.system
                        alive += 1
                except psutil.Error:
                    continue
            self.peak_rss = max(self.peak_rss, rss)
            self.peak_pss = max(self.peak_pss, pss)
            self.peak_processes = max(self.peak_processes, alive)
            self._stop.wait(self.every_s)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def measure(export: Path, cache: Path) -> dict[str, Any]:
    """One ``load_log`` in a fresh process with ``STRIDEKIT_CACHE_DIR=cache``.

    Besides what the process says of itself, a sampler polls the process tree (the pool's
    workers are children of a forkserver, which ``RUSAGE_CHILDREN`` does not see until it
    exits): the peak of the summed resident memory of all processes, and their CPU time.
    """
    env = {**os.environ, "STRIDEKIT_CACHE_DIR": str(cache)}
    t0 = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(export)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=ROOT,
    )
    sampler = _TreeSampler(child.pid)
    stdout, stderr = child.communicate()
    sampler.stop()
    wall = time.perf_counter() - t0
    if child.returncode:
        raise RuntimeError(f"load_log failed:\n{stderr}")
    out: dict[str, Any] = json.loads(stdout.strip().splitlines()[-1])
    out["process_s"] = wall
    out["tree_cpu_s"] = sum(sampler.cpu.values())
    out["tree_processes"] = len(sampler.cpu)
    out["cores_used"] = out["tree_cpu_s"] / wall
    # On a shared machine wall time says how busy it was; CPU time says what the work costs.
    out["idle_estimate_s"] = max(out["cpu_s"], out["tree_cpu_s"] / (os.cpu_count() or 1))
    out["peak_mb"] = max(sampler.peak_rss / 2**20, out["rss_self_mb"] + out["rss_child_mb"])
    # RSS summed over forked processes counts the libraries they share once per process;
    # PSS shares each page among the processes mapping it, so the tree's PSS is what it uses
    out["peak_pss_mb"] = max(sampler.peak_pss / 2**20, out["rss_self_mb"])
    return out


def fitdecode_peer(export: Path, sample_files: int = 24) -> dict[str, Any]:
    """fitdecode's records per second on an even sample of the export's recordings."""
    import fitdecode

    with zipfile.ZipFile(export) as zf:
        names = sorted(n for n in zf.namelist() if n.endswith(".fit.gz"))
        step = max(1, len(names) // sample_files)
        blobs = [gzip.decompress(zf.read(n)) for n in names[::step][:sample_files]]
    records = 0
    t0, c0 = time.perf_counter(), time.process_time()
    for blob in blobs:
        with warnings.catch_warnings(), fitdecode.FitReader(io.BytesIO(blob)) as reader:
            warnings.simplefilter("ignore")
            records += sum(1 for f in reader if getattr(f, "name", None) == "record")
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    return {
        "files": len(blobs),
        "records": records,
        "records_per_s": records / seconds,
        "records_per_cpu_s": records / cpu,
    }


def _csv_rows(export: Path) -> int:
    with zipfile.ZipFile(export) as zf:
        text = zf.read("activities.csv").decode("utf-8")
    return len(list(csv.reader(io.StringIO(text)))) - 1


def run(cold_repeats: int = 3, warm_repeats: int = 3) -> dict[str, Any]:
    """Generate the export if needed, then measure cold, warm and the peer."""
    export = ensure_export()
    load_before = list(os.getloadavg())  # the machine is shared: say how busy it was
    colds: list[dict[str, Any]] = []
    for _ in range(cold_repeats):
        with tempfile.TemporaryDirectory(prefix="stridekit-bench-cache-") as tmp:
            cache = Path(tmp)
            colds.append(measure(export, cache))
            if len(colds) == cold_repeats:
                warm = [measure(export, cache) for _ in range(warm_repeats)]
    cold = sorted(colds, key=lambda c: c["load_s"])[len(colds) // 2]  # the median run
    warm_s = statistics.median(w["load_s"] for w in warm)
    peer = fitdecode_peer(export)
    peer_s = cold["records"] / peer["records_per_s"]
    peer_cpu_s = cold["records"] / peer["records_per_cpu_s"]
    result = {
        "export": {
            "path": str(export.relative_to(ROOT)),
            "bytes": export.stat().st_size,
            "activities_csv_rows": _csv_rows(export),
        },
        "cpu_count": os.cpu_count(),
        "load_average_before": load_before,
        "load_average_after": list(os.getloadavg()),
        "cold": cold,
        "colds": colds,
        "warm": warm,
        "warm_median_s": warm_s,
        "fitdecode": {
            **peer,
            "extrapolated_s": peer_s,
            "extrapolated_cpu_s": peer_cpu_s,
            "speedup_cold": peer_s / cold["load_s"],
            "speedup_cold_cpu": peer_cpu_s / cold["tree_cpu_s"],
        },
        "targets": TARGETS,
        "met": {
            "cold_s": cold["load_s"] < TARGETS["cold_s"],
            "warm_s": warm_s < TARGETS["warm_s"],
            "peak_mb": max(*(c["peak_mb"] for c in colds), *(w["peak_mb"] for w in warm))
            < TARGETS["peak_mb"],
        },
    }
    _print(result)
    return result


def _print(r: dict[str, Any]) -> None:
    cold, warm, peer, met = r["cold"], r["warm"], r["fitdecode"], r["met"]
    runs = [*r["colds"], *warm]
    peak = max(x["peak_mb"] for x in runs)
    pss = max(x["peak_pss_mb"] for x in runs)
    colds = " / ".join(f"{c['load_s']:.2f}" for c in r["colds"])
    warms = " / ".join(f"{w['load_s']:.2f}" for w in warm)
    t = TARGETS
    sessions = f"{cold['sessions']:,} ({r['export']['activities_csv_rows']:,})"
    rows: list[tuple[str, str, str, bool | None]] = [
        ("records", f"{cold['records']:,}", "", None),
        ("sessions (csv rows)", sessions, "", None),
        (
            "cold load_log (median)",
            f"{cold['load_s']:.2f} s",
            f"< {t['cold_s']:.0f} s",
            met["cold_s"],
        ),
        ("  every cold run", f"{colds} s", "", None),
        ("  cores used (tree CPU/wall)", f"{cold['cores_used']:.2f} of {r['cpu_count']}", "", None),
        ("  records/s", f"{cold['records'] / cold['load_s']:,.0f}", "", None),
        ("  CPU, whole tree", f"{cold['tree_cpu_s']:.1f} s", "", None),
        ("  CPU, main process", f"{cold['main_cpu_s']:.1f} s", "", None),
        ("    after the last file (serial tail)", f"{cold['tail_cpu_s']:.1f} s", "", None),
        ("  idle-machine estimate", f"{cold['idle_estimate_s']:.1f} s", "", None),
        (
            "warm load_log (median)",
            f"{r['warm_median_s']:.3f} s",
            f"< {t['warm_s']:.0f} s",
            met["warm_s"],
        ),
        ("  every warm run", f"{warms} s", "", None),
        (
            "  CPU, whole tree",
            f"{statistics.median(w['tree_cpu_s'] for w in warm):.2f} s",
            "",
            None,
        ),
        ("peak RSS, process tree", f"{peak:.0f} MB", f"< {t['peak_mb']:.0f} MB", met["peak_mb"]),
        ("  the same as PSS (shared pages once)", f"{pss:.0f} MB", "", None),
        ("fitdecode, extrapolated", f"{peer['extrapolated_s']:.0f} s", "", None),
        ("  fitdecode / cold, wall", f"{peer['speedup_cold']:.0f}x", "", None),
        ("  fitdecode / cold, CPU", f"{peer['speedup_cold_cpu']:.0f}x", "", None),
    ]
    rows.append(("load average before", f"{r['load_average_before'][0]:.1f}", "", None))
    rows.append(("load average after", f"{r['load_average_after'][0]:.1f}", "", None))
    width = max(len(row[0]) for row in rows)
    for name, value, target, ok in rows:
        mark = "" if ok is None else ("ok" if ok else "MISSED")
        print(f"{name:<{width}}  {value:>18}  {target:>10}  {mark}")


if __name__ == "__main__":
    print(json.dumps(run(), indent=1, default=str))
