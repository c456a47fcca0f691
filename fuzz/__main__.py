"""``python -m fuzz``: fuzz every reader in turn and report inputs, crashes and the slowest.

Each target runs in a process of its own (:mod:`fuzz.harness`; libFuzzer owns the process
it runs in). Examples::

    python -m fuzz                         # every target, FUZZ_SECONDS (default 60) each
    python -m fuzz --seconds 600 fit gpx   # ten minutes each on two targets
    python -m fuzz --runs 300 --seed 1     # a fixed number of inputs, as the test suite does

Exit status 1 when any target crashed (a foreign exception or the memory bound exceeded)
or its fuzzer died; crash inputs are under ``OUT/<target>/crashes/``.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fuzz.harness import MB
from fuzz.targets import ROOT, TARGETS


@dataclass
class Result:
    """What one target's run gave."""

    target: str
    returncode: int
    stats: dict[str, Any]
    log: Path

    @property
    def ok(self) -> bool:
        """No crash, no memory overrun, and the fuzzer ended normally."""
        return self.returncode == 0 and self.stats.get("crashes", 1) == 0


def have_atheris() -> bool:
    """Whether the coverage-guided engine is installed."""
    return importlib.util.find_spec("atheris") is not None


def run_target(
    name: str, out: Path, *, engine: str, runs: int = 0, seconds: int = 60, seed: int = 1
) -> Result:
    """Fuzz one target in a child process and read back its statistics."""
    where = out / name
    shutil.rmtree(where / "scratch", ignore_errors=True)
    where.mkdir(parents=True, exist_ok=True)
    (where / "stats.json").unlink(missing_ok=True)
    log = where / "fuzzer.log"
    cmd = [sys.executable, "-m", "fuzz.harness", name, "--out", str(where), "--engine", engine]
    cmd += ["--seed", str(seed), "--seconds", str(seconds)]
    if runs:
        cmd += ["--runs", str(runs)]
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    with log.open("wb") as fh:
        proc = subprocess.run(cmd, cwd=ROOT, stdout=fh, stderr=subprocess.STDOUT, env=env)
    shutil.rmtree(where / "scratch", ignore_errors=True)
    try:
        stats = json.loads((where / "stats.json").read_text())
    except (OSError, ValueError):
        stats = {}
    return Result(name, proc.returncode, stats, log)


def report(results: list[Result]) -> str:
    """A plain-text table of the runs, then each crash and the slowest inputs per target."""
    lines = [
        f"{'target':<12} {'engine':<8} {'inputs':>8} {'refused':>8} {'crashes':>8} "
        f"{'peak MB':>8} {'CPU s':>8}"
    ]
    for r in results:
        s = r.stats
        lines.append(
            f"{r.target:<12} {s.get('engine', '?'):<8} {s.get('inputs', 0):>8} "
            f"{s.get('stridekit_errors', 0):>8} {s.get('crashes', '?'):>8} "
            f"{s.get('max_peak', 0) / MB:>8.1f} {s.get('cpu_s', 0.0):>8.1f}"
        )
    total = sum(r.stats.get("inputs", 0) for r in results)
    crashes = sum(r.stats.get("crashes", 0) for r in results)
    lines.append(f"{'all':<12} {'':<8} {total:>8} {'':>8} {crashes:>8}")
    for r in results:
        if r.returncode != 0:
            tail = r.log.read_text(errors="replace").splitlines()[-15:]
            lines.append(f"\n{r.target}: the fuzzer exited with {r.returncode}; {r.log} ends:")
            lines += ["    " + t for t in tail]
        for kind, info in r.stats.get("kinds", {}).items():
            lines.append(f"\n{r.target}: CRASH {kind} x{info['count']}, input {info['input']}")
            lines += ["    " + t for t in info["error"].splitlines()]
    lines.append("\nslowest inputs (CPU seconds, size in bytes, saved input):")
    for r in results:
        for e in r.stats.get("slowest", []):
            lines.append(f"{r.target:<12} {e['cpu_s']:>8.3f} s {e['size']:>8} B  {e['input']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the targets given (all by default) and print the report."""
    parser = argparse.ArgumentParser(prog="python -m fuzz", description=__doc__.split("\n")[0])
    parser.add_argument("targets", nargs="*", help=f"any of {', '.join(TARGETS)}")
    parser.add_argument(
        "--seconds",
        type=int,
        default=int(os.environ.get("FUZZ_SECONDS", "60")),
        help="per target (env FUZZ_SECONDS; default 60)",
    )
    parser.add_argument("--runs", type=int, default=0, help="inputs per target instead")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--engine", choices=("auto", "atheris", "mutate"), default="auto")
    parser.add_argument(
        "--out",
        type=Path,
        default=Path(os.environ.get("FUZZ_OUT", Path(tempfile.gettempdir()) / "stridekit-fuzz")),
        help="crash and slow inputs, corpora, logs (env FUZZ_OUT)",
    )
    args = parser.parse_args(argv)
    names = args.targets or list(TARGETS)
    unknown = [n for n in names if n not in TARGETS]
    if unknown:
        parser.error(f"unknown target(s) {', '.join(unknown)}; the targets: {', '.join(TARGETS)}")
    engine = args.engine
    if engine == "auto":
        engine = "atheris" if have_atheris() else "mutate"
    print(f"fuzzing {len(names)} target(s) with {engine}, results in {args.out}", flush=True)
    results = []
    for name in names:
        r = run_target(
            name, args.out, engine=engine, runs=args.runs, seconds=args.seconds, seed=args.seed
        )
        s = r.stats
        print(
            f"  {name}: {s.get('inputs', 0)} inputs, {s.get('crashes', '?')} crashes",
            flush=True,
        )
        results.append(r)
    print(report(results))
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
