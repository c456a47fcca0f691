"""The fuzzing harness: one target, one process, every input judged the same way.

An input passes when the reader returns or raises one of stridekit's own errors
(:class:`stridekit.errors.StridekitError`), and when the memory Python allocated while it
was read (its tracemalloc peak, above what was held before) stays under the bound. Anything
else is a crash: it is counted, its input saved under ``OUT/crashes/`` (one file per kind of
crash: exception type and the line that raised it), and fuzzing goes on.

Two engines drive the harness:

``atheris``
    Coverage-guided (libFuzzer), with stridekit's modules instrumented. Used whenever
    atheris is installed (``pip install atheris``; Linux x86-64 wheels on PyPI).
``mutate``
    A deterministic, not coverage-guided fallback for machines without atheris: byte
    mutations of the seeds (flips, cuts, repeats, splices, inserted interesting values).

Statistics are written to ``OUT/stats.json`` after every input (libFuzzer ends the process
without running Python's exit handlers): inputs tried, crashes, the largest memory peak, and
the slowest inputs by CPU time (saved under ``OUT/slow/`` so they can be replayed).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import random
import sys
import time
import traceback
import tracemalloc
from pathlib import Path
from typing import Any

MB = 1024 * 1024
MEMORY_BOUND = 64 * MB
"""Largest tracemalloc peak one input may cause [bytes] (inputs are at most 64 kB)."""
SLOWEST = 5


class Harness:
    """Runs one target on inputs and keeps the score.

    Parameters
    ----------
    name
        The target's name in :data:`fuzz.targets.TARGETS`.
    out
        Where statistics, crash inputs and the slowest inputs go.
    engine
        ``"atheris"`` or ``"mutate"``, for the statistics.
    memory_bound
        Largest tracemalloc peak of one input [bytes].
    """

    def __init__(self, name: str, out: Path, engine: str, memory_bound: int = MEMORY_BOUND):
        from fuzz.targets import TARGETS

        self.target = TARGETS[name]
        self.out = out
        self.memory_bound = memory_bound
        self.stats: dict[str, Any] = {
            "target": name,
            "engine": engine,
            "memory_bound": memory_bound,
            "inputs": 0,
            "stridekit_errors": 0,
            "crashes": 0,
            "memory_overruns": 0,
            "max_peak": 0,
            "cpu_s": 0.0,
            "kinds": {},
            "slowest": [],
        }
        (out / "crashes").mkdir(parents=True, exist_ok=True)
        (out / "slow").mkdir(parents=True, exist_ok=True)
        self._stats_path = out / "stats.json"
        tracemalloc.start()

    def one(self, data: bytes) -> None:
        """Judge one input (the fuzzer's callback: never raises)."""
        from stridekit.errors import StridekitError

        held = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        start = time.process_time()
        failure: BaseException | None = None
        try:
            self.target.run(data)
        except StridekitError:
            self.stats["stridekit_errors"] += 1
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:  # RecursionError, MemoryError ... all foreign
            failure = exc
        cpu = time.process_time() - start
        peak = max(tracemalloc.get_traced_memory()[1] - held, 0)
        s = self.stats
        s["inputs"] += 1
        s["cpu_s"] += cpu
        s["max_peak"] = max(s["max_peak"], peak)
        if failure is not None:
            s["crashes"] += 1
            self._crash(data, _kind(failure), _describe(failure))
        elif peak > self.memory_bound:
            s["memory_overruns"] += 1
            s["crashes"] += 1
            self._crash(data, "memory", f"tracemalloc peak {peak:,} bytes > {self.memory_bound:,}")
        self._slow(data, cpu)
        self.save()

    def _crash(self, data: bytes, kind: str, text: str) -> None:
        kinds = self.stats["kinds"]
        if kind in kinds:
            kinds[kind]["count"] += 1
            return
        digest = hashlib.sha1(data).hexdigest()[:16]
        path = self.out / "crashes" / f"{self.target.name}-{digest}.bin"
        path.write_bytes(data)
        kinds[kind] = {"count": 1, "input": str(path), "size": len(data), "error": text}

    def _slow(self, data: bytes, cpu: float) -> None:
        slowest = self.stats["slowest"]
        if len(slowest) >= SLOWEST and cpu <= slowest[-1]["cpu_s"]:
            return
        digest = hashlib.sha1(data).hexdigest()[:16]
        if any(entry["sha1"] == digest for entry in slowest):
            return
        path = self.out / "slow" / f"{self.target.name}-{digest}.bin"
        path.write_bytes(data)
        slowest.append(
            {"cpu_s": round(cpu, 4), "size": len(data), "sha1": digest, "input": str(path)}
        )
        slowest.sort(key=lambda e: -e["cpu_s"])
        for gone in slowest[SLOWEST:]:
            Path(gone["input"]).unlink(missing_ok=True)
        del slowest[SLOWEST:]

    def save(self) -> None:
        """Write the statistics (atomically: a reader never sees half a file)."""
        tmp = self._stats_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.stats, indent=1))
        os.replace(tmp, self._stats_path)


def _kind(exc: BaseException) -> str:
    """The exception's type and the innermost stridekit line it came through."""
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if "stridekit" in f.filename.replace("\\", "/").split("/")]
    where = ours[-1] if ours else (frames[-1] if frames else None)
    at = f"{Path(where.filename).name}:{where.lineno}" if where else "?"
    return f"{type(exc).__name__}@{at}"


