"""Run one function over many files on every core, in order, reporting progress per file.

:func:`run_ordered` uses a process pool (``concurrent.futures``) whose workers are started
with ``forkserver`` where the platform has it, else ``spawn``: both are safe inside Jupyter
kernels and threaded programs, where ``fork`` is not. Starting workers costs a fraction of a
second, so small jobs (:func:`want_pool`) run in this process instead; both paths call the
same function on the same items and return the same results.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Final, TypeVar

from stridekit.report import ProgressCallback

T = TypeVar("T")
R = TypeVar("R")

MIN_POOL_FILES: Final = 20
"""Fewest files to parse for which a pool pays off [count]."""
MIN_POOL_BYTES: Final = 16 * 1024 * 1024
"""Fewest bytes to parse for which a pool pays off, whatever the count [bytes]."""
PRELOAD: Final = ["stridekit.io.loader"]
"""Modules the forkserver imports once, so that each worker starts already loaded."""


def cpu_count() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def want_pool(files: int, size: int, workers: int | None = None) -> int:
    """How many workers to use for ``files`` files of ``size`` bytes to parse; 1 is serial.

    Parameters
    ----------
    files
        How many files need parsing [count].
    size
        Their total size on disk [bytes].
    workers
        ``None`` decides by :data:`MIN_POOL_FILES` and :data:`MIN_POOL_BYTES` on every
        core; a number forces that many workers (1: serial).
    """
    if workers is not None:
        return max(1, workers)
    cores = cpu_count()
    if cores < 2 or (files < MIN_POOL_FILES and size < MIN_POOL_BYTES) or files < 2:
        return 1
    return min(cores, files)


def _context() -> mp.context.BaseContext:
    methods = mp.get_all_start_methods()
    if "forkserver" in methods:
        ctx = mp.get_context("forkserver")
        ctx.set_forkserver_preload(PRELOAD)
        return ctx
    return mp.get_context("spawn")


def prestart(workers: int) -> None:
    """Start the pool's ``forkserver`` now, when a pool of ``workers`` will be wanted soon.

    The server imports :data:`PRELOAD` (about a second) while this process goes on with what
    comes before the pool (an export's ``activities.csv``, say), instead of after. Nothing
    happens for ``workers`` of 1 or where there is no ``forkserver``.
    """
    if workers <= 1 or "forkserver" not in mp.get_all_start_methods():
        return
    from multiprocessing import forkserver

    _context()  # sets the preload list the server is started with
    with contextlib.suppress(OSError, ValueError):
        forkserver.ensure_running()


def run_ordered(
    func: Callable[[T], R],
    items: Sequence[T],
    *,
    workers: int = 1,
    progress: ProgressCallback | None = None,
    label: Callable[[T], str] = str,
) -> list[R]:
    """``[func(item) for item in items]``, on ``workers`` processes, results in input order.

    Parameters
    ----------
    func
        A module-level function (workers import it by name); it must not raise for a bad
        file but return what went wrong.
    items
        Picklable inputs.
    workers
        1 runs in this process; more start a pool of that many processes.
    progress
        ``progress(done, total, label(item))``, called in this process once per item, in
        input order.
    label
        What progress says for an item.

    Returns
    -------
    list
        One result per item, in the order of ``items``.
    """
    return list(iter_ordered(func, items, workers=workers, progress=progress, label=label))


def iter_ordered(
    func: Callable[[T], R],
    items: Sequence[T],
    *,
    workers: int = 1,
    progress: ProgressCallback | None = None,
    label: Callable[[T], str] = str,
) -> Iterator[R]:
    """:func:`run_ordered` as results come: each result is yielded, in input order, as soon
    as it and those before it are done, so that the caller can fold it into what it builds
    while the workers go on (and need not hold every result at once).

    The pool is shut down when the iteration ends (or the iterator is closed). Parameters
    as for :func:`run_ordered`.
    """
    total = len(items)
    done = 0
    if workers > 1 and total >= 2:
        # small chunks keep both cores busy to the end; big ones save pickling round trips
        chunksize = max(1, min(16, total // (workers * 8)))
        try:
            with ProcessPoolExecutor(max_workers=workers, mp_context=_context()) as pool:
                with _main_hidden():  # every worker starts while map submits
                    mapped = pool.map(func, items, chunksize=chunksize)
                for item, result in zip(items, mapped, strict=False):
                    done += 1
                    if progress:
                        progress(done, total, label(item))
                    yield result
                    del result  # the caller holds it if it wants it
        except (BrokenProcessPool, OSError, NotImplementedError):
            # no processes here (a sandbox without semaphores, a worker killed for memory):
            # what is left is done in this process
            pass
    for item in items[done:]:
        result = func(item)
        done += 1
        if progress:
            progress(done, total, label(item))
        yield result
        del result


@contextlib.contextmanager
def _main_hidden() -> Iterator[None]:
    """Start workers without re-running the caller's ``__main__`` in them.

    ``spawn`` and ``forkserver`` workers import the parent's main script (as
    ``__mp_main__``) so that functions defined there can be unpickled; a script that calls
    :func:`stridekit.load_log` without an ``if __name__ == "__main__":`` guard would then
    load its log again in every worker, and fail. The workers here only run stridekit's own
    functions, so the main module is hidden from them while they start.
    """
    main = sys.modules.get("__main__")
    if main is None:
        yield
        return
    saved: dict[str, Any] = {
        k: main.__dict__[k] for k in ("__file__", "__spec__") if k in main.__dict__
    }
    main.__dict__.pop("__file__", None)
    main.__dict__["__spec__"] = None
    try:
        yield
    finally:
        main.__dict__.pop("__spec__", None)
        main.__dict__.update(saved)