def _describe(exc: BaseException) -> str:
    lines = traceback.format_exception(exc)
    return "".join(lines[-12:])[-3000:]


# -- the engines ---------------------------------------------------------------------------


def _instrumented_imports() -> None:
    import atheris

    with atheris.instrument_imports(include=["stridekit"]):
        import stridekit.io.csvlog
        import stridekit.io.detect
        import stridekit.io.fit
        import stridekit.io.garmin
        import stridekit.io.gpx
        import stridekit.io.loader
        import stridekit.io.safety
        import stridekit.io.strava
        import stridekit.io.tcx  # noqa: F401


def _warm_up(harness: Harness, seeds: list[bytes]) -> None:
    """Read the seeds once untraced: first calls fill caches and import lazily."""
    tracemalloc.stop()
    for seed in seeds:
        with contextlib.suppress(Exception):
            harness.target.run(seed)
    tracemalloc.start()


def run_atheris(harness: Harness, seeds: list[bytes], args: argparse.Namespace) -> None:
    """Fuzz with libFuzzer through atheris; never returns (libFuzzer exits the process)."""
    import atheris

    seed_dir = harness.out / "seeds"
    corpus = harness.out / "corpus"
    for d in (seed_dir, corpus):
        d.mkdir(parents=True, exist_ok=True)
    for i, seed in enumerate(seeds):
        (seed_dir / f"seed-{i:03d}").write_bytes(seed)
    argv = [
        sys.argv[0],
        f"-seed={args.seed}",
        f"-max_len={harness.target.max_len}",
        "-rss_limit_mb=2048",
        "-timeout=300",
        "-print_final_stats=1",
        # libFuzzer's own crash-, timeout- and slow-unit files go with the run's output,
        # never into the working directory
        f"-artifact_prefix={harness.out}/",
    ]
    argv.append(f"-runs={args.runs}" if args.runs else f"-max_total_time={args.seconds}")
    argv += [str(corpus), str(seed_dir)]
    harness.save()
    atheris.Setup(argv, harness.one)
    atheris.Fuzz()


def mutate(data: bytes, rng: random.Random, pool: list[bytes], max_len: int) -> bytes:
    """One to four random byte-level mutations of ``data``."""
    buf = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(8)
        n = len(buf)
        if op == 0 and n:  # flip bits of a byte
            buf[rng.randrange(n)] ^= 1 << rng.randrange(8)
        elif op == 1 and n:  # an interesting byte value
            buf[rng.randrange(n)] = rng.choice((0, 1, 0x7F, 0x80, 0xFF, 0x3C, 0x22, 0x2C, 0x0A))
        elif op == 2 and n:  # an interesting little-endian word over 1, 2 or 4 bytes
            width = rng.choice((1, 2, 4))
            pos = rng.randrange(max(n - width, 0) + 1)
            value = rng.choice((0, 1, 0xFF, 0xFFFF, 0x7FFFFFFF, 0xFFFFFFFF, 0x80000000))
            buf[pos : pos + width] = (value & ((1 << 8 * width) - 1)).to_bytes(width, "little")
        elif op == 3 and n:  # cut
            del buf[rng.randrange(n) :]
        elif op == 4 and n:  # delete a run
            pos = rng.randrange(n)
            del buf[pos : pos + rng.randint(1, 64)]
        elif op == 5 and n:  # repeat a run
            pos = rng.randrange(n)
            chunk = buf[pos : pos + rng.randint(1, 64)]
            buf[pos:pos] = chunk * rng.randint(1, 8)
        elif op == 6 and pool:  # splice with another seed
            other = rng.choice(pool)
            cut = rng.randrange(len(buf) + 1)
            buf = buf[:cut] + other[rng.randrange(len(other) + 1) :]
        else:  # insert random bytes
            pos = rng.randrange(n + 1)
            buf[pos:pos] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 16)))
    return bytes(buf[:max_len])


def run_mutate(harness: Harness, seeds: list[bytes], args: argparse.Namespace) -> None:
    """Fuzz with :func:`mutate`: every seed once, then mutants, for ``runs`` inputs in all or
    ``seconds`` of CPU time."""
    rng = random.Random(args.seed)
    pool = [s for s in seeds if s] or [b""]
    deadline = time.process_time() + args.seconds if not args.runs else None
    done = 0
    for seed in seeds:
        harness.one(seed)
        done += 1
    while (args.runs and done < args.runs) or (
        deadline is not None and time.process_time() < deadline
    ):
        harness.one(mutate(rng.choice(pool), rng, pool, harness.target.max_len))
        done += 1


def main(argv: list[str] | None = None) -> None:
    """``python -m fuzz.harness TARGET --out DIR [--runs N | --seconds S] [--seed K]``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("target")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--engine", choices=("atheris", "mutate"), default="atheris")
    parser.add_argument("--runs", type=int, default=0)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    if args.engine == "atheris":
        _instrumented_imports()
    from fuzz import targets

    targets.set_scratch(args.out / "scratch")
    target = targets.TARGETS[args.target]
    seeds = list(targets.iter_seeds(target))
    if not seeds:
        seeds = [b""]
    harness = Harness(args.target, args.out, args.engine)
    _warm_up(harness, seeds)
    try:
        if args.engine == "atheris":
            run_atheris(harness, seeds, args)
        else:
            run_mutate(harness, seeds, args)
    finally:
        harness.save()
        targets.cleanup()


if __name__ == "__main__":
    main()
